#!/usr/bin/env python3
"""Design assertions on the Terraform in deploy/terraform, from parsed HCL.

usage: tf_design_check.py TERRAFORM_DIR

Checks the properties the platform design promises (issue 6) so that a
refactor cannot silently drop one: three zones with public/private/database
subnets, NAT per zone, flow logs, a private-by-default EKS endpoint with all
control-plane logs, Karpenter, a multi-AZ encrypted RDS with force_ssl,
>= 7 days of backups, CloudWatch log exports, deletion protection, an
AWS-managed master password, no public database, 5432 admitted only from the
node and rotation-function security groups, exact module and provider versions, an S3 backend with a lock file,
described variables, and Flux substitution variables that Terraform outputs.
Exit status is the number of failed assertions (capped at 1).
"""
import glob
import os
import re
import sys

import hcl2

FAILED = []
PASSED = []


def u(x):
    """Unwrap the single-element lists some python-hcl2 versions produce."""
    while isinstance(x, list) and len(x) == 1:
        x = x[0]
    return x


def check(cond, msg):
    (PASSED if cond else FAILED).append(msg)
    print(("ok   " if cond else "FAIL ") + msg)


def main():
    tf_dir = sys.argv[1] if len(sys.argv) > 1 else "deploy/terraform"
    blocks = {"module": {}, "variable": {}, "resource": {}, "terraform": [], "output": {}, "data": {}}
    for path in sorted(glob.glob(os.path.join(tf_dir, "*.tf"))):
        with open(path, encoding="utf-8") as fh:
            doc = hcl2.load(fh)
        for b in doc.get("module", []):
            blocks["module"].update(b)
        for b in doc.get("variable", []):
            blocks["variable"].update(b)
        for b in doc.get("output", []):
            blocks["output"].update(b)
        for b in doc.get("resource", []):
            for rtype, body in b.items():
                blocks["resource"].setdefault(rtype, {}).update(body)
        blocks["terraform"].extend(doc.get("terraform", []))

    mods, variables = blocks["module"], blocks["variable"]

    def var_default(expr):
        m = re.fullmatch(r"\$\{var\.([a-z0-9_]+)\}", str(u(expr)))
        if m:
            return u(variables.get(m.group(1), {}).get("default"))
        return u(expr)

    def mod(name):
        return {k: u(v) for k, v in (u(mods.get(name)) or {}).items()}

    # Pinned module versions.
    pins = {
        "vpc": ("terraform-aws-modules/vpc/aws", r"6\.\d+\.\d+"),
        "eks": ("terraform-aws-modules/eks/aws", r"21\.\d+\.\d+"),
        "karpenter": ("terraform-aws-modules/eks/aws//modules/karpenter", r"21\.\d+\.\d+"),
        "db": ("terraform-aws-modules/rds/aws", r"7\.\d+\.\d+"),
    }
    for name, (src, ver) in pins.items():
        m = mod(name)
        check(m.get("source") == src and re.fullmatch(ver, str(m.get("version", ""))),
              f"module {name}: source {src}, exact version matching {ver} (got {m.get('version')})")
    for name, m in mods.items():
        m = {k: u(v) for k, v in u(m).items()}
        if str(m.get("source", "")).startswith("terraform-aws-modules/"):
            check(re.fullmatch(r"\d+\.\d+\.\d+", str(m.get("version", ""))) is not None,
                  f"module {name}: registry version pinned exactly")

    # Network.
    vpc = mod("vpc")
    check(var_default(variables.get("az_count", {}).get("default")) == 3, "three availability zones (az_count = 3)")
    for kind in ("public_subnets", "private_subnets", "database_subnets"):
        check(kind in vpc, f"vpc: {kind} defined")
    check(vpc.get("one_nat_gateway_per_az") is True and vpc.get("single_nat_gateway") is False,
          "vpc: one NAT gateway per zone")
    check(vpc.get("enable_flow_log") is True, "vpc: flow logs on")
    check(vpc.get("create_database_subnet_group") is True, "vpc: database subnet group")
    check(vpc.get("create_database_internet_gateway_route") is False, "vpc: no internet route for database subnets")

    # EKS.
    eks = mod("eks")
    check(eks.get("endpoint_private_access") is True, "eks: private endpoint on")
    check(var_default(eks.get("endpoint_public_access")) is False, "eks: public endpoint off by default (opt-in variable)")
    logs = set(u(eks.get("enabled_log_types")) or [])
    check({"api", "audit", "authenticator", "controllerManager", "scheduler"} <= logs, "eks: all control-plane logs to CloudWatch")
    addons = u(eks.get("addons")) or {}
    check("amazon-cloudwatch-observability" in addons, "eks: CloudWatch observability add-on (container logs)")
    check("eks-pod-identity-agent" in addons, "eks: Pod Identity agent add-on")
    check("enableNetworkPolicy" in str(addons.get("vpc-cni")), "eks: VPC CNI network policy enforcement")
    check("system" in (u(eks.get("eks_managed_node_groups")) or {}), "eks: system managed node group")
    check(mod("karpenter").get("create_pod_identity_association") is True, "karpenter: Pod Identity association")

    # Database.
    db = mod("db")
    check(db.get("multi_az") is True, "rds: multi-AZ")
    check(db.get("storage_encrypted") is True, "rds: storage encrypted")
    check(db.get("publicly_accessible") is False, "rds: not publicly accessible")
    check(db.get("manage_master_user_password") is True, "rds: master password managed by AWS")
    check((var_default(db.get("backup_retention_period")) or 0) >= 7, "rds: backups kept >= 7 days")
    bkv = variables.get("db_backup_retention_days", {})
    check("var.db_backup_retention_days >= 7" in str(bkv.get("validation")), "rds: retention variable validated >= 7")
    check(var_default(db.get("deletion_protection")) is True, "rds: deletion protection on by default")
    check("postgresql" in (u(db.get("enabled_cloudwatch_logs_exports")) or []), "rds: postgresql log export")
    params = u(db.get("parameters")) or []
    params = params if isinstance(params, list) else [params]
    check(any(u(p.get("name")) == "rds.force_ssl" and str(u(p.get("value"))) == "1" for p in params), "rds: rds.force_ssl = 1")
    check(str(db.get("db_subnet_group_name", "")).find("database_subnet_group") >= 0, "rds: in the database subnet group")
    rules = blocks["resource"].get("aws_vpc_security_group_ingress_rule", {})
    rds_rules = [ {k: u(v) for k, v in u(r).items()} for r in rules.values() if "aws_security_group.rds" in str(u(r).get("security_group_id"))]
    # The nodes (the app) and the app-role rotation function, by security group, on 5432 only.
    sources = sorted(str(r.get("referenced_security_group_id")) for r in rds_rules)
    check(len(rds_rules) == 2 and all(r.get("from_port") == 5432 and r.get("to_port") == 5432
                                      and "cidr_ipv4" not in r for r in rds_rules)
          and "node_security_group_id" in sources[1] and "aws_security_group.db_rotation" in sources[0],
          "rds: security group admits only 5432 from the node and rotation-function security groups")

    # State backend.
    tf = str(blocks["terraform"])
    check("'s3'" in tf and "use_lockfile" in tf, "backend: S3 with native lock file")

    # Providers: every one pinned exactly, also those only the modules need
    # (the modules ask for ">= x"), so an init never picks a new release.
    providers = {}
    for t in blocks["terraform"]:
        for rp in t.get("required_providers", []):
            providers.update(u(rp))
    check({"aws", "random", "tls", "time"} <= set(providers),
          f"providers: aws, random, tls, time all required (got {sorted(providers)})")
    for name, p in sorted(providers.items()):
        p = u(p)
        check(re.fullmatch(r"\d+\.\d+\.\d+", str(p.get("version", ""))) is not None,
              f"provider {name}: version pinned exactly (got {p.get('version')})")

    # Variables.
    for name, v in variables.items():
        check(bool(u(v.get("description"))) and "type" in v, f"variable {name}: description and type")
    n_valid = sum(1 for v in variables.values() if "validation" in v)
    check(n_valid >= len(variables) * 0.75, f"variables: most are validated ({n_valid}/{len(variables)})")

    # Uptime monitoring.
    check("aws_route53_health_check" in blocks["resource"], "uptime: Route 53 health check on the public URL")

    # Flux substitution variables all come from Terraform.
    out = u(blocks["output"].get("flux_cluster_vars", {}).get("value")) or {}
    keys = set(out.keys())
    k8s_dir = os.path.join(os.path.dirname(os.path.abspath(tf_dir)), "k8s")
    used = set()
    for path in glob.glob(os.path.join(k8s_dir, "**", "*.yaml"), recursive=True):
        with open(path, encoding="utf-8") as fh:
            used |= set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)\}", fh.read()))
    missing = sorted(used - keys)
    check(not missing, f"flux: every ${{VAR}} in deploy/k8s is in output flux_cluster_vars (missing: {missing})")

    example = os.path.join(k8s_dir, "cluster-vars.example.env")
    if os.path.exists(example):
        with open(example, encoding="utf-8") as fh:
            ex_keys = {l.split("=", 1)[0] for l in fh if "=" in l and not l.startswith("#")}
        check(ex_keys == keys, f"flux: cluster-vars.example.env matches flux_cluster_vars (diff: {sorted(ex_keys ^ keys)})")

    print(f"terraform design: {len(PASSED)} passed, {len(FAILED)} failed")
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
