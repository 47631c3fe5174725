################################################################################
# External uptime monitoring: a Route 53 health check probes the public URL
# from several AWS regions; an alarm (us-east-1, where the metric lives)
# notifies an SNS topic when it fails.
################################################################################

resource "aws_route53_health_check" "app" {
  fqdn              = var.app_hostname
  type              = "HTTPS"
  port              = 443
  resource_path     = "/readyz"
  request_interval  = 30
  failure_threshold = 3
  measure_latency   = true
  enable_sni        = true

  tags = {
    Name = "${var.name}-uptime"
  }
}

data "aws_iam_policy_document" "alarm_kms" {
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

  # CloudWatch alarms must be able to publish to the encrypted topic.
  statement {
    sid       = "AllowCloudWatchAlarms"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey*"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }
  }
}

resource "aws_kms_key" "alarms" {
  provider = aws.us_east_1

  description             = "${var.name} uptime alarm SNS topic"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.alarm_kms.json
}

resource "aws_sns_topic" "alarms" {
  provider = aws.us_east_1

  name              = "${var.name}-uptime"
  kms_master_key_id = aws_kms_key.alarms.arn
}

resource "aws_sns_topic_subscription" "alarm_email" {
  provider = aws.us_east_1
  count    = var.alarm_email == "" ? 0 : 1

  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

resource "aws_cloudwatch_metric_alarm" "uptime" {
  provider = aws.us_east_1

  alarm_name          = "${var.name}-uptime"
  alarm_description   = "https://${var.app_hostname}/readyz is failing the Route 53 health check"
  namespace           = "AWS/Route53"
  metric_name         = "HealthCheckStatus"
  statistic           = "Minimum"
  period              = 60
  evaluation_periods  = 3
  threshold           = 1
  comparison_operator = "LessThanThreshold"
  treat_missing_data  = "breaching"

  dimensions = {
    HealthCheckId = aws_route53_health_check.app.id
  }

  alarm_actions = [aws_sns_topic.alarms.arn]
  ok_actions    = [aws_sns_topic.alarms.arn]
}
