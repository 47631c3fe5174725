variable "region" {
  description = "AWS region for every regional resource (the uptime alarm is always in us-east-1)."
  type        = string
  default     = "eu-west-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region must look like an AWS region name, e.g. eu-west-1."
  }
}

variable "name" {
  description = "Name prefix for every resource; also the EKS cluster name."
  type        = string
  default     = "conduit-production"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,30}[a-z0-9]$", var.name))
    error_message = "name must be 4-32 chars of lower-case letters, digits and dashes, starting with a letter."
  }
}

variable "environment" {
  description = "Environment label added to every resource as the Environment tag."
  type        = string
  default     = "production"

  validation {
    condition     = contains(["production", "staging"], var.environment)
    error_message = "environment must be production or staging."
  }
}

variable "tags" {
  description = "Extra tags merged into the provider's default_tags."
  type        = map(string)
  default     = {}
}

# ----------------------------------------------------------------------------
# Network
# ----------------------------------------------------------------------------

variable "vpc_cidr" {
  description = "IPv4 CIDR of the VPC. A /16 is carved into 3 private /20s, 3 public /24s and 3 database /24s."
  type        = string
  default     = "10.42.0.0/16"

  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0)) && tonumber(split("/", var.vpc_cidr)[1]) <= 16
    error_message = "vpc_cidr must be a valid IPv4 CIDR block of size /16 or larger."
  }
}

variable "az_count" {
  description = "Number of availability zones to spread subnets, NAT gateways and nodes over. The design requires exactly three."
  type        = number
  default     = 3

  validation {
    condition     = var.az_count == 3
    error_message = "az_count must be 3: the subnet layout, NAT-per-AZ and the zone topology spread assume three zones."
  }
}

variable "flow_log_retention_days" {
  description = "CloudWatch retention for VPC flow logs, in days."
  type        = number
  default     = 90

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.flow_log_retention_days)
    error_message = "flow_log_retention_days must be one of the retention values CloudWatch Logs accepts."
  }
}

# ----------------------------------------------------------------------------
# EKS
# ----------------------------------------------------------------------------

variable "kubernetes_version" {
  description = "EKS Kubernetes minor version. 1.33+ is required for the preStop sleep action (KEP-3960) used by the app."
  type        = string
  default     = "1.34"

  validation {
    condition     = can(regex("^1\\.(3[3-9]|[4-9][0-9])$", var.kubernetes_version))
    error_message = "kubernetes_version must be 1.33 or newer, written as MAJOR.MINOR."
  }
}

variable "endpoint_public_access" {
  description = "Opt in to a public EKS API endpoint (restricted to endpoint_public_access_cidrs). Off by default: operators reach the private endpoint through the SSM bastion."
  type        = bool
  default     = false
}

variable "endpoint_public_access_cidrs" {
  description = "CIDRs allowed to reach the public API endpoint when endpoint_public_access is true. Never 0.0.0.0/0."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for c in var.endpoint_public_access_cidrs : can(cidrhost(c, 0)) && c != "0.0.0.0/0"])
    error_message = "endpoint_public_access_cidrs must be valid CIDRs and must not contain 0.0.0.0/0."
  }

  validation {
    condition     = !var.endpoint_public_access || length(var.endpoint_public_access_cidrs) > 0
    error_message = "When endpoint_public_access is true, list at least one CIDR in endpoint_public_access_cidrs."
  }
}

variable "cluster_deletion_protection" {
  description = "Protect the EKS cluster from deletion. terraform-destroy.sh turns it off before destroying."
  type        = bool
  default     = true
}

variable "cluster_admin_principal_arns" {
  description = "IAM role/user ARNs granted cluster-admin through EKS access entries (e.g. the SSO admin role used with the SSM tunnel)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.cluster_admin_principal_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:(role|user)/.+$", a))])
    error_message = "cluster_admin_principal_arns must be IAM role or user ARNs."
  }
}

variable "system_node_instance_types" {
  description = "Instance types of the managed node group that runs system pods (Flux, Karpenter, CoreDNS, controllers). Karpenter provisions everything else."
  type        = list(string)
  default     = ["m7g.large"]

  validation {
    condition     = length(var.system_node_instance_types) > 0
    error_message = "system_node_instance_types must list at least one instance type."
  }
}

variable "system_node_ami_type" {
  description = "AMI type of the system node group; must match the CPU architecture of system_node_instance_types."
  type        = string
  default     = "AL2023_ARM_64_STANDARD"

  validation {
    condition     = contains(["AL2023_ARM_64_STANDARD", "AL2023_x86_64_STANDARD", "BOTTLEROCKET_ARM_64", "BOTTLEROCKET_x86_64"], var.system_node_ami_type)
    error_message = "system_node_ami_type must be an AL2023 or Bottlerocket AMI type."
  }
}

variable "system_node_count" {
  description = "Min/desired/max size of the system node group. Three spreads system pods over all zones."
  type = object({
    min     = number
    desired = number
    max     = number
  })
  default = { min = 3, desired = 3, max = 4 }

  validation {
    condition     = var.system_node_count.min >= 2 && var.system_node_count.min <= var.system_node_count.desired && var.system_node_count.desired <= var.system_node_count.max
    error_message = "system_node_count must satisfy 2 <= min <= desired <= max."
  }
}

variable "log_retention_days" {
  description = "CloudWatch retention for EKS control-plane logs, container logs and RDS logs, in days."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of the retention values CloudWatch Logs accepts."
  }
}

# ----------------------------------------------------------------------------
# Database
# ----------------------------------------------------------------------------

variable "db_engine_version" {
  description = "PostgreSQL major version on RDS (also selects the parameter-group family)."
  type        = string
  default     = "17"

  validation {
    condition     = can(regex("^1[4-9]$", var.db_engine_version))
    error_message = "db_engine_version must be a PostgreSQL major version between 14 and 19."
  }
}

variable "db_instance_class" {
  description = "RDS instance class. The default Graviton burstable class is the main cost knob; use db.m7g.* for steady load."
  type        = string
  default     = "db.t4g.medium"

  validation {
    condition     = can(regex("^db\\.[a-z0-9]+\\.[a-z0-9]+$", var.db_instance_class))
    error_message = "db_instance_class must look like db.<family>.<size>."
  }
}

variable "db_allocated_storage" {
  description = "Initial gp3 storage of the database in GiB."
  type        = number
  default     = 20

  validation {
    condition     = var.db_allocated_storage >= 20 && var.db_allocated_storage <= 65536
    error_message = "db_allocated_storage must be between 20 and 65536 GiB."
  }
}

variable "db_max_allocated_storage" {
  description = "Storage autoscaling ceiling in GiB (0 disables autoscaling)."
  type        = number
  default     = 100

  validation {
    condition     = var.db_max_allocated_storage == 0 || var.db_max_allocated_storage >= 20
    error_message = "db_max_allocated_storage must be 0 or at least 20."
  }
}

variable "db_backup_retention_days" {
  description = "Days RDS keeps the nightly automated backups (point-in-time recovery window). At least 7."
  type        = number
  default     = 14

  validation {
    condition     = var.db_backup_retention_days >= 7 && var.db_backup_retention_days <= 35
    error_message = "db_backup_retention_days must be between 7 and 35."
  }
}

variable "db_deletion_protection" {
  description = "Protect the database from deletion. terraform-destroy.sh turns it off explicitly, after a final snapshot, only when asked to."
  type        = bool
  default     = true
}

# ----------------------------------------------------------------------------
# DNS, TLS and monitoring
# ----------------------------------------------------------------------------

variable "hosted_zone_name" {
  description = "Existing public Route 53 hosted zone that external-dns writes to (e.g. example.com)."
  type        = string

  validation {
    condition     = can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,}$", var.hosted_zone_name))
    error_message = "hosted_zone_name must be a DNS domain name without a trailing dot."
  }
}

variable "app_hostname" {
  description = "Public host name of the app, inside hosted_zone_name (e.g. conduit.example.com)."
  type        = string

  validation {
    condition     = can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,}$", var.app_hostname))
    error_message = "app_hostname must be a DNS name without a trailing dot."
  }
}

variable "acme_email" {
  description = "Contact e-mail registered with Let's Encrypt."
  type        = string

  validation {
    condition     = can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.acme_email))
    error_message = "acme_email must be an e-mail address."
  }
}

variable "alarm_email" {
  description = "E-mail subscribed to the uptime alarm SNS topic; empty to subscribe nobody (then wire the topic to your pager)."
  type        = string
  default     = ""

  validation {
    condition     = var.alarm_email == "" || can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.alarm_email))
    error_message = "alarm_email must be empty or an e-mail address."
  }
}

# ----------------------------------------------------------------------------
# Bastion
# ----------------------------------------------------------------------------

variable "bastion_instance_type" {
  description = "Instance type of the SSM-only bastion (no SSH, no public IP) used to reach the private API endpoint."
  type        = string
  default     = "t4g.nano"
}
