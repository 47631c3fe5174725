#!/usr/bin/env python3
"""Schema-validate rendered Kubernetes manifests, offline.

usage: k8s_schema_check.py [--vars FILE.env] [--write-substituted DIR]
                           SCHEMA_DIR K8S_VERSION MANIFEST.yaml...

* With --vars, ${NAME} placeholders are substituted first, as Flux's
  postBuild.substituteFrom does; a placeholder without a value fails.
  --write-substituted keeps the substituted files (for kubeconform).
* Core kinds (built-in API groups) go to kubernetes-validate --strict, which
  ships the upstream OpenAPI schemas for every supported Kubernetes version.
* Custom resources are looked up in SCHEMA_DIR (deploy/schemas, generated
  from the pinned upstream CRDs) using the kubeconform layout
  <group>/<kind>_<version>.json and validated with check-jsonschema.
* A custom resource without a schema fails: there is no structural-only
  fallback, so a new kind needs its CRD added to deploy/schemas/generate.py.

Exit status is non-zero on any failure.
"""
import collections
import json
import os
import re
import subprocess
import sys
import tempfile

import yaml

CORE_GROUPS = {
    "", "apps", "batch", "policy", "autoscaling", "networking.k8s.io",
    "rbac.authorization.k8s.io", "storage.k8s.io", "scheduling.k8s.io",
    "admissionregistration.k8s.io", "apiextensions.k8s.io", "coordination.k8s.io",
    "discovery.k8s.io", "node.k8s.io", "certificates.k8s.io",
}

def bin_path(name):
    here = os.path.dirname(sys.executable)
    cand = os.path.join(here, name)
    return cand if os.path.exists(cand) else name


def main():
    args = sys.argv[1:]
    env = None
    substituted_dir = None
    while args[:1] in (["--vars"], ["--write-substituted"]):
        if args[0] == "--vars":
            env = {}
            with open(args[1], encoding="utf-8") as fh:
                for line in fh:
                    line = line.strip()
                    if line and not line.startswith("#"):
                        key, _, value = line.partition("=")
                        env[key] = value
        else:
            substituted_dir = args[1]
            os.makedirs(substituted_dir, exist_ok=True)
        args = args[2:]
    if len(args) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    schema_dir, k8s_version, files = args[0], args[1], args[2:]
    failures = 0
    core_docs = []
    by_schema = collections.defaultdict(list)
    tmp = tempfile.mkdtemp(prefix="k8s-schema-")
    n = 0
    for path in files:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
        if env is not None:
            missing = sorted(set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", text)) - set(env))
            if missing:
                print(f"FAIL {os.path.basename(path)}: no value for {missing}")
                failures += 1
            text = re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", lambda m: env.get(m.group(1), m.group(0)), text)
        if substituted_dir:
            with open(os.path.join(substituted_dir, os.path.basename(path)), "w", encoding="utf-8") as fh:
                fh.write(text)
        docs = [d for d in yaml.safe_load_all(text) if d]
        for doc in docs:
            n += 1
            api = doc.get("apiVersion", "")
            kind = doc.get("kind", "")
            name = (doc.get("metadata") or {}).get("name", "?")
            where = f"{os.path.basename(path)}: {kind}/{name}"
            if not api or not kind:
                print(f"FAIL {where}: missing apiVersion or kind")
                failures += 1
                continue
            group, _, version = api.rpartition("/")
            if group in CORE_GROUPS:
                core_docs.append(doc)
                continue
            schema = os.path.join(schema_dir, group, f"{kind.lower()}_{version}.json")
            if os.path.isfile(schema):
                out = os.path.join(tmp, f"{n:04d}-{kind}-{name}.json")
                with open(out, "w", encoding="utf-8") as fh:
                    json.dump(doc, fh)
                by_schema[schema].append(out)
            else:
                print(f"FAIL {where}: no schema {schema} (add its CRD to deploy/schemas/generate.py)")
                failures += 1

    # Core kinds.
    if core_docs:
        core_file = os.path.join(tmp, "core.yaml")
        with open(core_file, "w", encoding="utf-8") as fh:
            yaml.safe_dump_all(core_docs, fh)
        rc = subprocess.call([bin_path("kubernetes-validate"), "--strict", "--quiet",
                              "-k", k8s_version, core_file])
        if rc != 0:
            print(f"FAIL kubernetes-validate ({len(core_docs)} core objects)")
            failures += 1
        else:
            print(f"ok   kubernetes-validate: {len(core_docs)} core objects")

    # Custom resources with schemas.
    for schema, docs in sorted(by_schema.items()):
        rel = os.path.relpath(schema, schema_dir)
        rc = subprocess.call([bin_path("check-jsonschema"), "--schemafile", schema, *docs])
        if rc != 0:
            print(f"FAIL check-jsonschema {rel}")
            failures += 1
        else:
            print(f"ok   check-jsonschema {rel}: {len(docs)} objects")

    print(f"{n} objects, {failures} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
