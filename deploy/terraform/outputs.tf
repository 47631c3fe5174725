output "region" {
  description = "AWS region of the deployment."
  value       = var.region
}

output "cluster_name" {
  description = "EKS cluster name."
  value       = module.eks.cluster_name
}

output "cluster_endpoint" {
  description = "EKS API server endpoint (private unless endpoint_public_access)."
  value       = module.eks.cluster_endpoint
}

output "cluster_certificate_authority_data" {
  description = "Base64 CA bundle of the EKS API server."
  value       = module.eks.cluster_certificate_authority_data
}

output "vpc_id" {
  description = "VPC ID."
  value       = module.vpc.vpc_id
}

output "private_subnet_ids" {
  description = "Private subnets (nodes)."
  value       = module.vpc.private_subnets
}

output "public_subnet_ids" {
  description = "Public subnets (NLB)."
  value       = module.vpc.public_subnets
}

output "database_subnet_ids" {
  description = "Database subnets (RDS)."
  value       = module.vpc.database_subnets
}

output "db_instance_address" {
  description = "RDS PostgreSQL host name."
  value       = module.db.db_instance_address
}

output "db_master_user_secret_arn" {
  description = "ARN of the RDS-managed Secrets Manager secret holding the master credentials."
  value       = module.db.db_instance_master_user_secret_arn
}

output "jwt_secret_name" {
  description = "Secrets Manager name of the JWT signing key."
  value       = aws_secretsmanager_secret.jwt.name
}

output "karpenter_node_role_name" {
  description = "IAM role Karpenter nodes run with (EC2NodeClass spec.role)."
  value       = module.karpenter.node_iam_role_name
}

output "karpenter_queue_name" {
  description = "SQS queue for Karpenter interruption handling."
  value       = module.karpenter.queue_name
}

output "bastion_instance_id" {
  description = "Instance ID of the SSM bastion (aws ssm start-session --target ...)."
  value       = aws_instance.bastion.id
}

output "uptime_sns_topic_arn" {
  description = "SNS topic (us-east-1) notified by the uptime alarm."
  value       = aws_sns_topic.alarms.arn
}

# Everything the Flux tree needs from the infrastructure, in one map.
# terraform-apply.sh writes it to the flux-system/cluster-vars ConfigMap that
# the Flux Kustomizations use for postBuild substitution (${VAR}).
output "flux_cluster_vars" {
  description = "Key/values written to the flux-system/cluster-vars ConfigMap."
  value = {
    AWS_REGION               = var.region
    AWS_ACCOUNT_ID           = local.account_id
    CLUSTER_NAME             = module.eks.cluster_name
    CLUSTER_ENDPOINT         = module.eks.cluster_endpoint
    VPC_CIDR                 = var.vpc_cidr
    KARPENTER_NODE_ROLE      = module.karpenter.node_iam_role_name
    KARPENTER_QUEUE          = module.karpenter.queue_name
    DB_HOST                  = module.db.db_instance_address
    DB_NAME                  = "conduit"
    DB_MASTER_SECRET_ARN     = module.db.db_instance_master_user_secret_arn
    DB_APP_SECRET_NAME       = aws_secretsmanager_secret.db_app.name
    SECRETS_ROLE_APPS        = aws_iam_role.secrets_reader["apps"].arn
    SECRETS_ROLE_DB_OWNER    = aws_iam_role.secrets_reader["db-owner"].arn
    JWT_SECRET_NAME          = aws_secretsmanager_secret.jwt.name
    ALERTS_SECRET_NAME       = aws_secretsmanager_secret.alerts_webhook.name
    APP_HOSTNAME             = var.app_hostname
    HOSTED_ZONE_NAME         = var.hosted_zone_name
    HOSTED_ZONE_ID           = data.aws_route53_zone.public.zone_id
    ACME_EMAIL               = var.acme_email
    EXTERNAL_DNS_OWNER_TXTID = var.name
  }
}
