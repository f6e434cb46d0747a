"""Four-run case of ec2_security_groups in the prerequisites' VPC: two groups in one call - an application
group that check1 finds missing (HTTPS from the VPC, all traffic from itself, its default egress left alone)
and a database group that exists before (made here with boto3, with a stale MySQL rule, the default egress
rule and a stale tag) which must end with PostgreSQL from the application group (a group the same call
creates), a port range from an IPv6 block, and one egress rule instead of the default one. The read covers
only these two groups (the VPC holds the other cases' groups)."""

from __future__ import annotations

from typing import Any

from . import TAGS, Case, P

APP, DB = f"{P}-sg-app", f"{P}-sg-db"


def prerequisites(b: Any, pre: dict) -> dict:
    ec2 = b.client("ec2")
    db = ec2.create_security_group(
        GroupName=DB,
        Description="four-run db",
        VpcId=pre["vpc_id"],
        TagSpecifications=[{"ResourceType": "security-group", "Tags": [{"Key": "Stale", "Value": "yes"}]}],
    )["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=db,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 3306, "ToPort": 3306, "IpRanges": [{"CidrIp": "10.42.0.0/16"}]}
        ],
    )
    return {}


def args(pre: dict) -> dict:
    return {
        "tags": TAGS,
        "groups": [
            {
                "name": APP,
                "vpc_id": pre["vpc_id"],
                "description": "four-run app",
                "rules": [
                    {"protocol": "tcp", "ports": [443], "cidr_ip": "10.42.0.0/16", "description": "HTTPS from the VPC"},
                    {"protocol": "all", "group_name": APP, "description": "between app nodes"},
                ],
                "tags": {"Name": APP},
            },
            {
                "name": DB,
                "vpc_id": pre["vpc_id"],
                "description": "four-run db",
                "rules": [
                    {"protocol": 6, "ports": [5432], "group_name": APP, "description": "PostgreSQL from app"},
                    {"protocol": "tcp", "ports": ["8000-8100"], "cidr_ipv6": "2001:DB8::/64"},
                ],
                "rules_egress": [
                    {
                        "protocol": "tcp",
                        "from_port": 443,
                        "to_port": 443,
                        "cidr_ip": "0.0.0.0/0",
                        "description": "HTTPS out",
                    }
                ],
                "tags": {"Name": DB},
            },
        ],
    }


def _rules(permissions: list[dict], names: dict[str, str]) -> list[tuple]:
    """(protocol, from, to, source, description) per source; a group source as group:<name>."""
    out = []
    for perm in permissions:
        ports = (perm.get("FromPort"), perm.get("ToPort")) if perm["IpProtocol"] != "-1" else (None, None)
        sources = [(r["CidrIp"], r.get("Description", "")) for r in perm.get("IpRanges", [])]
        sources += [(r["CidrIpv6"], r.get("Description", "")) for r in perm.get("Ipv6Ranges", [])]
        sources += [
            (f"group:{names.get(p['GroupId'], p['GroupId'])}", p.get("Description", ""))
            for p in perm.get("UserIdGroupPairs", [])
        ]
        out += [(perm["IpProtocol"], *ports, source, description) for source, description in sources]
    return sorted(out, key=repr)


def read(b: Any, pre: dict) -> dict:
    groups = b.client("ec2").describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [pre["vpc_id"]]}, {"Name": "group-name", "Values": [APP, DB]}]
    )["SecurityGroups"]
    names = {g["GroupId"]: g["GroupName"] for g in groups}
    return {
        g["GroupName"]: {
            "description": g["Description"],
            "ingress": _rules(g["IpPermissions"], names),
            "egress": _rules(g["IpPermissionsEgress"], names),
            "tags": {t["Key"]: t["Value"] for t in g.get("Tags", [])},
        }
        for g in groups
    }


# A new VPC group's one outbound rule (EC2 User Guide, "Security group rules"): all traffic to 0.0.0.0/0.
DEFAULT_EGRESS = [("-1", None, None, "0.0.0.0/0", "")]

CASES = [
    Case(
        id="ec2_security_groups",
        module="ec2_security_groups",
        args=args,
        read=read,
        before=lambda pre: {
            DB: {
                "description": "four-run db",
                "ingress": [("tcp", 3306, 3306, "10.42.0.0/16", "")],
                "egress": DEFAULT_EGRESS,
                "tags": {"Stale": "yes"},
            }
        },
        after=lambda pre: {
            APP: {
                "description": "four-run app",
                "ingress": sorted(
                    [
                        ("-1", None, None, f"group:{APP}", "between app nodes"),
                        ("tcp", 443, 443, "10.42.0.0/16", "HTTPS from the VPC"),
                    ],
                    key=repr,
                ),
                "egress": DEFAULT_EGRESS,
                "tags": {**TAGS, "Name": APP},
            },
            DB: {
                "description": "four-run db",
                "ingress": sorted(
                    [
                        ("tcp", 5432, 5432, f"group:{APP}", "PostgreSQL from app"),
                        ("tcp", 8000, 8100, "2001:db8::/64", ""),
                    ],
                    key=repr,
                ),
                "egress": [("tcp", 443, 443, "0.0.0.0/0", "HTTPS out")],
                "tags": {**TAGS, "Name": DB},
            },
        },
    )
]
