resource "aws_security_group" "rds" {
  # Attached to the DB instance through module.db (vpc_security_group_ids),
  # which checkov cannot follow without downloading the module.
  #checkov:skip=CKV2_AWS_5:Attached via module.db.vpc_security_group_ids
  name_prefix = "${var.name}-rds-"
  description = "PostgreSQL: 5432 from the EKS node security group only"
  vpc_id      = module.vpc.vpc_id

  lifecycle {
    create_before_destroy = true
  }
}

# Pods use their node's security group (no security-groups-for-pods), so the
# node SG is the only source admitted. Nothing else, and no egress rules.
resource "aws_vpc_security_group_ingress_rule" "rds_from_nodes" {
  security_group_id            = aws_security_group.rds.id
  description                  = "PostgreSQL from EKS nodes (system and Karpenter)"
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  referenced_security_group_id = module.eks.node_security_group_id
}

module "db" {
  source  = "terraform-aws-modules/rds/aws"
  version = "7.2.0"

  identifier = var.name

  engine               = "postgres"
  engine_version       = var.db_engine_version
  family               = "postgres${var.db_engine_version}"
  major_engine_version = var.db_engine_version
  instance_class       = var.db_instance_class

  allocated_storage     = var.db_allocated_storage
  max_allocated_storage = var.db_max_allocated_storage
  storage_type          = "gp3"
  storage_encrypted     = true
  kms_key_id            = aws_kms_key.rds.arn

  db_name  = "conduit"
  username = "conduit_admin"
  port     = 5432

  # The master password is generated, stored and rotated by RDS in Secrets
  # Manager; it never appears in Terraform state or in git. External Secrets
  # reads it (deploy/k8s/apps/production/conduit/externalsecret-db.yaml).
  manage_master_user_password   = true
  master_user_secret_kms_key_id = aws_kms_key.secrets.arn

  iam_database_authentication_enabled = true

  multi_az               = true
  create_db_subnet_group = false
  db_subnet_group_name   = module.vpc.database_subnet_group_name
  vpc_security_group_ids = [aws_security_group.rds.id]
  publicly_accessible    = false
  ca_cert_identifier     = "rds-ca-rsa2048-g1"

  # Nightly automated backups (UTC), kept var.db_backup_retention_days (>= 7).
  backup_retention_period  = var.db_backup_retention_days
  backup_window            = "02:00-03:00"
  maintenance_window       = "Sun:03:30-Sun:04:30"
  copy_tags_to_snapshot    = true
  delete_automated_backups = false

  skip_final_snapshot              = false
  final_snapshot_identifier_prefix = "${var.name}-final"
  deletion_protection              = var.db_deletion_protection

  auto_minor_version_upgrade = true
  apply_immediately          = false

  # Logs to CloudWatch.
  enabled_cloudwatch_logs_exports        = ["postgresql", "upgrade"]
  create_cloudwatch_log_group            = true
  cloudwatch_log_group_retention_in_days = var.log_retention_days

  performance_insights_enabled          = true
  performance_insights_retention_period = 7
  performance_insights_kms_key_id       = aws_kms_key.rds.arn
  create_monitoring_role                = true
  monitoring_interval                   = 60

  create_db_option_group    = false
  create_db_parameter_group = true
  parameters = [
    # Refuse every non-TLS connection.
    { name = "rds.force_ssl", value = "1", apply_method = "pending-reboot" },
    { name = "log_connections", value = "1" },
    { name = "log_disconnections", value = "1" },
    { name = "log_min_duration_statement", value = "500" },
  ]
}
