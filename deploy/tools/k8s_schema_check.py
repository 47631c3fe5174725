#!/usr/bin/env python3
"""Schema-validate rendered Kubernetes manifests, offline.

usage: k8s_schema_check.py [--vars FILE.env] SCHEMA_DIR K8S_VERSION MANIFEST.yaml...

* With --vars, ${NAME} placeholders are substituted first, as Flux's
  postBuild.substituteFrom does; a placeholder without a value fails.

* Core kinds (built-in API groups) go to kubernetes-validate --strict, which
  ships the upstream OpenAPI schemas for every supported Kubernetes version.
* Custom resources are looked up in SCHEMA_DIR using the kubeconform layout
  <group>/<kind>_<version>.json (../shared/crd-schemas locally, the datree
  CRDs-catalog in GitHub Actions) and validated with check-jsonschema.
* A custom resource without a schema fails, unless its kind is listed in
  NO_SCHEMA_YET below (each with the reason); those get a structural check
  only and are reported as such, so the gap stays visible.

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

# Kinds whose CRD schema is not (yet) in ../shared/crd-schemas. In GitHub
# Actions the datree catalog has them, so they are fully validated there.
NO_SCHEMA_YET = {
    ("external-secrets.io", "ExternalSecret"): "External Secrets CRDs not in shared/crd-schemas",
    ("external-secrets.io", "ClusterSecretStore"): "External Secrets CRDs not in shared/crd-schemas",
    ("gateway.networking.k8s.io", "GatewayClass"): "only Gateway and HTTPRoute schemas are in shared/crd-schemas",
    ("gateway.envoyproxy.io", "EnvoyProxy"): "Envoy Gateway CRDs not in shared/crd-schemas",
    ("trust.cert-manager.io", "Bundle"): "trust-manager CRDs not in shared/crd-schemas",
}


def bin_path(name):
    here = os.path.dirname(sys.executable)
    cand = os.path.join(here, name)
    return cand if os.path.exists(cand) else name


def main():
    args = sys.argv[1:]
    env = None
    if args[:1] == ["--vars"]:
        env = {}
        with open(args[1], encoding="utf-8") as fh:
            for line in fh:
                line = line.strip()
                if line and not line.startswith("#"):
                    key, _, value = line.partition("=")
                    env[key] = value
        args = args[2:]
    if len(args) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    schema_dir, k8s_version, files = args[0], args[1], args[2:]
    failures = 0
    core_docs = []
    by_schema = collections.defaultdict(list)
    structural = []
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
            elif (group, kind) in NO_SCHEMA_YET:
                structural.append((where, doc, NO_SCHEMA_YET[(group, kind)]))
            else:
                print(f"FAIL {where}: no schema {schema} and kind not in NO_SCHEMA_YET")
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

    # Custom resources without a schema: structural check only.
    for where, doc, why in structural:
        meta = doc.get("metadata") or {}
        if not meta.get("name") or not isinstance(doc.get("spec"), dict):
            print(f"FAIL {where}: needs metadata.name and an object spec")
            failures += 1
        else:
            print(f"note {where}: structural check only ({why})")

    print(f"{n} objects, {failures} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
