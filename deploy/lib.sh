#!/usr/bin/env bash
# Shared helpers for terraform-apply.sh and terraform-destroy.sh (sourced).
# shellcheck shell=bash

DEPLOY_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TF_DIR="$DEPLOY_DIR/terraform"
TUNNEL_PID=""
LOCAL_API_PORT=${LOCAL_API_PORT:-8443}
# The Flux release the cluster is bootstrapped with (and the flux CLI that
# terraform-apply.sh requires). deploy/schemas/ is generated for the
# controller versions of exactly this release.
# shellcheck disable=SC2034 # used by terraform-apply.sh, read by deploy/schemas/generate.py
FLUX_VERSION=v2.8.8

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

require_tools() {
  local missing=()
  local t
  for t in "$@"; do
    command -v "$t" >/dev/null 2>&1 || missing+=("$t")
  done
  ((${#missing[@]} == 0)) || die "missing tools: ${missing[*]} (see deploy/README.md, Prerequisites)"
}

check_aws() {
  aws sts get-caller-identity --output text --query Arn >/dev/null ||
    die "no AWS credentials (aws sso login / AWS_PROFILE)"
  log "AWS identity: $(aws sts get-caller-identity --output text --query Arn)"
}

tf() { terraform -chdir="$TF_DIR" "$@"; }

tf_init() {
  [[ -f "$TF_DIR/backend.hcl" ]] || die "create $TF_DIR/backend.hcl from backend.hcl.example"
  [[ -f "$TF_DIR/terraform.tfvars" ]] || die "create $TF_DIR/terraform.tfvars from terraform.tfvars.example"
  tf init -input=false -backend-config=backend.hcl
}

tf_output() { tf output -raw "$1"; }

cleanup_tunnel() {
  if [[ -n "$TUNNEL_PID" ]]; then
    kill "$TUNNEL_PID" 2>/dev/null || true
    TUNNEL_PID=""
  fi
}

# Point kubectl at the cluster. With a private-only endpoint, open an SSM
# port-forwarding session through the bastion to the API server and use it
# via localhost (the API certificate is still verified, by server name).
connect_cluster() {
  local name region endpoint host bastion
  name=$(tf_output cluster_name)
  region=$(tf_output region)
  endpoint=$(tf_output cluster_endpoint)
  host=${endpoint#https://}
  export KUBECONFIG="$DEPLOY_DIR/.kubeconfig-$name"
  aws eks update-kubeconfig --region "$region" --name "$name" --alias "$name" >/dev/null

  if kubectl version --request-timeout=10s >/dev/null 2>&1; then
    log "API server reachable directly"
    return 0
  fi

  require_tools session-manager-plugin
  bastion=$(tf_output bastion_instance_id)
  log "private endpoint: tunnelling through SSM bastion $bastion to $host"
  aws ssm start-session --region "$region" --target "$bastion" \
    --document-name AWS-StartPortForwardingSessionToRemoteHost \
    --parameters "host=$host,portNumber=443,localPortNumber=$LOCAL_API_PORT" >/dev/null &
  TUNNEL_PID=$!
  trap cleanup_tunnel EXIT
  kubectl config set-cluster "$(kubectl config view --minify -o jsonpath='{.clusters[0].name}')" \
    --server "https://127.0.0.1:$LOCAL_API_PORT" --tls-server-name "$host" >/dev/null
  local i
  for i in $(seq 1 30); do
    kubectl version --request-timeout=5s >/dev/null 2>&1 && return 0
    sleep 2
  done
  printf 'error: API server not reachable through the SSM tunnel (%s attempts)\n' "$i" >&2
  return 1
}
