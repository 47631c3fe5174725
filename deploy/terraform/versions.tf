terraform {
  # 1.11 is the first release with write-only attributes (used for the JWT
  # secret) and the terraform-aws-modules/rds 7.x floor.
  required_version = ">= 1.11.1, < 2.0.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.28"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.7"
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
