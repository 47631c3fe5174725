#!/usr/bin/env python3
"""The Deployment's image setter marker agrees with Flux image automation.

usage: image_marker_check.py [--root DIR] DEPLOYMENT.yaml IMAGE_AUTOMATION.yaml

(--root: the repository root that ImageUpdateAutomation paths are relative
to; default: the repository holding this script.)

The Deployment must carry exactly one image line with a Flux setter marker,
in one of the two forms the image-automation-controller's Setters strategy
writes for a whole-image marker (ImageRef.String(): name:tag, plus
"@" + digest when the ImagePolicy reflects digests):

    image: REPO:X.Y.Z # {"$imagepolicy": "NAMESPACE:POLICY"}
    image: REPO:X.Y.Z@sha256:<64 hex> # {"$imagepolicy": "NAMESPACE:POLICY"}

The first is what the repository holds until Flux's first image commit; the
second is every commit after it. The image automation objects must produce
exactly that: an ImageRepository for REPO, the named ImagePolicy with a semver
policy (releases X.Y.Z only) and digest reflection, and an
ImageUpdateAutomation with the Setters strategy over a path that contains the
Deployment.
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


def main():
    args = sys.argv[1:]
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    if args[:1] == ["--root"]:
        root, args = os.path.abspath(args[1]), args[2:]
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    deployment, automation = args
    errors = []
    with open(deployment, encoding="utf-8") as fh:
        lines = [l.rstrip("\n") for l in fh if "$imagepolicy" in l]
    if len(lines) != 1:
        print(f"FAIL {deployment}: expected one $imagepolicy marker line, found {len(lines)}")
        return 1
    m = MARKER.match(lines[0])
    if not m:
        print(f"FAIL {deployment}: marker line is neither REPO:X.Y.Z nor REPO:X.Y.Z@sha256:<64 hex> "
              f'followed by # {{"$imagepolicy": "NS:NAME"}}:\n    {lines[0].strip()}')
        return 1

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
        if spec.get("filterTags"):
            errors.append("ImagePolicy: filterTags would let non-X.Y.Z tags through the marker")
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
    dep_dir = os.path.dirname(os.path.abspath(deployment))
    covering = []
    for u in updaters:
        upd = (u.get("spec") or {}).get("update") or {}
        path = os.path.normpath(os.path.join(root, upd.get("path") or "/nowhere"))
        if upd.get("strategy") == "Setters" and os.path.commonpath([dep_dir, path]) == path:
            covering.append(u)
    if len(covering) != 1:
        errors.append(f"expected one ImageUpdateAutomation (strategy Setters) whose update.path "
                      f"contains {deployment}, found {len(covering)}")

    for e in errors:
        print(f"FAIL {e}")
    if not errors:
        form = "tag@digest" if "@sha256:" in lines[0] else "tag"
        print(f"ok   marker {m['repo']}:{m['tag']} ({form} form) -> ImagePolicy {m['ns']}/{m['policy']}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
