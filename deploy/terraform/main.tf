data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

data "aws_availability_zones" "available" {
  # Zone names are sorted and only the first var.az_count are used, so a new
  # zone added by AWS never changes the set this stack builds in.
  #checkov:skip=CKV_AWS_394:Result is sliced to the first three sorted zones; new zones do not change it
  state = "available"

  # Only regular zones: Local Zones / Wavelength have no RDS or NAT support.
  filter {
    name   = "opt-in-status"
    values = ["opt-in-not-required"]
  }
}

locals {
  azs = slice(data.aws_availability_zones.available.names, 0, var.az_count)

  # /16 layout: private /20s at the bottom (room for pod IPs with the VPC CNI),
  # then public and database /24s well above them.
  private_subnets  = [for i, _ in local.azs : cidrsubnet(var.vpc_cidr, 4, i)]
  public_subnets   = [for i, _ in local.azs : cidrsubnet(var.vpc_cidr, 8, i + 100)]
  database_subnets = [for i, _ in local.azs : cidrsubnet(var.vpc_cidr, 8, i + 200)]

  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition

  tags = merge(var.tags, {
    Project     = "conduit"
    Environment = var.environment
    ManagedBy   = "terraform"
    Repository  = "conduit-realworld/conduit"
  })
}
