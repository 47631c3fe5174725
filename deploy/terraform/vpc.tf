module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "6.6.0"

  name = var.name
  cidr = var.vpc_cidr
  azs  = local.azs

  public_subnets   = local.public_subnets
  private_subnets  = local.private_subnets
  database_subnets = local.database_subnets

  # One NAT gateway per zone: a zone outage does not cut egress for the others.
  enable_nat_gateway     = true
  single_nat_gateway     = false
  one_nat_gateway_per_az = true

  enable_dns_hostnames = true
  enable_dns_support   = true

  # Database subnets: own route table, no internet route at all, and a DB
  # subnet group consumed by RDS.
  create_database_subnet_group           = true
  create_database_subnet_route_table     = true
  create_database_internet_gateway_route = false
  create_database_nat_gateway_route      = false

  map_public_ip_on_launch = false

  # Flow logs of all traffic to CloudWatch Logs.
  enable_flow_log                                 = true
  flow_log_traffic_type                           = "ALL"
  flow_log_destination_type                       = "cloud-watch-logs"
  create_flow_log_cloudwatch_log_group            = true
  create_flow_log_cloudwatch_iam_role             = true
  flow_log_max_aggregation_interval               = 60
  flow_log_cloudwatch_log_group_retention_in_days = var.flow_log_retention_days

  # Lock down the default security group (no rules).
  manage_default_security_group  = true
  default_security_group_ingress = []
  default_security_group_egress  = []

  # Internet-facing NLBs go to the public subnets; Karpenter discovers the
  # private subnets by tag.
  public_subnet_tags = {
    "kubernetes.io/role/elb" = "1"
  }
  private_subnet_tags = {
    "kubernetes.io/role/internal-elb" = "1"
    "karpenter.sh/discovery"          = var.name
  }
}
