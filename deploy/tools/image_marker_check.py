#!/usr/bin/env python3
"""The image setter markers of the app's manifests agree with Flux image automation.

usage: image_marker_check.py [--root DIR] MANIFEST.yaml [MANIFEST.yaml ...] IMAGE_AUTOMATION.yaml

(--root: the repository root that ImageUpdateAutomation paths are relative
to; default: the repository holding this script.)

Each manifest (the Deployment, the migration Job that runs before it) must
carry exactly one image line with a Flux setter marker,
in one of the two forms the image-automation-controller's Setters strategy
writes for a whole-image marker (ImageRef.String(): name:tag, plus
"@" + digest when the ImagePolicy reflects digests):

    image: REPO:X.Y.Z # {"$imagepolicy": "NAMESPACE:POLICY"}
    image: REPO:X.Y.Z@sha256:<64 hex> # {"$imagepolicy": "NAMESPACE:POLICY"}

The first is what the repository holds until Flux's first image commit; the
second is every commit after it. All markers name the same image and tag
(the migrations of a release run before its pods). The image automation
objects must produce exactly that: an ImageRepository for REPO, the named
ImagePolicy with a semver policy, digest reflection and a tag filter that
admits plain X.Y.Z only (Flux's semver parser also takes "v1.2.3" and would
write it), and an ImageUpdateAutomation with the Setters strategy over a path
that contains every manifest.
"""
import os
import re
import sys

import yaml

MARKER = re.compile(
    r'^\s+image: (?P<repo>[a-z0-9.-]+(?::[0-9]+)?(?:/[a-z0-9._-]+)+)'
    r':(?P<tag>[0-9]+\.[0-9]+\.[0-9]+)(?:@sha256:[0-9a-f]{64})?'
    r' # \{"\$imagepolicy": "(?P<ns>[a-z0-9-]+):(?P<policy>[a-z0-9-]+)"\}$')
# Digest reflection values that make Flux write tag@digest (Never drops it).
REFLECTING = {"IfNotPresent", "Always"}
# What the ImagePolicy's tag filter must admit, and what it must keep out.
RELEASE_TAGS = ["0.1.0", "1.2.3", "10.20.30"]
OTHER_TAGS = ["v1.2.3", "1.2.3-rc.1", "1.2.3+build", "1.2", "latest", "candidate-1.2.3", "1.2.3 "]


def marker_of(manifest):
    """The manifest's one marker line, parsed, or a failure message."""
    with open(manifest, encoding="utf-8") as fh:
        lines = [l.rstrip("\n") for l in fh if "$imagepolicy" in l]
    if len(lines) != 1:
        return None, f"{manifest}: expected one $imagepolicy marker line, found {len(lines)}"
    m = MARKER.match(lines[0])
    if not m:
        return None, (f"{manifest}: marker line is neither REPO:X.Y.Z nor REPO:X.Y.Z@sha256:<64 hex> "
                      f'followed by # {{"$imagepolicy": "NS:NAME"}}:\n    {lines[0].strip()}')
    return m, None


def tag_filter_problems(filter_tags):
    pattern = (filter_tags or {}).get("pattern")
    if not pattern:
        return ["ImagePolicy: needs filterTags.pattern admitting X.Y.Z only "
                "(Flux's semver parser also takes v-prefixed tags)"]
    try:
        # Flux matches with Go's RE2; an anchored pattern like this reads the same in Python.
        regex = re.compile(pattern)
    except re.error as e:
        return [f"ImagePolicy: filterTags.pattern {pattern!r} does not compile: {e}"]
    problems = [f"ImagePolicy: filterTags.pattern {pattern!r} refuses release tag {t!r}"
                for t in RELEASE_TAGS if not regex.search(t)]
    problems += [f"ImagePolicy: filterTags.pattern {pattern!r} admits {t!r}, not an X.Y.Z tag"
                 for t in OTHER_TAGS if regex.search(t)]
    if (filter_tags or {}).get("extract") not in (None, "", "$0"):
        problems.append("ImagePolicy: filterTags.extract would order tags by a part of them")
    return problems


def main():
    args = sys.argv[1:]
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    if args[:1] == ["--root"]:
        root, args = os.path.abspath(args[1]), args[2:]
    if len(args) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    *manifests, automation = args
    errors = []
    markers = []
    for manifest in manifests:
        m, problem = marker_of(manifest)
        if problem:
            print(f"FAIL {problem}")
            return 1
        markers.append(m)
    m = markers[0]
    for other, manifest in zip(markers[1:], manifests[1:]):
        if (other["repo"], other["tag"], other["ns"], other["policy"]) != (m["repo"], m["tag"], m["ns"], m["policy"]):
            errors.append(f"{manifest}: marker {other['repo']}:{other['tag']} -> {other['ns']}:{other['policy']} "
                          f"differs from {manifests[0]}'s {m['repo']}:{m['tag']} -> {m['ns']}:{m['policy']}")

    with open(automation, encoding="utf-8") as fh:
        objs = {(d.get("kind"), (d.get("metadata") or {}).get("namespace"), d["metadata"]["name"]): d
                for d in yaml.safe_load_all(fh) if d}
    policy = objs.get(("ImagePolicy", m["ns"], m["policy"]))
    if policy is None:
        errors.append(f"no ImagePolicy {m['ns']}/{m['policy']} for the marker")
    else:
        spec = policy.get("spec") or {}
        if not (spec.get("policy") or {}).get("semver", {}).get("range"):
            errors.append("ImagePolicy: needs a semver policy (the marker takes X.Y.Z tags)")
        errors += tag_filter_problems(spec.get("filterTags"))
        if spec.get("digestReflectionPolicy") not in REFLECTING:
            errors.append(f"ImagePolicy: digestReflectionPolicy must be one of {sorted(REFLECTING)} "
                          f"(got {spec.get('digestReflectionPolicy')!r})")
        ref = (spec.get("imageRepositoryRef") or {}).get("name")
        repo_obj = objs.get(("ImageRepository", m["ns"], ref))
        if repo_obj is None:
            errors.append(f"no ImageRepository {m['ns']}/{ref} for the ImagePolicy")
        elif (repo_obj.get("spec") or {}).get("image") != m["repo"]:
            errors.append(f"ImageRepository image {repo_obj['spec'].get('image')!r} "
                          f"is not the Deployment's {m['repo']!r}")
    updaters = [d for (kind, _, _), d in objs.items() if kind == "ImageUpdateAutomation"]
    for manifest in manifests:
        directory = os.path.dirname(os.path.abspath(manifest))
        covering = []
        for u in updaters:
            upd = (u.get("spec") or {}).get("update") or {}
            path = os.path.normpath(os.path.join(root, upd.get("path") or "/nowhere"))
            if upd.get("strategy") == "Setters" and os.path.commonpath([directory, path]) == path:
                covering.append(u)
        if len(covering) != 1:
            errors.append(f"expected one ImageUpdateAutomation (strategy Setters) whose update.path "
                          f"contains {manifest}, found {len(covering)}")

    for e in errors:
        print(f"FAIL {e}")
    if not errors:
        for marker, manifest in zip(markers, manifests):
            form = "tag@digest" if "@sha256:" in marker.group(0) else "tag"
            print(f"ok   {manifest}: {marker['repo']}:{marker['tag']} ({form} form) -> ImagePolicy {marker['ns']}/{marker['policy']}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
