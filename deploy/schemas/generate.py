#!/usr/bin/env python3
"""Generate deploy/schemas/: strict JSON schemas for every custom resource
kind the deploy tree can use, from the upstream CRDs at the exact versions the
manifests pin.

    python3 deploy/schemas/generate.py                    # online: git fetch each tag
    python3 deploy/schemas/generate.py --snapshots DIR    # offline: local git dirs
    python3 deploy/schemas/generate.py --check [...]      # regenerate, fail on a diff
    python3 deploy/schemas/generate.py --check-pins       # offline: the pins in the
                                                          # manifests are the ones
                                                          # SOURCES.txt was made from

The versions are read from the manifests themselves (one source of truth):
Flux from FLUX_VERSION in deploy/lib.sh (the controller versions from that
Flux release's manifests/bases), HelmRelease charts from spec.chart.spec.version,
OCI charts from the OCIRepository's spec.ref.tag. A range there is an error.

Offline, --snapshots DIR holds bare git directories named owner+name (or
owner+name/repo, or owner/name). Output layout is kubeconform's
<group>/<kind>_<version>.json; SOURCES.txt records each repo@commit (tag) and
path. Needs PyYAML and git.
"""
import argparse
import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
K8S = os.path.join(ROOT, "deploy", "k8s")
FLUX_PIN_FILE = "deploy/lib.sh"
FLUX_CONTROLLERS = [
    "source-controller",
    "kustomize-controller",
    "helm-controller",
    "notification-controller",
    "image-reflector-controller",
    "image-automation-controller",
]
EXACT = re.compile(r"^v?[0-9]+\.[0-9]+\.[0-9]+$")

# Charts with CRDs. `pin` names the object that carries the version:
# ("HelmRelease", name) -> spec.chart.spec.version, ("OCIRepository", name)
# -> spec.ref.tag. `tag` is the upstream git tag the chart version was
# released from. `templated`: the files are Helm templates whose only
# template lines are metadata labels/annotations, dropped before parsing.
CHARTS = [
    {"pin": ("HelmRelease", "flagger"), "repo": "fluxcd/flagger", "tag": "v{v}",
     "paths": ["charts/flagger/crds/crd.yaml"]},
    {"pin": ("HelmRelease", "external-secrets"), "repo": "external-secrets/external-secrets",
     "tag": "helm-chart-{v}", "paths": ["config/crds/bases/external-secrets.io_*.yaml"]},
    {"pin": ("OCIRepository", "cert-manager"), "repo": "cert-manager/cert-manager", "tag": "{v}",
     "paths": ["deploy/crds/cert-manager.io_*.yaml"]},
    {"pin": ("OCIRepository", "trust-manager"), "repo": "cert-manager/trust-manager", "tag": "{v}",
     "paths": ["deploy/crds/trust.cert-manager.io_bundles.yaml"]},
    # charts/karpenter/crds/ holds symlinks to these files.
    {"pin": ("OCIRepository", "karpenter"), "repo": "aws/karpenter-provider-aws", "tag": "v{v}",
     "paths": ["pkg/apis/crds/karpenter.*.yaml"]},
    # The Envoy Gateway chart also installs the Gateway API CRDs.
    {"pin": ("OCIRepository", "envoy-gateway"), "repo": "envoyproxy/gateway", "tag": "{v}",
     "paths": ["charts/gateway-helm/charts/crds/crds/gatewayapi-crds.yaml",
               "charts/gateway-helm/charts/crds/crds/generated/gateway.envoyproxy.io_envoyproxies.yaml"]},
    # Edge chart 2026.8.3 is release edge-26.8.3. Its Gateway API templates
    # are off (installGatewayAPI: false): Envoy Gateway's are used.
    {"pin": ("HelmRelease", "linkerd-crds"), "repo": "linkerd/linkerd2", "tag": "edge-{v2}",
     "templated": True,
     "paths": ["charts/linkerd-crds/templates/policy/*.yaml",
               "charts/linkerd-crds/templates/serviceprofile.yaml",
               "charts/linkerd-crds/templates/workload/*.yaml"]},
]


def upstream_tag(chart, version):
    """The git tag of `chart` for `version` ({v2}: without the century)."""
    return chart["tag"].format(v=version, v2=version[2:])


def helm_untemplate(text, where):
    """Drop template lines; fail unless each sat inside a metadata block."""
    out, in_metadata = [], False
    for line in text.splitlines():
        stripped = line.strip()
        if line and not line[0].isspace():
            in_metadata = stripped == "metadata:"
        if "{{" in line:
            if not in_metadata:
                raise GenError(f"{where}: template outside metadata: {stripped}")
            continue
        out.append(line)
    return "\n".join(out) + "\n"


class GenError(Exception):
    pass


def manifest_objects():
    """(relative path, object) for every YAML document under deploy/k8s."""
    for dirpath, _, names in sorted(os.walk(K8S)):
        for name in sorted(names):
            if name.endswith(".yaml") and name != "kustomization.yaml":
                path = os.path.join(dirpath, name)
                with open(path, encoding="utf-8") as fh:
                    for doc in yaml.safe_load_all(fh):
                        if isinstance(doc, dict):
                            yield os.path.relpath(path, ROOT), doc


def read_pins():
    """{label: (version, where)} from the manifests; ranges are errors."""
    pins = {}
    with open(os.path.join(ROOT, FLUX_PIN_FILE), encoding="utf-8") as fh:
        m = re.search(r"^FLUX_VERSION=(\S+)", fh.read(), re.M)
    if not m:
        raise GenError(f"{FLUX_PIN_FILE}: no FLUX_VERSION=")
    pins["flux"] = (m.group(1), f"{FLUX_PIN_FILE} FLUX_VERSION")
    # Every chart, not only those with CRDs: SOURCES.txt is the versions table.
    for rel, doc in manifest_objects():
        kind, name = doc.get("kind"), (doc.get("metadata") or {}).get("name")
        spec = doc.get("spec") or {}
        if kind == "HelmRelease" and "chart" in spec:
            version = ((spec.get("chart") or {}).get("spec") or {}).get("version")
        elif kind == "OCIRepository":
            version = (spec.get("ref") or {}).get("tag")
        else:
            continue
        pins[f"{kind}/{name}"] = (version, rel)
    for c in CHARTS:
        label = "/".join(c["pin"])
        if label not in pins:
            raise GenError(f"no {label} found under deploy/k8s")
    for label, (version, where) in pins.items():
        if not isinstance(version, str) or not EXACT.match(version):
            raise GenError(f"{where}: {label} must pin an exact version, has {version!r}")
    return pins


class Git:
    """Read files at a tag of an upstream repo: local snapshot or git fetch."""

    def __init__(self, snapshots, cache):
        self.snapshots = snapshots
        self.cache = cache
        self.dirs = {}

    def _dir(self, repo):
        if repo in self.dirs:
            return self.dirs[repo]
        owner, name = repo.split("/")
        if self.snapshots:
            for cand in (f"{owner}+{name}/repo", f"{owner}+{name}", f"{owner}/{name}"):
                path = os.path.join(self.snapshots, cand)
                if os.path.isdir(path):
                    self.dirs[repo] = path
                    return path
            raise GenError(f"no snapshot of {repo} in {self.snapshots}")
        path = os.path.join(self.cache, f"{owner}+{name}")
        subprocess.run(["git", "init", "-q", "--bare", path], check=True)
        self.dirs[repo] = path
        return path

    def _git(self, repo, *args):
        res = subprocess.run(["git", "--git-dir", self._dir(repo), *args],
                             capture_output=True, text=True)
        if res.returncode != 0:
            raise GenError(f"{repo}: git {' '.join(args)}: {res.stderr.strip()}")
        return res.stdout

    def commit(self, repo, tag):
        if not self.snapshots:
            self._git(repo, "fetch", "-q", "--depth", "1", f"https://github.com/{repo}",
                      f"+refs/tags/{tag}:refs/tags/{tag}")
        return self._git(repo, "rev-parse", f"{tag}^{{commit}}").strip()

    def ls(self, repo, commit, pattern):
        top = pattern.split("*")[0].rsplit("/", 1)[0]
        names = self._git(repo, "ls-tree", "-r", "--name-only", commit, "--", top).split()
        found = sorted(n for n in names if fnmatch.fnmatchcase(n, pattern))
        if not found:
            raise GenError(f"{repo}@{commit}: nothing matches {pattern}")
        return found

    def show(self, repo, commit, path):
        return self._git(repo, "show", f"{commit}:{path}")


def strict(node):
    """OpenAPI v3 (structural CRD schema) -> strict JSON schema node."""
    if isinstance(node, list):
        return [strict(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        # Annotations only; preserve-unknown-fields is read below.
        if key == "description" or (key.startswith("x-kubernetes-")
                                    and key != "x-kubernetes-preserve-unknown-fields"):
            continue
        if key in ("properties", "patternProperties", "definitions"):
            out[key] = {k: strict(v) for k, v in value.items()}
        elif key == "nullable":
            continue
        else:
            out[key] = strict(value)
    if node.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"] if isinstance(out["type"], str) else out["type"] + ["null"]
        if "enum" in out:
            out["enum"] = out["enum"] + [None]
    # Strict: an object that lists its properties accepts no others, unless
    # the CRD says unknown fields are preserved there.
    if "properties" in out and "additionalProperties" not in out \
            and not out.get("x-kubernetes-preserve-unknown-fields"):
        out["additionalProperties"] = False
    out.pop("x-kubernetes-preserve-unknown-fields", None)
    return out


def crd_schemas(text):
    """{relative output path: schema} for every served version of every CRD."""
    result = {}
    for doc in yaml.safe_load_all(text):
        if not isinstance(doc, dict) or doc.get("kind") != "CustomResourceDefinition":
            continue
        spec = doc["spec"]
        group, kind = spec["group"], spec["names"]["kind"]
        for ver in spec["versions"]:
            if not ver.get("served", True):
                continue
            schema = strict(ver["schema"]["openAPIV3Schema"])
            props = schema.setdefault("properties", {})
            props["apiVersion"] = {"type": "string", "enum": [f"{group}/{ver['name']}"]}
            props["kind"] = {"type": "string", "enum": [kind]}
            # Every object has metadata, listed by the CRD or not (Linkerd's
            # are not), and the API server validates it, not the CRD.
            props.setdefault("metadata", {"type": "object"})
            schema["required"] = sorted(set(schema.get("required", [])) | {"apiVersion", "kind"})
            schema["additionalProperties"] = False
            result[f"{group}/{kind.lower()}_{ver['name']}.json"] = schema
    return result


def generate(git, pins, outdir):
    lines = []
    files = {}
    flux_tag = pins["flux"][0]
    flux_commit = git.commit("fluxcd/flux2", flux_tag)
    repos = []
    for ctl in FLUX_CONTROLLERS:
        kust = git.show("fluxcd/flux2", flux_commit, f"manifests/bases/{ctl}/kustomization.yaml")
        m = re.search(rf"github\.com/fluxcd/{ctl}/releases/download/(v[0-9.]+)/", kust)
        if not m:
            raise GenError(f"flux2 {flux_tag}: no {ctl} version in manifests/bases")
        repos.append((f"fluxcd/{ctl}", m.group(1), ["config/crd/bases/*.yaml"], False))
    repos += [(c["repo"], upstream_tag(c, pins["/".join(c["pin"])][0]), c["paths"],
               c.get("templated", False)) for c in CHARTS]
    lines.append(f"flux {flux_tag} fluxcd/flux2@{flux_commit} manifests/bases")
    for repo, tag, patterns, templated in repos:
        commit = git.commit(repo, tag)
        for pattern in patterns:
            for path in git.ls(repo, commit, pattern):
                text = git.show(repo, commit, path)
                if templated:
                    text = helm_untemplate(text, f"{repo}@{tag} {path}")
                made = crd_schemas(text)
                if not made:
                    raise GenError(f"{repo}@{tag}: no served CRD version in {path}")
                for rel in sorted(made):
                    if rel in files:
                        raise GenError(f"{rel} from two sources")
                    files[rel] = made[rel]
                    lines.append(f"{rel} {repo}@{commit} ({tag}) {path}")
    for rel, schema in files.items():
        path = os.path.join(outdir, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(schema, fh, indent=1, sort_keys=True)
            fh.write("\n")
    header = [
        "# Generated by deploy/schemas/generate.py from the upstream CRDs; do not edit.",
        "# Regenerate: python3 deploy/schemas/generate.py [--snapshots DIR]",
        "# pins (version, read from):",
    ]
    header += [f"pin {label} {v} {where}" for label, (v, where) in sorted(pins.items())]
    header.append("# schema <- repo@commit (tag) path:")
    with open(os.path.join(outdir, "SOURCES.txt"), "w", encoding="utf-8") as fh:
        fh.write("\n".join(header + lines) + "\n")


def generated_files(root):
    out = {}
    for dirpath, _, names in os.walk(root):
        for name in names:
            if name.endswith(".json") or name == "SOURCES.txt":
                path = os.path.join(dirpath, name)
                with open(path, "rb") as fh:
                    out[os.path.relpath(path, root)] = fh.read()
    return out


def check_pins(pins):
    with open(os.path.join(HERE, "SOURCES.txt"), encoding="utf-8") as fh:
        recorded = {l.split()[1]: l.split()[2] for l in fh if l.startswith("pin ")}
    current = {label: v for label, (v, _) in pins.items()}
    if recorded != current:
        for label in sorted(set(recorded) | set(current)):
            if recorded.get(label) != current.get(label):
                print(f"{label}: manifests pin {current.get(label)}, schemas made for "
                      f"{recorded.get(label)}")
        print("regenerate: python3 deploy/schemas/generate.py")
        return 1
    print(f"schemas match the {len(current)} pins")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--snapshots", help="directory of local bare git snapshots (offline)")
    ap.add_argument("--check", action="store_true", help="fail if the committed schemas differ")
    ap.add_argument("--check-pins", action="store_true",
                    help="offline: fail if SOURCES.txt was made for other versions")
    args = ap.parse_args()
    try:
        pins = read_pins()
        if args.check_pins:
            return check_pins(pins)
        with tempfile.TemporaryDirectory(prefix="conduit-schemas-") as tmp:
            out = os.path.join(tmp, "out")
            os.makedirs(out)
            generate(Git(args.snapshots, os.path.join(tmp, "git")), pins, out)
            new = generated_files(out)
            if args.check:
                old = generated_files(HERE)
                diff = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
                for rel in diff:
                    print(f"differs: deploy/schemas/{rel}")
                print(f"{len(new)} files, {len(diff)} differ")
                return 1 if diff else 0
            for rel in generated_files(HERE):
                os.remove(os.path.join(HERE, rel))
            for rel in new:
                dest = os.path.join(HERE, rel)
                os.makedirs(os.path.dirname(dest), exist_ok=True)
                shutil.copyfile(os.path.join(out, rel), dest)
            for dirpath, dirs, names in os.walk(HERE, topdown=False):
                if dirpath != HERE and not os.listdir(dirpath):
                    os.rmdir(dirpath)
            print(f"wrote {len(new)} files to deploy/schemas")
    except GenError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
