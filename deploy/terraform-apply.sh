#!/usr/bin/env bash
# Create or update the whole production stack, then bootstrap Flux.
#
#   GITHUB_TOKEN=... GITHUB_OWNER=conduit-realworld GITHUB_REPO=conduit \
#     deploy/terraform-apply.sh
#
# Order: prerequisites -> network -> cluster (+ Karpenter IAM) -> everything
# else (RDS, secrets, pod identities, bastion, uptime) -> kubeconfig (direct
# or through the SSM bastion) -> cluster-vars + RDS CA ConfigMaps -> flux
# bootstrap -> wait for the infrastructure and app Kustomizations.
# Idempotent: re-running converges. See deploy/README.md.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

: "${GITHUB_TOKEN:?set GITHUB_TOKEN (repo admin, for the Flux deploy key)}"
GITHUB_OWNER=${GITHUB_OWNER:-conduit-realworld}
GITHUB_REPO=${GITHUB_REPO:-conduit}
GITHUB_BRANCH=${GITHUB_BRANCH:-main}
GITHUB_PERSONAL=${GITHUB_PERSONAL:-false}
FLUX_PATH=deploy/k8s/clusters/production
RDS_CA_URL=${RDS_CA_URL:-https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem}

require_tools terraform aws kubectl flux jq curl openssl
check_aws
tf_init

log "1/3 network"
tf apply -input=false -auto-approve -target=module.vpc
log "2/3 cluster and Karpenter IAM"
tf apply -input=false -auto-approve -target=module.eks -target=module.karpenter
log "3/3 database, secrets, pod identities, bastion, uptime check"
tf apply -input=false -auto-approve

connect_cluster || die "cannot reach the API server"

log "cluster-vars ConfigMap (Flux substitutions from Terraform outputs)"
kubectl create namespace flux-system --dry-run=client -o yaml | kubectl apply -f -
vars_file=$(mktemp)
trap 'rm -f "$vars_file"; cleanup_tunnel' EXIT
tf output -json flux_cluster_vars | jq -r 'to_entries[] | "\(.key)=\(.value)"' >"$vars_file"
kubectl -n flux-system create configmap cluster-vars --from-env-file="$vars_file" \
  --dry-run=client -o yaml | kubectl apply -f -

log "RDS CA bundle ConfigMap (rds-ca-bundle in conduit and conduit-migrate)"
ca_file=$(mktemp)
curl -fsSL --proto '=https' --tlsv1.2 "$RDS_CA_URL" -o "$ca_file"
n_certs=$(grep -c 'BEGIN CERTIFICATE' "$ca_file" || true)
((n_certs > 0)) || die "$RDS_CA_URL did not return PEM certificates"
openssl x509 -in "$ca_file" -noout -subject >/dev/null || die "RDS CA bundle does not parse"
for namespace in conduit conduit-migrate; do
  kubectl create namespace "$namespace" --dry-run=client -o yaml | kubectl apply -f -
  kubectl -n "$namespace" create configmap rds-ca-bundle --from-file=global-bundle.pem="$ca_file" \
    --dry-run=client -o yaml | kubectl apply -f -
done
rm -f "$ca_file"

# The CLI's own version must match too: bootstrap writes its manifests.
flux_cli=$(flux version --client | awk '$1 == "flux:" {print $2}')
[[ "$flux_cli" == "$FLUX_VERSION" ]] ||
  die "flux CLI is ${flux_cli:-unknown}; install $FLUX_VERSION (pinned in deploy/lib.sh)"
log "flux bootstrap $FLUX_VERSION ($GITHUB_OWNER/$GITHUB_REPO@$GITHUB_BRANCH:$FLUX_PATH)"
flux check --pre
flux bootstrap github \
  --version="$FLUX_VERSION" \
  --owner="$GITHUB_OWNER" \
  --repository="$GITHUB_REPO" \
  --branch="$GITHUB_BRANCH" \
  --path="$FLUX_PATH" \
  --personal="$GITHUB_PERSONAL" \
  --components-extra=image-reflector-controller,image-automation-controller \
  --read-write-key

log "waiting for the infrastructure layers and the app"
for ks in infra-controllers infra-configs infra-mesh infra-gateway apps; do
  kubectl -n flux-system wait "kustomization/$ks" --for=condition=Ready --timeout=30m
done
flux get kustomizations
log "done: https://$(tf output -json flux_cluster_vars | jq -r .APP_HOSTNAME)"
