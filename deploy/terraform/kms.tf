# Customer-managed keys, rotated yearly. One for the database storage and
# Performance Insights, one for the secrets the app consumes (the RDS-managed
# master password and the JWT signing key).

data "aws_iam_policy_document" "kms_default" {
  # The standard KMS key policy: the account root delegates key use to IAM.
  # A key policy's resource is always the key itself, so "*" is not a wildcard here.
  #checkov:skip=CKV_AWS_111:Key policy; resource "*" means this key only
  #checkov:skip=CKV_AWS_356:Key policy; resource "*" means this key only
  #checkov:skip=CKV_AWS_109:Key policy; root account delegation is the AWS default and required to manage the key
  statement {
    sid       = "EnableIAMPolicies"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }
}

resource "aws_kms_key" "rds" {
  description             = "${var.name} RDS storage and Performance Insights"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.kms_default.json
}

resource "aws_kms_alias" "rds" {
  name          = "alias/${var.name}-rds"
  target_key_id = aws_kms_key.rds.key_id
}

resource "aws_kms_key" "secrets" {
  description             = "${var.name} application secrets in Secrets Manager"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.kms_default.json
}

resource "aws_kms_alias" "secrets" {
  name          = "alias/${var.name}-secrets"
  target_key_id = aws_kms_key.secrets.key_id
}
