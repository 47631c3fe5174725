#!/usr/bin/env python3
"""Checks that every regex custom manager in a Renovate config still finds what it manages.

A custom manager whose file pattern or match string no longer matches (a renamed variable, a
moved script) makes Renovate silently stop updating that pin. For each regex manager: at least
one repository file matches its managerFilePatterns, and each of its matchStrings captures a
currentValue (and a depName, unless depNameTemplate gives one) in at least one of those files.

    renovate_managers_check.py RENOVATE_JSON [ROOT]
"""

import fnmatch
import json
import os
import re
import sys

SKIP_DIRS = {".git", "target", "node_modules", "__pycache__"}


def repo_files(root):
    for base, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS]
        for name in files:
            yield os.path.relpath(os.path.join(base, name), root).replace(os.sep, "/")


def file_matcher(pattern):
    # Renovate: "/regex/" is a regular expression, anything else a glob.
    if len(pattern) > 1 and pattern.startswith("/") and pattern.endswith("/"):
        regex = re.compile(pattern[1:-1])
        return lambda path: regex.search(path) is not None
    return lambda path: fnmatch.fnmatch(path, pattern)


def js_to_python(regex):
    # JavaScript named groups (?<name>...) are (?P<name>...) in Python.
    return re.sub(r"\(\?<([A-Za-z_][A-Za-z0-9_]*)>", r"(?P<\1>", regex)


def check(config, root):
    problems = []
    files = sorted(repo_files(root))
    managers = [m for m in config.get("customManagers", []) if m.get("customType") == "regex"]
    for index, manager in enumerate(managers):
        label = manager.get("description") or f"customManagers[{index}]"
        matchers = [file_matcher(p) for p in manager.get("managerFilePatterns", [])]
        targets = [f for f in files if any(m(f) for m in matchers)]
        if not targets:
            problems.append(f"{label}: no file matches {manager.get('managerFilePatterns')}")
            continue
        texts = {}
        for path in targets:
            with open(os.path.join(root, path), encoding="utf-8", errors="replace") as handle:
                texts[path] = handle.read()
        for match_string in manager.get("matchStrings", []):
            regex = re.compile(js_to_python(match_string))
            found = [
                m for text in texts.values() for m in regex.finditer(text)
                if m.groupdict().get("currentValue")
                and (m.groupdict().get("depName") or manager.get("depNameTemplate"))
            ]
            if not found:
                problems.append(f"{label}: {match_string!r} captures no version in {targets}")
    return problems, len(managers)


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    root = sys.argv[2] if len(sys.argv) == 3 else "."
    with open(sys.argv[1], encoding="utf-8") as handle:
        config = json.load(handle)
    problems, count = check(config, root)
    for problem in problems:
        print(f"FAIL {problem}")
    if problems:
        sys.exit(1)
    print(f"{count} regex custom managers, each matching its files")


if __name__ == "__main__":
    main()
