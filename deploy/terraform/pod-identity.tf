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

  # No secret access of its own: each ClusterSecretStore assumes one of the
  # two reader roles below, so the store the app namespace may use cannot
  # reach the RDS master secret whatever an ExternalSecret there names.
  attach_custom_policy = true
  policy_statements = {
    AssumeSecretReaders = {
      actions   = ["sts:AssumeRole", "sts:TagSession"]
      resources = [for role in aws_iam_role.secrets_reader : role.arn]
    }
  }

  associations = {
    this = {
      cluster_name    = module.eks.cluster_name
      namespace       = "external-secrets"
      service_account = "external-secrets"
    }
  }
}

data "aws_iam_policy_document" "secrets_reader_trust" {
  statement {
    actions = ["sts:AssumeRole", "sts:TagSession"]
    principals {
      type        = "AWS"
      identifiers = [module.external_secrets_pod_identity.iam_role_arn]
    }
  }
}

locals {
  secrets_readers = {
    # Store "aws-secrets-manager" (namespaces conduit, flux-system): the app's
    # own database role, the JWT key, the alert webhook.
    apps = {
      description = "External Secrets reader for the app namespaces"
      secrets = [
        aws_secretsmanager_secret.db_app.arn,
        aws_secretsmanager_secret.jwt.arn,
        aws_secretsmanager_secret.alerts_webhook.arn,
      ]
    }
    # Store "aws-secrets-manager-db-owner" (namespace conduit-migrate only):
    # the RDS master secret for the migration Job, and the app role's secret
    # for the initial password of the role it creates.
    db-owner = {
      description = "External Secrets reader for the database migration namespace"
      secrets = [
        module.db.db_instance_master_user_secret_arn,
        aws_secretsmanager_secret.db_app.arn,
      ]
    }
  }
}

resource "aws_iam_role" "secrets_reader" {
  for_each           = local.secrets_readers
  name_prefix        = "${var.name}-secrets-${each.key}-"
  description        = each.value.description
  assume_role_policy = data.aws_iam_policy_document.secrets_reader_trust.json
}

data "aws_iam_policy_document" "secrets_reader" {
  for_each = local.secrets_readers
  statement {
    actions   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    resources = each.value.secrets
  }
  statement {
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.secrets.arn]
  }
}

resource "aws_iam_role_policy" "secrets_reader" {
  for_each = local.secrets_readers
  role     = aws_iam_role.secrets_reader[each.key].id
  policy   = data.aws_iam_policy_document.secrets_reader[each.key].json
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
