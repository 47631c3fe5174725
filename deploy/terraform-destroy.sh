#!/usr/bin/env bash
# Tear the production stack down safely.
#
#   deploy/terraform-destroy.sh                    # asks for the cluster name
#   deploy/terraform-destroy.sh --yes --delete-database
#
# Kubernetes-created AWS resources are not in the Terraform state, so they
# go first, while their controllers still run: Flux is suspended (nothing is
# re-created), Gateways and LoadBalancer Services are deleted (the NLB and
# its ENIs leave the public subnets), Karpenter NodePools are deleted and
# their nodes drained and terminated. Only then does terraform destroy run.
# The database keeps deletion protection unless --delete-database is given;
# RDS still takes a final snapshot.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ASSUME_YES=false
DELETE_DATABASE=false
for arg in "$@"; do
  case "$arg" in
    --yes) ASSUME_YES=true ;;
    --delete-database) DELETE_DATABASE=true ;;
    *) die "unknown argument: $arg" ;;
  esac
done

require_tools terraform aws kubectl flux jq
check_aws
tf_init

name=$(tf_output cluster_name)
if [[ "$ASSUME_YES" != true ]]; then
  read -r -p "Type the cluster name ($name) to destroy it: " answer
  [[ "$answer" == "$name" ]] || die "aborted"
fi
[[ "$DELETE_DATABASE" == true ]] || die "the database is deletion-protected; re-run with --delete-database to destroy it (a final snapshot is kept)"

if connect_cluster; then
  log "suspending Flux so nothing is re-created"
  flux suspend kustomization --all || true
  flux suspend source git --all || true
  kubectl -n flux-system scale deployment --replicas=0 --all || true

  log "deleting Gateways and LoadBalancer Services (NLBs)"
  kubectl delete gateways.gateway.networking.k8s.io --all --all-namespaces --wait=true --timeout=10m || true
  kubectl get services --all-namespaces -o json |
    jq -r '.items[] | select(.spec.type == "LoadBalancer") | "\(.metadata.namespace) \(.metadata.name)"' |
    while read -r ns svc; do
      kubectl -n "$ns" delete service "$svc" --wait=true --timeout=10m
    done

  log "deleting Karpenter NodePools and waiting for their nodes to terminate"
  kubectl delete nodepools.karpenter.sh --all --wait=true --timeout=15m || true
  kubectl wait nodeclaims.karpenter.sh --all --for=delete --timeout=15m || true
  kubectl delete ec2nodeclasses.karpenter.k8s.aws --all --wait=true --timeout=10m || true
  cleanup_tunnel
else
  log "cluster unreachable: skipping in-cluster clean-up (check for orphaned NLBs and EC2 instances afterwards)"
fi

log "lifting deletion protection (cluster, database)"
tf apply -input=false -auto-approve \
  -var cluster_deletion_protection=false -var db_deletion_protection=false \
  -target=module.eks -target=module.db

log "terraform destroy"
tf destroy -input=false -auto-approve \
  -var cluster_deletion_protection=false -var db_deletion_protection=false
log "destroyed. The final RDS snapshot ($name-final-*) and the state bucket remain."
