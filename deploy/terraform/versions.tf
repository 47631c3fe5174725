terraform {
  # 1.11 is the first release with write-only attributes (used for the JWT
  # secret) and the terraform-aws-modules/rds 7.x floor.
  required_version = ">= 1.11.1, < 2.0.0"

  # Exact provider versions (Renovate proposes bumps). tls and time are used
  # only by the EKS module, which asks for ">= x"; pinning them here keeps
  # every init on the same release. aws >= 6.28 is the modules' floor.
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "6.32.1"
    }
    random = {
      source  = "hashicorp/random"
      version = "3.8.1"
    }
    tls = {
      source  = "hashicorp/tls"
      version = "4.2.1"
    }
    time = {
      source  = "hashicorp/time"
      version = "0.14.0"
    }
  }

  # Remote state in S3 with native S3 locking (use_lockfile, Terraform >= 1.10):
  # no DynamoDB table needed. The bucket, key and region are supplied at init
  # time so that the same code can target several accounts:
  #   terraform init -backend-config=backend.hcl
  # See backend.hcl.example.
  backend "s3" {
    encrypt      = true
    use_lockfile = true
  }
}
