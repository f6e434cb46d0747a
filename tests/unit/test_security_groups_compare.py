"""Unit tests of ec2_security_groups' compare logic: rules normalized from the options and from
DescribeSecurityGroups, what to add / re-describe / revoke, the option checks. Expected values are written by
hand from the EC2 API reference (IpPermission, UserIdGroupPair, CreateSecurityGroup), not from the code."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "collections"))

from ansible_collections.cloudops.eks_platform.plugins.modules.ec2_security_groups import (  # noqa: E402
    Rule,
    current_rules,
    entry_problems,
    expand_rules,
    new_group_rules,
    normalize_protocol,
    plan_rules,
    references_plan,
    rule_views,
    rules_after,
    rules_changed,
    settled,
    to_permission,
)


def no_groups(name):
    return None


def ids(mapping):
    return mapping.get


# A group as DescribeSecurityGroups returns it: one permission with two IPv4 ranges (one described), a
# self-referencing pair of all traffic, ICMP echo; egress: the default allow-all and an IPv6 HTTPS rule.
GROUP = {
    "GroupId": "sg-db",
    "GroupName": "db",
    "VpcId": "vpc-1",
    "Description": "database",
    "IpPermissions": [
        {
            "IpProtocol": "tcp",
            "FromPort": 5432,
            "ToPort": 5432,
            "IpRanges": [
                {"CidrIp": "10.0.0.0/16", "Description": "PostgreSQL from the VPC"},
                {"CidrIp": "10.1.0.0/16"},
            ],
            "Ipv6Ranges": [],
            "PrefixListIds": [],
            "UserIdGroupPairs": [],
        },
        {
            "IpProtocol": "-1",
            "UserIdGroupPairs": [{"GroupId": "sg-db", "UserId": "123456789012", "Description": "self"}],
        },
        {"IpProtocol": "icmp", "FromPort": 8, "ToPort": -1, "IpRanges": [{"CidrIp": "10.0.0.0/16"}]},
    ],
    "IpPermissionsEgress": [
        {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "Ipv6Ranges": [{"CidrIpv6": "2001:db8::/32"}]},
    ],
    "Tags": [{"Key": "Name", "Value": "db"}],
}


def test_protocol_aliases():
    assert [normalize_protocol(v) for v in ("TCP", 6, "6", "udp", 17, "icmp", 1, "icmpv6", 58)] == [
        "tcp",
        "tcp",
        "tcp",
        "udp",
        "udp",
        "icmp",
        "icmp",
        "icmpv6",
        "icmpv6",
    ]
    assert [normalize_protocol(v) for v in ("all", "ALL", -1, "-1")] == ["-1"] * 4
    assert normalize_protocol(50) == "50" and normalize_protocol("050") == "50"  # ESP, by number
    assert [normalize_protocol(v) for v in ("256", "gre", None, True)] == [None, None, None, None]


def test_current_rules_one_per_source_and_port_range():
    assert current_rules(GROUP["IpPermissions"]) == {
        Rule("tcp", 5432, 5432, "cidr_ip", "10.0.0.0/16"): "PostgreSQL from the VPC",
        Rule("tcp", 5432, 5432, "cidr_ip", "10.1.0.0/16"): "",
        Rule("-1", None, None, "group_id", "sg-db"): "self",
        Rule("icmp", 8, -1, "cidr_ip", "10.0.0.0/16"): "",
    }
    assert current_rules(GROUP["IpPermissionsEgress"]) == {
        Rule("-1", None, None, "cidr_ip", "0.0.0.0/0"): "",
        Rule("tcp", 443, 443, "cidr_ipv6", "2001:db8::/32"): "",
    }


def test_ports_and_ranges_expand_into_one_rule_each():
    rules = [
        {"protocol": "6", "ports": [80, "443", "8000-8100", 80], "cidr_ip": ["10.0.0.0/16", "192.168.0.0/24"]},
        {"protocol": "udp", "from_port": 53, "to_port": 53, "cidr_ip": ["10.0.0.0/16"], "description": "DNS"},
    ]
    assert expand_rules(rules, no_groups) == {
        Rule("tcp", 80, 80, "cidr_ip", "10.0.0.0/16"): "",
        Rule("tcp", 443, 443, "cidr_ip", "10.0.0.0/16"): "",
        Rule("tcp", 8000, 8100, "cidr_ip", "10.0.0.0/16"): "",
        Rule("tcp", 80, 80, "cidr_ip", "192.168.0.0/24"): "",
        Rule("tcp", 443, 443, "cidr_ip", "192.168.0.0/24"): "",
        Rule("tcp", 8000, 8100, "cidr_ip", "192.168.0.0/24"): "",
        Rule("udp", 53, 53, "cidr_ip", "10.0.0.0/16"): "DNS",
    }
    # all traffic and another protocol number carry no ports; ICMP without type/code is every type and code
    assert expand_rules([{"protocol": "all", "cidr_ip": ["0.0.0.0/0"]}], no_groups) == {
        Rule("-1", None, None, "cidr_ip", "0.0.0.0/0"): ""
    }
    assert expand_rules([{"protocol": "icmp", "cidr_ip": ["10.0.0.0/8"]}], no_groups) == {
        Rule("icmp", -1, -1, "cidr_ip", "10.0.0.0/8"): ""
    }
    assert expand_rules(None, no_groups) is None  # not managed
    assert expand_rules([], no_groups) == {}


def test_ipv6_blocks_compare_in_canonical_form():
    wanted = expand_rules([{"protocol": "tcp", "ports": [443], "cidr_ipv6": ["2001:DB8:0:0::/32"]}], no_groups)
    assert wanted == {Rule("tcp", 443, 443, "cidr_ipv6", "2001:db8::/32"): ""}
    current = current_rules(GROUP["IpPermissionsEgress"])
    plan = plan_rules(current, {**wanted, Rule("-1", None, None, "cidr_ip", "0.0.0.0/0"): ""}, purge=True)
    assert not rules_changed(plan)


def test_self_reference_and_a_group_of_the_same_list():
    rules = [
        {"protocol": "all", "group_name": ["db"], "description": "self"},
        {"protocol": "tcp", "ports": [5432], "group_name": ["app"]},
    ]
    # both exist: resolved to ids, the self rule already there
    resolved = expand_rules(rules, ids({"db": "sg-db", "app": "sg-app"}))
    assert resolved == {
        Rule("-1", None, None, "group_id", "sg-db"): "self",
        Rule("tcp", 5432, 5432, "group_id", "sg-app"): "",
    }
    plan = plan_rules(current_rules(GROUP["IpPermissions"]), resolved, purge=False)
    assert plan["add"] == {Rule("tcp", 5432, 5432, "group_id", "sg-app"): ""}
    assert plan["describe"] == {} and plan["revoke"] == {}
    # check mode before the app group exists: kept by name, shown with a null id
    pending = expand_rules(rules, ids({"db": "sg-db"}))
    assert Rule("tcp", 5432, 5432, "group_name", "app") in pending
    assert rule_views({Rule("tcp", 5432, 5432, "group_name", "app"): ""}, {}) == [
        {
            "protocol": "tcp",
            "from_port": 5432,
            "to_port": 5432,
            "group_id": None,
            "group_name": "app",
            "description": "",
        }
    ]
    assert rule_views({Rule("-1", None, None, "group_id", "sg-db"): "self"}, {"sg-db": "db"}) == [
        {"protocol": "-1", "group_id": "sg-db", "group_name": "db", "description": "self"}
    ]


def test_a_description_only_change_is_an_update_not_a_revoke():
    current = current_rules(GROUP["IpPermissions"])
    wanted = {
        Rule("tcp", 5432, 5432, "cidr_ip", "10.0.0.0/16"): "PostgreSQL from the whole VPC",
        Rule("tcp", 5432, 5432, "cidr_ip", "10.1.0.0/16"): "",
        Rule("-1", None, None, "group_id", "sg-db"): "",
        Rule("icmp", 8, -1, "cidr_ip", "10.0.0.0/16"): "",
    }
    plan = plan_rules(current, wanted, purge=True)
    assert plan["add"] == {} and plan["revoke"] == {}
    assert plan["describe"] == {
        Rule("tcp", 5432, 5432, "cidr_ip", "10.0.0.0/16"): "PostgreSQL from the whole VPC",
        Rule("-1", None, None, "group_id", "sg-db"): "",
    }
    # UpdateSecurityGroupRuleDescriptions*: a described range, and a pair whose description is removed
    # (no Description key), its owner kept for another account's group
    assert to_permission(Rule("tcp", 5432, 5432, "cidr_ip", "10.0.0.0/16"), "PostgreSQL from the whole VPC") == {
        "IpProtocol": "tcp",
        "FromPort": 5432,
        "ToPort": 5432,
        "IpRanges": [{"CidrIp": "10.0.0.0/16", "Description": "PostgreSQL from the whole VPC"}],
    }
    assert to_permission(Rule("-1", None, None, "group_id", "sg-db"), "", "123456789012") == {
        "IpProtocol": "-1",
        "UserIdGroupPairs": [{"GroupId": "sg-db", "UserId": "123456789012"}],
    }
    assert rules_after(current, plan) == wanted


def test_the_default_egress_rule_of_a_new_group():
    default = Rule("-1", None, None, "cidr_ip", "0.0.0.0/0")
    assert new_group_rules() == {"rules": {}, "rules_egress": {default: ""}}
    https = [{"protocol": "tcp", "ports": [443], "cidr_ip": ["0.0.0.0/0"]}]
    wanted = expand_rules(https, no_groups)
    # purged when rules_egress does not list it
    plan = plan_rules(new_group_rules()["rules_egress"], wanted, purge=True)
    assert plan["revoke"] == {default: ""} and plan["add"] == {Rule("tcp", 443, 443, "cidr_ip", "0.0.0.0/0"): ""}
    # kept when listed, or without purge, or when rules_egress is not given
    listed = expand_rules([*https, {"protocol": "all", "cidr_ip": ["0.0.0.0/0"]}], no_groups)
    assert plan_rules(new_group_rules()["rules_egress"], listed, purge=True)["revoke"] == {}
    assert plan_rules(new_group_rules()["rules_egress"], wanted, purge=False)["revoke"] == {}
    assert not rules_changed(plan_rules(new_group_rules()["rules_egress"], None, purge=True))
    assert to_permission(default) == {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}


def test_purge_revokes_what_is_not_listed():
    current = current_rules(GROUP["IpPermissions"])
    wanted = expand_rules(
        [{"protocol": "tcp", "ports": [5432], "cidr_ip": ["10.0.0.0/16"], "description": "PostgreSQL from the VPC"}],
        no_groups,
    )
    plan = plan_rules(current, wanted, purge=True)
    assert plan["add"] == {} and plan["describe"] == {}
    assert plan["revoke"] == {
        Rule("tcp", 5432, 5432, "cidr_ip", "10.1.0.0/16"): "",
        Rule("-1", None, None, "group_id", "sg-db"): "self",
        Rule("icmp", 8, -1, "cidr_ip", "10.0.0.0/16"): "",
    }
    assert not rules_changed(plan_rules(current, wanted, purge=False))


def test_settled_needs_rules_descriptions_and_tags():
    wanted = {
        "rules": current_rules(GROUP["IpPermissions"]),
        "rules_egress": None,
        "purge_rules": True,
        "purge_rules_egress": True,
        "tags": {"Name": "db"},
        "purge_tags": True,
    }
    assert settled(GROUP, wanted)
    assert not settled(None, wanted)
    assert not settled(GROUP, {**wanted, "tags": {"Name": "db", "Team": "data"}})
    assert not settled({**GROUP, "IpPermissions": GROUP["IpPermissions"][:1]}, wanted)
    # an extra rule is fine without purge, not with it
    extra = {
        **GROUP,
        "IpPermissions": [
            *GROUP["IpPermissions"],
            {"IpProtocol": "udp", "FromPort": 1, "ToPort": 2, "IpRanges": [{"CidrIp": "10.9.0.0/16"}]},
        ],
    }
    assert not settled(extra, wanted) and settled(extra, {**wanted, "purge_rules": False})


def test_references_plan_revokes_only_rules_naming_the_groups():
    other = {
        "GroupId": "sg-app",
        "IpPermissions": [
            {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "10.0.0.0/16"}]},
            {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "UserIdGroupPairs": [{"GroupId": "sg-db"}]},
        ],
        "IpPermissionsEgress": [{"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": "sg-db", "Description": "x"}]}],
    }
    plans = references_plan(other, {"sg-db"})
    assert plans["rules"]["revoke"] == {Rule("tcp", 5432, 5432, "group_id", "sg-db"): ""}
    assert plans["rules_egress"]["revoke"] == {Rule("-1", None, None, "group_id", "sg-db"): "x"}
    assert not rules_changed(references_plan(other, {"sg-other"})["rules"])


def entry(**over):
    return {
        "name": "db",
        "vpc_id": "vpc-1",
        "description": "database",
        "rules": [],
        "rules_egress": None,
        **over,
    }


def test_bad_options_are_named():
    entries = [
        entry(
            rules=[
                {"protocol": "tcp", "cidr_ip": ["10.0.0.0/16"]},
                {"protocol": "tcp", "ports": [80], "cidr_ip": ["10.0.0.1/16"], "group_id": ["sg-1"]},
                {"protocol": "http", "cidr_ip": ["10.0.0.0/16"]},
                {"protocol": "all", "ports": [80], "cidr_ipv6": ["10.0.0.0/16"]},
                {"protocol": "tcp", "ports": ["90-80", 70000], "prefix_list_id": ["abc"]},
                {"protocol": "icmp", "from_port": -1, "to_port": 3, "group_id": ["abc"]},
            ]
        ),
        entry(description=None, rules_egress=[{"protocol": "udp", "from_port": 53, "to_port": 53}]),
        entry(name="sg-web", vpc_id="vpc-2", description="caf\u00e9"),
    ]
    assert entry_problems(entries, "present") == [
        "groups[0].rules[0]: protocol tcp needs ports, or from_port and to_port",
        "groups[0].rules[1]: set exactly one of cidr_ip, cidr_ipv6, group_name, group_id, prefix_list_id "
        "(got cidr_ip, group_id)",
        "groups[0].rules[1].cidr_ip: '10.0.0.1/16' is not an IPv4 CIDR block without host bits (10.0.0.0/16)",
        "groups[0].rules[2].protocol: 'http' is not tcp, udp, icmp, icmpv6, all (-1) or a protocol number 0-255",
        "groups[0].rules[3].cidr_ipv6: '10.0.0.0/16' is not an IPv6 CIDR block without host bits (2001:db8::/32)",
        "groups[0].rules[3]: all covers every port: remove ports/from_port/to_port",
        "groups[0].rules[4].prefix_list_id: 'abc' is not a prefix list id (pl-...)",
        "groups[0].rules[4].ports: '90-80' is not a port 0-65535 or a range 'from-to' (from <= to)",
        "groups[0].rules[4].ports: 70000 is not a port 0-65535 or a range 'from-to' (from <= to)",
        "groups[0].rules[5].group_id: 'abc' is not a security group id (sg-...)",
        "groups[0].rules[5].to_port: every ICMP type (from_port -1) takes every code (to_port -1)",
        "groups[1].name: db in vpc-1 is also groups[0]",
        "groups[1].description: required with state present",
        "groups[1].rules_egress[0]: set exactly one of cidr_ip, cidr_ipv6, group_name, group_id, prefix_list_id "
        "(got none)",
        "groups[2].name: 'sg-web' may not start with sg-",
        "groups[2].description: a description must be up to 255 characters of a-z, A-Z, 0-9, spaces and "
        "._-:/()#,@[]+=&;{}!$*",
    ]
    # absent needs only the name and the VPC
    assert entry_problems([{"name": "db", "vpc_id": "vpc-1"}], "absent") == []
    assert entry_problems([{"name": "db", "vpc_id": "vpc-1"}], "present") == [
        "groups[0].description: required with state present"
    ]


def test_the_same_rule_twice_with_two_descriptions_is_refused():
    rules = [
        {"protocol": "tcp", "ports": [443], "cidr_ip": ["10.0.0.0/16"], "description": "a"},
        {"protocol": "6", "from_port": 443, "to_port": 443, "cidr_ip": ["10.0.0.0/16"], "description": "b"},
        {"protocol": "tcp", "ports": [443], "cidr_ip": ["10.0.0.0/16"], "description": "a"},  # same: fine
    ]
    assert entry_problems([entry(rules=rules)], "present") == [
        "groups[0].rules[1]: the same rule as groups[0].rules[0] with another description"
    ]
