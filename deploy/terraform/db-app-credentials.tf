################################################################################
# The app's own database role and its rotation.
#
# The app never connects as the RDS master user. `conduit migrate` (a Job run
# with the master secret, deploy/k8s/apps/production/conduit-migrate) creates
# the role conduit_app with exactly the rights the app needs; this secret holds
# its credentials in the JSON shape of the AWS rotation functions.
#
# Rotation uses the alternating-users strategy: every 30 days the rotation
# function (connecting with the master secret) sets a new password on the role
# not in use (conduit_app or conduit_app_clone, which it creates as a member of
# conduit_app) and makes that one current. The credentials the pods hold stay
# valid for a whole period while the new ones reach them (ESO refresh, kubelet
# secret sync, the server re-reading the mounted files), so a rotation never
# refuses a connection. The single-user strategy would change the password in
# use and leave a window of refused connections.
################################################################################

locals {
  # Bump to write a fresh initial password (only matters before the first
  # `conduit migrate`, which gives it to the role it creates).
  db_app_secret_version = 1
}

ephemeral "random_password" "db_app" {
  length  = 40
  special = false
}

resource "aws_secretsmanager_secret" "db_app" {
  name                    = "${var.name}/conduit/db-app"
  description             = "Conduit's database role (username, password; alternating-users rotation), synced into the cluster by External Secrets"
  kms_key_id              = aws_kms_key.secrets.arn
  recovery_window_in_days = 7
}

resource "aws_secretsmanager_secret_version" "db_app" {
  secret_id = aws_secretsmanager_secret.db_app.id
  # Write-only: the initial password is never stored in the Terraform state.
  secret_string_wo = jsonencode({
    engine    = "postgres"
    host      = module.db.db_instance_address
    port      = 5432
    dbname    = "conduit"
    username  = "conduit_app"
    password  = ephemeral.random_password.db_app.result
    masterarn = module.db.db_instance_master_user_secret_arn
  })
  secret_string_wo_version = local.db_app_secret_version

  lifecycle {
    # Rotation moves AWSCURRENT to the versions it creates.
    ignore_changes = [version_stages]
  }
}

# The rotation function runs in the private subnets; it reaches PostgreSQL and
# the Secrets Manager API (HTTPS through the NAT gateways), nothing else.
resource "aws_security_group" "db_rotation" {
  # Attached to the function by the rotation stack (vpcSecurityGroupIds),
  # which checkov cannot follow into the CloudFormation template.
  #checkov:skip=CKV2_AWS_5:Attached via the rotation stack's vpcSecurityGroupIds
  name_prefix = "${var.name}-db-rotation-"
  description = "Secrets Manager rotation function of the app database role"
  vpc_id      = module.vpc.vpc_id

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_egress_rule" "db_rotation_to_rds" {
  security_group_id            = aws_security_group.db_rotation.id
  description                  = "PostgreSQL on RDS"
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  referenced_security_group_id = aws_security_group.rds.id
}

resource "aws_vpc_security_group_egress_rule" "db_rotation_to_secrets_manager" {
  security_group_id = aws_security_group.db_rotation.id
  description       = "Secrets Manager API (HTTPS, through the NAT gateways)"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_ingress_rule" "rds_from_db_rotation" {
  security_group_id            = aws_security_group.rds.id
  description                  = "PostgreSQL from the app-role rotation function"
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  referenced_security_group_id = aws_security_group.db_rotation.id
}

# AWS's published rotation function (alternating users), pinned to the
# version the AWS CDK pins for it. It reads the master secret as the
# "superuser" to set the passwords.
resource "aws_serverlessapplicationrepository_cloudformation_stack" "db_app_rotation" {
  name             = "${var.name}-db-app-rotation"
  application_id   = "arn:aws:serverlessrepo:us-east-1:297356227824:applications/SecretsManagerRDSPostgreSQLRotationMultiUser"
  semantic_version = "1.1.618"
  capabilities     = ["CAPABILITY_IAM", "CAPABILITY_RESOURCE_POLICY"]

  parameters = {
    functionName             = "${var.name}-db-app-rotation"
    endpoint                 = "https://secretsmanager.${var.region}.amazonaws.com"
    vpcSubnetIds             = join(",", module.vpc.private_subnets)
    vpcSecurityGroupIds      = aws_security_group.db_rotation.id
    kmsKeyArn                = aws_kms_key.secrets.arn
    superuserSecretArn       = module.db.db_instance_master_user_secret_arn
    superuserSecretKmsKeyArn = aws_kms_key.secrets.arn
  }
}

resource "aws_secretsmanager_secret_rotation" "db_app" {
  secret_id           = aws_secretsmanager_secret.db_app.id
  rotation_lambda_arn = aws_serverlessapplicationrepository_cloudformation_stack.db_app_rotation.outputs["RotationLambdaARN"]
  # The role exists only after the first `conduit migrate` (Flux, after
  # bootstrap): the first rotation waits for the schedule.
  rotate_immediately = false

  rotation_rules {
    automatically_after_days = 30
  }
}
