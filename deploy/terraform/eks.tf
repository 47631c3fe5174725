module "eks" {
  source  = "terraform-aws-modules/eks/aws"
  version = "21.19.0"

  name               = var.name
  kubernetes_version = var.kubernetes_version

  # Private API endpoint always on; a public one only as an explicit opt-in,
  # and then only for listed CIDRs. The default way in is the SSM bastion.
  endpoint_private_access      = true
  endpoint_public_access       = var.endpoint_public_access
  endpoint_public_access_cidrs = var.endpoint_public_access_cidrs

  # All control-plane log types to CloudWatch Logs.
  enabled_log_types                      = ["api", "audit", "authenticator", "controllerManager", "scheduler"]
  cloudwatch_log_group_retention_in_days = var.log_retention_days

  # Envelope encryption of Kubernetes secrets with a module-managed KMS key.
  encryption_config = {
    resources = ["secrets"]
  }

  deletion_protection = var.cluster_deletion_protection

  authentication_mode = "API"

  # The identity running terraform-apply.sh bootstraps Flux, so it gets admin.
  enable_cluster_creator_admin_permissions = true
  access_entries = {
    for i, arn in var.cluster_admin_principal_arns : "admin-${i}" => {
      principal_arn = arn
      policy_associations = {
        admin = {
          policy_arn   = "arn:${local.partition}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
          access_scope = { type = "cluster" }
        }
      }
    }
  }

  vpc_id     = module.vpc.vpc_id
  subnet_ids = module.vpc.private_subnets

  # The bastion reaches the private endpoint (443) for SSM port forwarding.
  security_group_additional_rules = {
    bastion_https = {
      description              = "API server from the SSM bastion"
      protocol                 = "tcp"
      from_port                = 443
      to_port                  = 443
      type                     = "ingress"
      source_security_group_id = aws_security_group.bastion.id
    }
  }

  # Karpenter nodes join this security group (EC2NodeClass selects it by tag),
  # and RDS admits 5432 only from it (rds.tf).
  node_security_group_tags = {
    "karpenter.sh/discovery" = var.name
  }

  addons = {
    eks-pod-identity-agent = {
      before_compute = true
    }
    vpc-cni = {
      before_compute = true
      # Enforce Kubernetes NetworkPolicy with the VPC CNI's eBPF agent.
      configuration_values = jsonencode({
        enableNetworkPolicy = "true"
      })
    }
    kube-proxy = {}
    coredns    = {}
    # CloudWatch agent + Fluent Bit: all container logs and Container Insights
    # metrics to CloudWatch.
    amazon-cloudwatch-observability = {
      pod_identity_association = [{
        role_arn        = module.cloudwatch_observability_pod_identity.iam_role_arn
        service_account = "cloudwatch-agent"
      }]
    }
  }

  # Small, fixed node group for system pods: Flux, Karpenter, CoreDNS and the
  # infrastructure controllers. Application pods go to Karpenter nodes.
  eks_managed_node_groups = {
    system = {
      ami_type       = var.system_node_ami_type
      instance_types = var.system_node_instance_types
      capacity_type  = "ON_DEMAND"

      min_size     = var.system_node_count.min
      desired_size = var.system_node_count.desired
      max_size     = var.system_node_count.max

      labels = {
        "conduit.dev/node-pool"   = "system"
        "karpenter.sh/controller" = "true"
      }

      metadata_options = {
        http_endpoint               = "enabled"
        http_tokens                 = "required"
        http_put_response_hop_limit = 1
      }

      block_device_mappings = {
        root = {
          device_name = "/dev/xvda"
          ebs = {
            volume_size           = 40
            volume_type           = "gp3"
            encrypted             = true
            delete_on_termination = true
          }
        }
      }
    }
  }
}

################################################################################
# Karpenter: IAM, SQS interruption queue, node role and Pod Identity.
# The controller itself is a Flux HelmRelease (deploy/k8s/infrastructure/
# controllers/karpenter.yaml) pinned to the system node group, so that every
# in-cluster component is GitOps-managed and Terraform never needs to reach
# the private API endpoint.
################################################################################

module "karpenter" {
  source  = "terraform-aws-modules/eks/aws//modules/karpenter"
  version = "21.19.0"

  cluster_name = module.eks.cluster_name

  namespace                       = "kube-system"
  service_account                 = "karpenter"
  create_pod_identity_association = true

  # Fixed name: the EC2NodeClass refers to it.
  node_iam_role_use_name_prefix = false
  node_iam_role_name            = "${var.name}-karpenter-node"
  node_iam_role_additional_policies = {
    AmazonSSMManagedInstanceCore = "arn:${local.partition}:iam::aws:policy/AmazonSSMManagedInstanceCore"
  }

  enable_spot_termination = true
}
