provider "aws" {
  region = var.region

  default_tags {
    tags = local.tags
  }
}

# Route 53 health-check metrics only exist in us-east-1, so the uptime alarm
# (uptime.tf) lives there.
provider "aws" {
  alias  = "us_east_1"
  region = "us-east-1"

  default_tags {
    tags = local.tags
  }
}
