# JWT signing key for the app (CONDUIT_JWT_SECRET). Generated as an ephemeral
# value and written with a write-only attribute, so it is never stored in the
# Terraform state. Bump jwt_secret_version in locals to rotate it: every API
# token stops working once the pods restart; browser sessions are not signed
# with it and stay (deploy/README.md, "Ending sessions").

locals {
  jwt_secret_version = 1
}

ephemeral "random_password" "jwt" {
  length  = 64
  special = false
}

resource "aws_secretsmanager_secret" "jwt" {
  # Rotating the JWT key ends every API token, so it is a deliberate operator
  # action (bump local.jwt_secret_version), not a scheduled Lambda rotation.
  # The database password, by contrast, is rotated by RDS itself.
  #checkov:skip=CKV2_AWS_57:Deliberate manual rotation, see comment above
  name                    = "${var.name}/conduit/jwt-secret"
  description             = "Conduit JWT signing key (CONDUIT_JWT_SECRET), synced into the cluster by External Secrets"
  kms_key_id              = aws_kms_key.secrets.arn
  recovery_window_in_days = 7
}

resource "aws_secretsmanager_secret_version" "jwt" {
  secret_id                = aws_secretsmanager_secret.jwt.id
  secret_string_wo         = ephemeral.random_password.jwt.result
  secret_string_wo_version = local.jwt_secret_version
}

# Slack incoming-webhook URL for Flux and Flagger notifications. Terraform
# creates the empty secret only; an operator stores the URL once:
#   aws secretsmanager put-secret-value --secret-id <name> \
#     --secret-string '{"address":"https://hooks.slack.com/services/..."}'
resource "aws_secretsmanager_secret" "alerts_webhook" {
  #checkov:skip=CKV2_AWS_57:A third-party webhook URL cannot be rotated by a Lambda; rotate it in Slack and put the new value
  name                    = "${var.name}/alerts/slack-webhook"
  description             = "Slack webhook URL for Flux and Flagger alerts, synced by External Secrets"
  kms_key_id              = aws_kms_key.secrets.arn
  recovery_window_in_days = 7
}
