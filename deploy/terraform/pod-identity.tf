################################################################################
# EKS Pod Identity roles. Each role is bound to exactly one Kubernetes service
# account; the names must match the HelmRelease values in deploy/k8s.
# (Karpenter's association is created by the karpenter submodule in eks.tf.)
################################################################################

data "aws_route53_zone" "public" {
  name         = var.hosted_zone_name
  private_zone = false
}

module "external_secrets_pod_identity" {
  source  = "terraform-aws-modules/eks-pod-identity/aws"
  version = "2.8.1"

  name = "${var.name}-external-secrets"

  # Read-only access to exactly the secrets the cluster consumes.
  attach_external_secrets_policy = true
  external_secrets_secrets_manager_arns = [
    module.db.db_instance_master_user_secret_arn,
    aws_secretsmanager_secret.jwt.arn,
    aws_secretsmanager_secret.alerts_webhook.arn,
  ]
  external_secrets_kms_key_arns      = [aws_kms_key.secrets.arn]
  external_secrets_create_permission = false

  associations = {
    this = {
      cluster_name    = module.eks.cluster_name
      namespace       = "external-secrets"
      service_account = "external-secrets"
    }
  }
}

module "external_dns_pod_identity" {
  source  = "terraform-aws-modules/eks-pod-identity/aws"
  version = "2.8.1"

  name = "${var.name}-external-dns"

  attach_external_dns_policy    = true
  external_dns_hosted_zone_arns = [data.aws_route53_zone.public.arn]

  associations = {
    this = {
      cluster_name    = module.eks.cluster_name
      namespace       = "external-dns"
      service_account = "external-dns"
    }
  }
}

# cert-manager solves HTTP-01 through the Gateway; this role lets an operator
# switch the ClusterIssuer to DNS-01 (e.g. for wildcards) without new IAM.
module "cert_manager_pod_identity" {
  source  = "terraform-aws-modules/eks-pod-identity/aws"
  version = "2.8.1"

  name = "${var.name}-cert-manager"

  attach_cert_manager_policy    = true
  cert_manager_hosted_zone_arns = [data.aws_route53_zone.public.arn]

  associations = {
    this = {
      cluster_name    = module.eks.cluster_name
      namespace       = "cert-manager"
      service_account = "cert-manager"
    }
  }
}

# Role only: the amazon-cloudwatch-observability add-on (eks.tf) creates the
# association itself, which avoids a dependency cycle with module.eks.
module "cloudwatch_observability_pod_identity" {
  source  = "terraform-aws-modules/eks-pod-identity/aws"
  version = "2.8.1"

  name = "${var.name}-cloudwatch-observability"

  attach_aws_cloudwatch_observability_policy = true
}
