"""Print what now exists on the target account, read back from the API (not from the playbook output).

Used by `make demo` after site.yml. Reads the endpoint from LOCAL_BACKEND_DIR/backend.json when it
exists (the local backend), otherwise uses the normal boto3 chain (a real account)."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

import boto3
from botocore.exceptions import BotoCoreError, ClientError


def session_kwargs() -> dict:
    state = Path(os.environ.get("LOCAL_BACKEND_DIR", Path(__file__).resolve().parents[1] / ".local"))
    f = state / "backend.json"
    if f.is_file():
        info = json.loads(f.read_text())
        return {
            "endpoint_url": info["endpoint_url"],
            "region_name": info["region"],
            "aws_access_key_id": info["aws_access_key_id"],
            "aws_secret_access_key": info["aws_secret_access_key"],
        }
    return {}


def tags_of(items: Iterable[dict] | None) -> dict:
    return {t["Key"]: t["Value"] for t in items or []}


def rows(kw: dict, project: str, env: str) -> list[tuple[str, str, str]]:
    def c(service: str):
        return boto3.client(service, **kw)

    mine = {"tag:Project": project, "tag:Environment": env}
    filters = [{"Name": k, "Values": [v]} for k, v in mine.items()]
    out: list[tuple[str, str, str]] = []

    def add(kind: str, items: Iterable[tuple[str, str]]) -> None:
        for name, detail in items:
            out.append((kind, name, detail))

    ec2 = c("ec2")
    add(
        "vpc",
        (
            (tags_of(v.get("Tags")).get("Name", v["VpcId"]), v["CidrBlock"])
            for v in ec2.describe_vpcs(Filters=filters)["Vpcs"]
        ),
    )
    add(
        "subnet",
        sorted(
            (tags_of(s.get("Tags")).get("Name", ""), f"{s['CidrBlock']} {s['AvailabilityZone']}")
            for s in ec2.describe_subnets(Filters=filters)["Subnets"]
        ),
    )
    add(
        "internet gateway",
        (
            (tags_of(g.get("Tags")).get("Name", ""), g["InternetGatewayId"])
            for g in ec2.describe_internet_gateways(Filters=filters)["InternetGateways"]
        ),
    )
    add(
        "nat gateway",
        (
            (tags_of(n.get("Tags")).get("Name", ""), f"{n['NatGatewayId']} {n['State']}")
            for n in ec2.describe_nat_gateways(Filters=filters)["NatGateways"]
            if n["State"] != "deleted"
        ),
    )
    add(
        "route table",
        (
            (tags_of(r.get("Tags")).get("Name", ""), f"{len(r['Routes'])} routes")
            for r in ec2.describe_route_tables(Filters=filters)["RouteTables"]
        ),
    )
    add(
        "vpc endpoint",
        (
            (tags_of(e.get("Tags")).get("Name", ""), e["ServiceName"])
            for e in ec2.describe_vpc_endpoints(Filters=filters)["VpcEndpoints"]
            if e["State"].lower() not in ("deleted", "deleting")
        ),
    )
    rds = c("rds")
    add(
        "db subnet group",
        (
            (g["DBSubnetGroupName"], f"{len(g['Subnets'])} subnets")
            for g in rds.describe_db_subnet_groups()["DBSubnetGroups"]
            if g["DBSubnetGroupName"].startswith(f"{project}-{env}-")
        ),
    )
    add(
        "security group",
        (
            (g["GroupName"], ", ".join(f"{p.get('FromPort', 'all')}/{p.get('IpProtocol')}" for p in g["IpPermissions"]))
            for g in ec2.describe_security_groups(Filters=filters)["SecurityGroups"]
        ),
    )
    add(
        "rds instance",
        (
            (
                d["DBInstanceIdentifier"],
                f"{d['Engine']} {d['EngineVersion']} {d['DBInstanceClass']} {d['DBInstanceStatus']}",
            )
            for d in rds.describe_db_instances()["DBInstances"]
            if d["DBInstanceIdentifier"].startswith(f"{project}-{env}-")
        ),
    )
    add(
        "rds cluster",
        (
            (
                d["DBClusterIdentifier"],
                f"{d['Engine']} {d['EngineVersion']} {len(d.get('DBClusterMembers', []))} members",
            )
            for d in rds.describe_db_clusters()["DBClusters"]
            if d["DBClusterIdentifier"].startswith(f"{project}-{env}-")
        ),
    )
    add(
        "elasticache group",
        (
            (g["ReplicationGroupId"], f"{g['Status']} {len(g.get('MemberClusters', []))} node(s)")
            for g in c("elasticache").describe_replication_groups()["ReplicationGroups"]
            if g["ReplicationGroupId"].startswith(f"{project}-{env}-")
        ),
    )
    kms = c("kms")
    add(
        "kms alias",
        (
            (a["AliasName"], a.get("TargetKeyId", ""))
            for a in kms.list_aliases()["Aliases"]
            if a["AliasName"] == f"alias/{project}-{env}"
        ),
    )
    s3 = c("s3")
    add(
        "s3 bucket",
        ((b["Name"], "") for b in s3.list_buckets()["Buckets"] if b["Name"].startswith(f"{project}-{env}-")),
    )
    ecr = c("ecr")
    add(
        "ecr repository",
        (
            (r["repositoryName"], r["imageTagMutability"])
            for r in ecr.describe_repositories()["repositories"]
            if r["repositoryName"].startswith(f"{env}/")
        ),
    )
    sm = c("secretsmanager")
    add(
        "secret",
        (
            (s["Name"], "kms" if s.get("KmsKeyId") else "default key")
            for s in sm.list_secrets(MaxResults=100)["SecretList"]
            if s["Name"].startswith(f"{project}/{env}/")
        ),
    )
    eks_rows(c, f"{project}-{env}", add)
    return out


def eks_rows(c, name: str, add) -> None:
    """The compute layer: the cluster <name>-eks, its node groups (with the scheduled actions of their Auto
    Scaling groups), add-ons, access entries and pod identity associations."""
    eks, cluster = c("eks"), f"{name}-eks"
    if cluster not in eks.list_clusters()["clusters"]:
        return
    info = eks.describe_cluster(name=cluster)["cluster"]
    add("eks cluster", [(cluster, f"{info['version']} {info['status']}")])
    asg = c("autoscaling")
    for ng_name in eks.list_nodegroups(clusterName=cluster)["nodegroups"]:
        ng = eks.describe_nodegroup(clusterName=cluster, nodegroupName=ng_name)["nodegroup"]
        size = ng["scalingConfig"]
        sizes = f"{size['minSize']}/{size['desiredSize']}/{size['maxSize']}"
        detail = f"{ng.get('capacityType', '')} {sizes} {ng['status']}"
        add("eks node group", [(ng_name, detail)])
        for group in ng.get("resources", {}).get("autoScalingGroups", []):
            actions = asg.describe_scheduled_actions(AutoScalingGroupName=group["name"])["ScheduledUpdateGroupActions"]
            add("asg schedule", ((a["ScheduledActionName"], f"{a.get('Recurrence')} {a.get('TimeZone', 'UTC')}")
                                 for a in actions))  # fmt: skip
    addons = eks.list_addons(clusterName=cluster)["addons"]
    versions = {a: eks.describe_addon(clusterName=cluster, addonName=a)["addon"]["addonVersion"] for a in addons}
    add("eks add-on", versions.items())
    entries = eks.list_access_entries(clusterName=cluster)["accessEntries"]
    add("eks access entry", ((arn.rsplit("/", 1)[-1], "") for arn in entries))
    pods = eks.list_pod_identity_associations(clusterName=cluster)["associations"]
    add("pod identity", ((f"{a['namespace']}/{a['serviceAccount']}", "") for a in pods))


def kubeconfig() -> str | None:
    state = Path(os.environ.get("LOCAL_BACKEND_DIR", Path(__file__).resolve().parents[1] / ".local"))
    if (state / "kubeconfig").is_file():
        return str(state / "kubeconfig")
    return os.environ.get("KUBECONFIG")


def kubernetes_rows(config: str | None) -> list[tuple[str, str, str]]:
    """Helm releases and the platform layer's key objects, read back from the cluster (helm, kubectl)."""
    env = dict(os.environ, **({"KUBECONFIG": config} if config else {}))

    def run(*cmd: str) -> dict | list:
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60, check=False)
        return json.loads(proc.stdout) if proc.returncode == 0 and proc.stdout.strip() else {}

    out: list[tuple[str, str, str]] = []
    for r in run("helm", "list", "-A", "-o", "json") or []:
        out.append(("helm release", f"{r['namespace']}/{r['name']}", f"{r['chart']} {r['status']}"))
    kinds = (
        ("namespace", "namespaces", "-l", "app.kubernetes.io/managed-by=ansible"),
        ("cluster secret store", "clustersecretstores.external-secrets.io"),
        ("external secret", "externalsecrets.external-secrets.io", "-A"),
        ("gateway", "gateways.networking.istio.io", "-A"),
        ("virtual service", "virtualservices.networking.istio.io", "-A"),
        ("peer authentication", "peerauthentications.security.istio.io", "-A"),
        ("argocd project", "appprojects.argoproj.io", "-A"),
        ("argocd application", "applications.argoproj.io", "-A"),
    )
    for kind, resource, *flags in kinds:
        for item in (run("kubectl", "get", resource, *flags, "-o", "json") or {}).get("items", []):
            meta, status = item["metadata"], item.get("status") or {}
            conditions = status.get("conditions", [])
            ready = [c.get("reason") or c.get("status") for c in conditions if c.get("type") == "Ready"]
            name = f"{meta['namespace']}/{meta['name']}" if meta.get("namespace") else meta["name"]
            out.append((kind, name, ready[0] if ready else status.get("phase", "")))
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--inventory", default="inventories/local")
    p.add_argument("--project", default="wealist")
    p.add_argument("--environment", default=None, help="default: the inventory's folder name")
    args = p.parse_args()
    env = args.environment or Path(args.inventory).name
    kw = session_kwargs()
    try:
        table = rows(kw, args.project, env)
    except (BotoCoreError, ClientError) as e:
        print(f"summary: cannot read the account back: {e}")
        return 1
    if shutil.which("kubectl") and shutil.which("helm"):
        table += kubernetes_rows(kubeconfig())
    where = kw.get("endpoint_url", "the AWS account of the boto3 credential chain")
    print(f"\nWhat exists now for {args.project}-{env} (read back from {where}):\n")
    w1 = max([len(r[0]) for r in table] + [4])
    w2 = max([len(r[1]) for r in table] + [4])
    print(f"{'kind':<{w1}}  {'name':<{w2}}  detail")
    print(f"{'-' * w1}  {'-' * w2}  ------")
    for kind, name, detail in table:
        print(f"{kind:<{w1}}  {name:<{w2}}  {detail}")
    counts: dict[str, int] = {}
    for kind, _, _ in table:
        counts[kind] = counts.get(kind, 0) + 1
    print("\n" + ", ".join(f"{n} {k}" for k, n in counts.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
