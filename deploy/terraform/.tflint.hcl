# tflint configuration, used by .github/workflows/infra.yml (tflint --init
# downloads the ruleset there; it is not run offline).
config {
  call_module_type = "local"
}

plugin "terraform" {
  enabled = true
  preset  = "recommended"
}

plugin "aws" {
  enabled = true
  version = "0.48.0"
  source  = "github.com/terraform-linters/tflint-ruleset-aws"
}
