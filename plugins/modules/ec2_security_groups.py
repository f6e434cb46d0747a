#!/usr/bin/python
# Copyright: cloudops.eks_platform contributors
# Apache-2.0

DOCUMENTATION = r"""
module: ec2_security_groups
short_description: Converge a list of VPC security groups in one call, without fixed sleeps
version_added: 0.1.0
description:
  - Creates or converges (O(state=present)), or deletes (O(state=absent)), the listed security groups, each found
    by its name in its VPC. One C(DescribeSecurityGroups) finds every listed group and every group a rule names,
    then each group gets the fewest calls that converge it - at most one C(RevokeSecurityGroup*), one
    C(UpdateSecurityGroupRuleDescriptions*) and one C(AuthorizeSecurityGroup*) per direction.
  - A rule may name another group of the same list (O(groups[].rules[].group_name)), also one this call
    creates, since every missing group is created before any rule is set.
  - Instead of C(amazon.aws.ec2_security_group)'s fixed 3-second sleep after each create (and its 10-second
    sleeps while rules propagate), new groups and changed rules are read back until they show what was asked,
    bounded by O(wait_timeout).
  - Rules are compared normalized - protocol aliases (C(tcp)/C(6), C(all)/C(-1)), one rule per port range and
    source, CIDR blocks in canonical form, a missing rule description equal to an empty one.
  - A group's description cannot be changed by the EC2 API; a listed group whose description differs fails
    the run, naming the entry, before anything is changed.
options:
  groups:
    description: The security groups.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: Group name, unique in its VPC (not starting with C(sg-)).
        type: str
        required: true
      vpc_id:
        description: The VPC of the group.
        type: str
        required: true
      description:
        description: Group description (required with O(state=present); cannot change once the group exists).
        type: str
      rules:
        description:
          - Ingress rules. Omitted, the group's ingress rules are not managed; V([]) means none (all purged
            when O(groups[].purge_rules)).
          - Each rule expands into one AWS rule per port range and per source value.
        type: list
        elements: dict
        suboptions: &rule_options
          protocol:
            description: C(tcp), C(udp), C(icmp), C(icmpv6), C(all) (or C(-1)), or an IP protocol number.
            type: raw
            required: true
            aliases: [proto]
          ports:
            description:
              - C(tcp)/C(udp) only, instead of O(groups[].rules[].from_port) and O(groups[].rules[].to_port)
                - ports (V(443)) and ranges (V("8000-8100")).
            type: list
            elements: raw
          from_port:
            description: First port of the range (C(tcp)/C(udp)), or the ICMP type (C(icmp)/C(icmpv6), V(-1) all).
            type: int
          to_port:
            description: Last port of the range (C(tcp)/C(udp)), or the ICMP code (C(icmp)/C(icmpv6), V(-1) all).
            type: int
          cidr_ip:
            description: IPv4 CIDR block(s). Exactly one of the five source options is set.
            type: list
            elements: str
          cidr_ipv6:
            description: IPv6 CIDR block(s).
            type: list
            elements: str
          group_name:
            description: Name(s) of security groups in the same VPC (this group's own name, or another listed group).
            type: list
            elements: str
          group_id:
            description: Security group id(s) (C(sg-...)).
            type: list
            elements: str
          prefix_list_id:
            description: Managed prefix list id(s) (C(pl-...)).
            type: list
            elements: str
          description:
            description: The rule's description (omitted = none).
            type: str
            aliases: [rule_desc]
      rules_egress:
        description:
          - Egress rules, as O(groups[].rules). Omitted, egress is not managed (a new group keeps the allow-all
            rule AWS gives it); listed, the default C(all) to C(0.0.0.0/0) rule stays only when it is listed
            too (or O(groups[].purge_rules_egress=false)).
        type: list
        elements: dict
        suboptions: *rule_options
      purge_rules:
        description: Revoke ingress rules that O(groups[].rules) does not list (when it is given).
        type: bool
        default: true
      purge_rules_egress:
        description: Revoke egress rules that O(groups[].rules_egress) does not list (when it is given).
        type: bool
        default: true
      tags:
        description: The group's tags, on top of O(tags). Omitted with O(tags) omitted, tags are not managed.
        type: dict
      purge_tags:
        description: Remove tags not in O(tags) + O(groups[].tags) (default O(purge_tags)).
        type: bool
  state:
    description: Whether the groups exist.
    type: str
    choices: [present, absent]
    default: present
  revoke_references:
    description:
      - With O(state=absent), first revoke the rules of groups outside the list that name a listed group
        (otherwise AWS refuses the delete while such a rule exists). Rules between listed groups are always
        revoked before the delete.
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds for every wait of the run together - new groups showing up, rules read back as asked, and
        deletes retried while AWS answers C(DependencyViolation) (network interfaces being released).
    type: int
    default: 120
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
notes:
  - O(tags) apply to every listed group, O(groups[].tags) on top.
  - Rules naming groups of other accounts or EC2-Classic are not supported as options; such existing rules are
    read, kept (or purged) like any other.
author:
  - cloudops platform team
"""

EXAMPLES = r"""
- name: An application group and a database group that admits it, in one call
  cloudops.eks_platform.ec2_security_groups:
    tags:
      Project: wealist
    groups:
      - name: wealist-prod-app-sg
        vpc_id: "{{ vpc_id }}"
        description: wealist application
        rules:
          - {protocol: tcp, ports: [80, 443], cidr_ip: 10.0.0.0/16, description: HTTP(S) from the VPC}
          - {protocol: all, group_name: wealist-prod-app-sg, description: between the app nodes}
      - name: wealist-prod-rds-sg
        vpc_id: "{{ vpc_id }}"
        description: wealist PostgreSQL
        rules:
          - {protocol: tcp, ports: [5432], group_name: wealist-prod-app-sg, description: PostgreSQL from the app}
        rules_egress:
          - {protocol: all, cidr_ip: 0.0.0.0/0}
        tags:
          Name: wealist-prod-rds-sg

- name: Delete them (revoking rules of other groups that still name them)
  cloudops.eks_platform.ec2_security_groups:
    state: absent
    revoke_references: true
    groups:
      - {name: wealist-prod-rds-sg, vpc_id: "{{ vpc_id }}"}
      - {name: wealist-prod-app-sg, vpc_id: "{{ vpc_id }}"}
"""

RETURN = r"""
groups:
  description:
    - The listed groups in the order given (empty with O(state=absent)); C(group_id) is null for a group check
      mode would create. Rules normalized - C(protocol) (C(-1) for all), C(from_port)/C(to_port) when the
      protocol has ports, one source (C(group_id) with C(group_name) when known), C(description).
  returned: always
  type: list
  elements: dict
  sample: [{"name": "wealist-prod-rds-sg", "vpc_id": "vpc-0123", "group_id": "sg-0123", "description": "PostgreSQL",
            "rules": [{"protocol": "tcp", "from_port": 5432, "to_port": 5432, "group_id": "sg-0456",
                       "group_name": "wealist-prod-app-sg", "description": "PostgreSQL from the app"}],
            "rules_egress": [{"protocol": "-1", "cidr_ip": "0.0.0.0/0", "description": ""}],
            "tags": {"Name": "wealist-prod-rds-sg"}}]
group_ids:
  description: Group name to id, for the listed groups that exist (a name listed in two VPCs - see RV(groups)).
  returned: always
  type: dict
  sample: {"wealist-prod-rds-sg": "sg-0123"}
deleted:
  description: The groups deleted (O(state=absent)), C({name, vpc_id, group_id}).
  returned: always
  type: list
  elements: dict
revoked_references:
  description: Rules of groups outside the list revoked because they named a listed group (O(revoke_references)).
  returned: always
  type: list
  elements: dict
  sample: [{"group_id": "sg-0789", "direction": "ingress", "rules": [{"protocol": "tcp", "from_port": 5432}]}]
"""

import ipaddress
import re
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.cloudops.eks_platform.plugins.module_utils.api import (
    AWS_ERRORS,
    call,
    call_or_fail,
    exit_with,
    paginate,
)
from ansible_collections.cloudops.eks_platform.plugins.module_utils.argspec import state_option, tag_options
from ansible_collections.cloudops.eks_platform.plugins.module_utils.tagging import plan_tags, tag_dict, update_tags
from ansible_collections.cloudops.eks_platform.plugins.module_utils.waits import Budget, wait_until

# --- pure: rules as sets of normalized tuples -------------------------------------------------------------

PROTOCOLS = {
    "tcp": "tcp",
    "6": "tcp",
    "udp": "udp",
    "17": "udp",
    "icmp": "icmp",
    "1": "icmp",
    "icmpv6": "icmpv6",
    "58": "icmpv6",
    "all": "-1",
    "-1": "-1",
}
PORTED = ("tcp", "udp")
ICMP = ("icmp", "icmpv6")
SOURCES = ("cidr_ip", "cidr_ipv6", "group_name", "group_id", "prefix_list_id")
DIRECTIONS = {"rules": ("IpPermissions", "ingress"), "rules_egress": ("IpPermissionsEgress", "egress")}
_SOURCE_API = {
    "cidr_ip": ("IpRanges", "CidrIp"),
    "cidr_ipv6": ("Ipv6Ranges", "CidrIpv6"),
    "group_id": ("UserIdGroupPairs", "GroupId"),
    "prefix_list_id": ("PrefixListIds", "PrefixListId"),
}
# The rule AWS gives every new VPC security group (EC2 User Guide, "Security group rules": a new group has
# no inbound rule and one outbound rule that allows all traffic).
DEFAULT_EGRESS_CIDR = "0.0.0.0/0"
# Allowed characters (EC2 API reference, CreateSecurityGroup GroupName/GroupDescription in a VPC, and
# IpRange/UserIdGroupPair Description): up to 255 of a-z A-Z 0-9, spaces and ._-:/()#,@[]+=&;{}!$* (rule
# descriptions without &).
_GROUP_CHARS = "._-:/()#,@[]+=&;{}!$*"
_RULE_CHARS = "._-:/()#,@[]+=;{}!$*"
_GROUP_TEXT = re.compile(r"^[A-Za-z0-9 " + re.escape(_GROUP_CHARS) + r"]{1,255}$")
_RULE_TEXT = re.compile(r"^[A-Za-z0-9 " + re.escape(_RULE_CHARS) + r"]{0,255}$")


class Rule(NamedTuple):
    """One AWS rule: protocol (normalized), ports (None when the protocol has none), source kind and value.
    ``kind`` is cidr_ip, cidr_ipv6, group_id or prefix_list_id; ``group_name`` only for a group this run would
    create (check mode: no id yet)."""

    protocol: str
    from_port: int | None
    to_port: int | None
    kind: str
    value: str


def normalize_protocol(value: Any) -> str | None:
    """``tcp``/``6`` → tcp, ``udp``/``17``, ``icmp``/``1``, ``icmpv6``/``58``, ``all``/``-1`` → -1, another
    protocol number 0-255 as its decimal string; None when it is none of these."""
    if isinstance(value, bool) or value is None:
        return None
    text = str(value).strip().lower()
    if text in PROTOCOLS:
        return PROTOCOLS[text]
    if text.isdigit() and 0 <= int(text) <= 255:
        return str(int(text))
    return None


def _ports_of(protocol: str, from_port: Any, to_port: Any) -> tuple[int | None, int | None]:
    """The ports a rule of ``protocol`` carries: none for all (-1) and protocols without ports, -1 for an
    ICMP type or code left out."""
    if protocol in PORTED:
        return int(from_port), int(to_port)
    if protocol in ICMP:
        return (-1 if from_port is None else int(from_port)), (-1 if to_port is None else int(to_port))
    return None, None


def parse_port(value: Any) -> tuple[int, int]:
    """``443`` / ``"443"`` → (443, 443); ``"8000-8100"`` → (8000, 8100). ValueError otherwise."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        low = high = value
    else:
        text = str(value).strip()
        low_text, sep, high_text = text.partition("-")
        low = int(low_text)
        high = int(high_text) if sep else low
    if not (0 <= low <= high <= 65535):
        raise ValueError(value)
    return low, high


def canonical_cidr(value: str, version: int) -> str:
    """The CIDR block as AWS stores it (IPv6 lower-case and compressed). ValueError when it is not a network
    of that IP version (host bits set included)."""
    network = ipaddress.ip_network(str(value).strip(), strict=True)
    if network.version != version:
        raise ValueError(value)
    return str(network)


def _source_kind(rule: Mapping[str, Any]) -> list[str]:
    return [k for k in SOURCES if rule.get(k) not in (None, [])]


def port_ranges(rule: Mapping[str, Any]) -> list[tuple[int | None, int | None]]:
    """The (from, to) pairs a valid rule option expands into."""
    protocol = normalize_protocol(rule["protocol"]) or ""
    if protocol in PORTED and rule.get("ports") is not None:
        return list(dict.fromkeys(parse_port(p) for p in rule["ports"]))
    return [_ports_of(protocol, rule.get("from_port"), rule.get("to_port"))]


def expand_rules(rules: list[Mapping[str, Any]] | None, resolve: Callable[[str], str | None]) -> dict[Rule, str] | None:
    """Rule options → {Rule: description}; None when not given (not managed). ``resolve`` maps a group name
    of the VPC to its id (None: a group this run would create, kept as kind group_name)."""
    if rules is None:
        return None
    out: dict[Rule, str] = {}
    for rule in rules:
        protocol = normalize_protocol(rule["protocol"]) or str(rule["protocol"])
        (kind,) = _source_kind(rule)
        for value in rule[kind]:
            if kind == "cidr_ip":
                kind_value = ("cidr_ip", canonical_cidr(value, 4))
            elif kind == "cidr_ipv6":
                kind_value = ("cidr_ipv6", canonical_cidr(value, 6))
            elif kind == "group_name":
                group_id = resolve(value)
                kind_value = ("group_id", group_id) if group_id else ("group_name", value)
            else:
                kind_value = (kind, str(value))
            for from_port, to_port in port_ranges(rule):
                out.setdefault(Rule(protocol, from_port, to_port, *kind_value), rule.get("description") or "")
    return out


def current_rules(permissions: list[dict[str, Any]] | None) -> dict[Rule, str]:
    """DescribeSecurityGroups' IpPermissions / IpPermissionsEgress → {Rule: description}."""
    out: dict[Rule, str] = {}
    for perm in permissions or []:
        protocol = normalize_protocol(perm.get("IpProtocol")) or str(perm.get("IpProtocol"))
        from_port, to_port = (
            _ports_of(protocol, perm.get("FromPort"), perm.get("ToPort"))
            if protocol not in PORTED or "FromPort" in perm
            else (None, None)
        )
        for kind, (key, field) in _SOURCE_API.items():
            for item in perm.get(key) or []:
                value = item.get(field)
                if value is None:  # a pair by name only (EC2-Classic): keep it readable
                    value = f"{item.get('UserId', '')}/{item.get('GroupName', '')}"
                elif kind in ("cidr_ip", "cidr_ipv6"):
                    try:
                        value = canonical_cidr(value, 4 if kind == "cidr_ip" else 6)
                    except ValueError:
                        pass
                out[Rule(protocol, from_port, to_port, kind, value)] = item.get("Description") or ""
    return out


def pair_owners(group: Mapping[str, Any] | None) -> dict[str, str]:
    """Referenced group id → its owner (UserId), to revoke a rule naming another account's group."""
    owners = {}
    for key in ("IpPermissions", "IpPermissionsEgress"):
        for perm in (group or {}).get(key) or []:
            for pair in perm.get("UserIdGroupPairs") or []:
                if pair.get("GroupId") and pair.get("UserId"):
                    owners[pair["GroupId"]] = pair["UserId"]
    return owners


def plan_rules(current: dict[Rule, str], wanted: dict[Rule, str] | None, purge: bool) -> dict[str, Any]:
    """What brings ``current`` to ``wanted`` (None: not managed): rules to add, rules whose description
    changes, rules to revoke (only with ``purge``)."""
    if wanted is None:
        return {"add": {}, "describe": {}, "revoke": {}}
    return {
        "add": {r: d for r, d in wanted.items() if r not in current},
        "describe": {r: d for r, d in wanted.items() if r in current and current[r] != d},
        "revoke": {r: d for r, d in current.items() if r not in wanted} if purge else {},
    }


def rules_changed(plan: dict[str, Any]) -> bool:
    return any(plan[k] for k in ("add", "describe", "revoke"))


def rules_after(current: dict[Rule, str], plan: dict[str, Any]) -> dict[Rule, str]:
    """The rules once ``plan`` is applied."""
    after = {r: d for r, d in current.items() if r not in plan["revoke"]}
    after.update(plan["describe"])
    after.update(plan["add"])
    return after


def new_group_rules() -> dict[str, dict[Rule, str]]:
    """What AWS gives a new VPC group (what check mode plans from)."""
    return {"rules": {}, "rules_egress": {Rule("-1", None, None, "cidr_ip", DEFAULT_EGRESS_CIDR): ""}}


def to_permission(rule: Rule, description: str = "", owner: str | None = None) -> dict[str, Any]:
    """One IpPermission of one rule (no Description key when it has none: the way to remove one)."""
    perm: dict[str, Any] = {"IpProtocol": rule.protocol}
    if rule.from_port is not None:
        perm["FromPort"], perm["ToPort"] = rule.from_port, rule.to_port
    key, field = _SOURCE_API[rule.kind]
    item: dict[str, Any] = {field: rule.value}
    if owner and rule.kind == "group_id":
        item["UserId"] = owner
    if description:
        item["Description"] = description
    perm[key] = [item]
    return perm


def _sort_key(rule: Rule) -> tuple[Any, ...]:
    return (
        rule.kind,
        rule.value,
        rule.protocol,
        -2 if rule.from_port is None else rule.from_port,
        -2 if rule.to_port is None else rule.to_port,
    )


def rule_views(rules: dict[Rule, str], names: Mapping[str, str]) -> list[dict[str, Any]]:
    """Rules as the module returns them, sorted; ``names`` maps known group ids to names."""
    out = []
    for rule in sorted(rules, key=_sort_key):
        view: dict[str, Any] = {"protocol": rule.protocol}
        if rule.from_port is not None:
            view.update(from_port=rule.from_port, to_port=rule.to_port)
        if rule.kind == "group_name":
            view.update(group_id=None, group_name=rule.value)
        elif rule.kind == "group_id":
            view["group_id"] = rule.value
            if rule.value in names:
                view["group_name"] = names[rule.value]
        else:
            view[rule.kind] = rule.value
        view["description"] = rules[rule]
        out.append(view)
    return out


def group_view(
    entry: Mapping[str, Any],
    group_id: str | None,
    description: str | None,
    rules: dict[str, dict[Rule, str]],
    tags: dict[str, str],
    names: Mapping[str, str],
) -> dict[str, Any]:
    return {
        "name": entry["name"],
        "vpc_id": entry["vpc_id"],
        "group_id": group_id,
        "description": description,
        "rules": rule_views(rules["rules"], names),
        "rules_egress": rule_views(rules["rules_egress"], names),
        "tags": tags,
    }


def group_rules(group: Mapping[str, Any] | None) -> dict[str, dict[Rule, str]]:
    if group is None:
        return {"rules": {}, "rules_egress": {}}
    return {option: current_rules(group.get(key)) for option, (key, _) in DIRECTIONS.items()}


def wanted_tags(module_tags: Mapping[str, Any] | None, entry: Mapping[str, Any]) -> dict[str, Any] | None:
    """O(tags) with the entry's tags on top; None (not managed) when neither is given."""
    if module_tags is None and entry.get("tags") is None:
        return None
    return {**(module_tags or {}), **(entry.get("tags") or {})}


def referenced_names(entries: list[Mapping[str, Any]]) -> set[tuple[str, str]]:
    """(vpc id, group name) of every group a rule names."""
    return {
        (e["vpc_id"], name)
        for e in entries
        for option in DIRECTIONS
        for rule in e.get(option) or []
        for name in rule.get("group_name") or []
    }


def _text_problem(value: Any, rule: bool, where: str, what: str) -> list[str]:
    pattern, chars = (_RULE_TEXT, _RULE_CHARS) if rule else (_GROUP_TEXT, _GROUP_CHARS)
    if value is None or pattern.match(str(value)):
        return []
    return [f"{where}: {what} must be up to 255 characters of a-z, A-Z, 0-9, spaces and {chars}"]


def rule_problems(rule: Mapping[str, Any], where: str) -> list[str]:
    """Problems of one rule option, each naming ``where`` (``groups[0].rules[1]``) and the field."""
    problems: list[str] = []
    protocol = normalize_protocol(rule.get("protocol"))
    if protocol is None:
        return [
            f"{where}.protocol: {rule.get('protocol')!r} is not tcp, udp, icmp, icmpv6, all (-1) or a protocol "
            "number 0-255"
        ]
    kinds = _source_kind(rule)
    if len(kinds) != 1:
        problems.append(
            f"{where}: set exactly one of {', '.join(SOURCES)} (got {', '.join(kinds) if kinds else 'none'})"
        )
    for kind in kinds:
        for value in rule[kind]:
            try:
                if kind in ("cidr_ip", "cidr_ipv6"):
                    canonical_cidr(value, 4 if kind == "cidr_ip" else 6)
                elif kind == "group_id" and not str(value).startswith("sg-"):
                    raise ValueError(value)
                elif kind == "prefix_list_id" and not str(value).startswith("pl-"):
                    raise ValueError(value)
                elif kind == "group_name" and not str(value).strip():
                    raise ValueError(value)
            except ValueError:
                expected = {
                    "cidr_ip": "an IPv4 CIDR block without host bits (10.0.0.0/16)",
                    "cidr_ipv6": "an IPv6 CIDR block without host bits (2001:db8::/32)",
                    "group_id": "a security group id (sg-...)",
                    "prefix_list_id": "a prefix list id (pl-...)",
                    "group_name": "a security group name",
                }[kind]
                problems.append(f"{where}.{kind}: {value!r} is not {expected}")
    has_ports, has_range = rule.get("ports") is not None, (rule.get("from_port"), rule.get("to_port")) != (None, None)
    if protocol in PORTED:
        if has_ports and has_range:
            problems.append(f"{where}: set ports or from_port/to_port, not both")
        elif has_ports:
            if not rule["ports"]:
                problems.append(f"{where}.ports: empty (give ports, or protocol all)")
            for port in rule["ports"]:
                try:
                    parse_port(port)
                except ValueError:
                    problems.append(f"{where}.ports: {port!r} is not a port 0-65535 or a range 'from-to' (from <= to)")
        elif rule.get("from_port") is None or rule.get("to_port") is None:
            problems.append(f"{where}: protocol {protocol} needs ports, or from_port and to_port")
        elif not 0 <= rule["from_port"] <= rule["to_port"] <= 65535:
            problems.append(f"{where}: from_port/to_port must be 0-65535 with from_port <= to_port")
    elif protocol in ICMP:
        if has_ports:
            problems.append(f"{where}.ports: not for {protocol} (from_port is the ICMP type, to_port the code)")
        icmp_type = -1 if rule.get("from_port") is None else rule["from_port"]
        icmp_code = -1 if rule.get("to_port") is None else rule["to_port"]
        if not (-1 <= icmp_type <= 255 and -1 <= icmp_code <= 255):
            problems.append(f"{where}: the ICMP type (from_port) and code (to_port) must be -1 (all) or 0-255")
        elif icmp_type == -1 and icmp_code != -1:
            problems.append(f"{where}.to_port: every ICMP type (from_port -1) takes every code (to_port -1)")
    elif has_ports or has_range:
        name = "all" if protocol == "-1" else f"protocol {protocol}"
        problems.append(f"{where}: {name} covers every port: remove ports/from_port/to_port")
    problems += _text_problem(rule.get("description"), True, f"{where}.description", "a rule description")
    return problems


def entry_problems(entries: list[Mapping[str, Any]], state: str) -> list[str]:
    """Every problem of the options, naming ``groups[i].field``, before any AWS call."""
    problems: list[str] = []
    seen: dict[tuple[str, str], int] = {}
    for i, entry in enumerate(entries):
        where = f"groups[{i}]"
        name, vpc_id = entry.get("name") or "", entry.get("vpc_id") or ""
        if name.lower().startswith("sg-"):
            problems.append(f"{where}.name: {name!r} may not start with sg-")
        problems += _text_problem(name, False, f"{where}.name", "a group name")
        if not vpc_id.startswith("vpc-"):
            problems.append(f"{where}.vpc_id: {vpc_id!r} is not a VPC id (vpc-...)")
        if (vpc_id, name) in seen:
            problems.append(f"{where}.name: {name} in {vpc_id} is also groups[{seen[(vpc_id, name)]}]")
        seen.setdefault((vpc_id, name), i)
        if state == "absent":
            continue
        if not entry.get("description"):
            problems.append(f"{where}.description: required with state present")
        problems += _text_problem(entry.get("description"), False, f"{where}.description", "a description")
        for option in DIRECTIONS:
            keyed: dict[tuple[Any, ...], tuple[int, str]] = {}
            for j, rule in enumerate(entry.get(option) or []):
                rule_where = f"{where}.{option}[{j}]"
                found = rule_problems(rule, rule_where)
                problems += found
                if found:
                    continue
                # the same AWS rule listed twice with two descriptions cannot be converged
                description = rule.get("description") or ""
                for key in expand_rules([rule], lambda n: f"name:{n}") or {}:
                    if key in keyed and keyed[key][1] != description:
                        problems.append(
                            f"{rule_where}: the same rule as {where}.{option}[{keyed[key][0]}] with another description"
                        )
                        break
                    keyed.setdefault(key, (j, description))
    return problems


def settled(group: Mapping[str, Any] | None, wanted: dict[str, Any]) -> bool:
    """The read-back shows the group with every wanted rule, description and tag (and nothing purged left)."""
    if group is None:
        return False
    rules = group_rules(group)
    if any(rules_changed(plan_rules(rules[o], wanted[o], wanted[f"purge_{o}"])) for o in DIRECTIONS):
        return False
    return not (
        wanted["tags"] is not None and plan_tags(group.get("Tags"), wanted["tags"], wanted["purge_tags"]).changed
    )


# --- AWS calls ---------------------------------------------------------------------------------------------


def describe_groups(module: AnsibleAWSModule, client, filters: list[dict[str, Any]], what: str) -> list[dict]:
    try:
        return paginate(client, "describe_security_groups", Filters=filters)["SecurityGroups"]
    except AWS_ERRORS as e:
        module.fail_json_aws(e, msg=f"Failed to describe {what}")
    return []


def find_groups(module: AnsibleAWSModule, client, keys: set[tuple[str, str]]) -> dict[tuple[str, str], dict]:
    """One DescribeSecurityGroups for every (vpc id, name) asked: {(vpc id, name): group}."""
    if not keys:
        return {}
    filters = [
        {"Name": "vpc-id", "Values": sorted({vpc for vpc, _ in keys})},
        {"Name": "group-name", "Values": sorted({name for _, name in keys})},
    ]
    found = describe_groups(module, client, filters, "the security groups")
    return {(g.get("VpcId"), g["GroupName"]): g for g in found if (g.get("VpcId"), g["GroupName"]) in keys}


def read_back(module, client, ids: list[str], ready: Callable[[dict[str, dict]], bool], budget: Budget, what: str):
    """The groups by id, polled until ``ready`` (a new group may take a moment to show up with its rules)."""

    def fetch() -> dict[str, dict]:
        filters = [{"Name": "group-id", "Values": ids}]
        return {g["GroupId"]: g for g in describe_groups(module, client, filters, "the security groups")}

    return wait_until(module, fetch, ready, budget, what, status=lambda found: f"{len(found)}/{len(ids)} found")


def apply_rules(module, client, group: Mapping[str, Any], name: str, plans: dict[str, dict]) -> None:
    """Revoke, update descriptions, authorize: one call each per direction at most."""
    owners = pair_owners(group)
    for option, plan in plans.items():
        direction = DIRECTIONS[option][1]
        suffix = "ingress" if direction == "ingress" else "egress"
        steps = (
            ("revoke", f"revoke_security_group_{suffix}", "revoke {n} {d} rule(s) of {g}"),
            (
                "describe",
                f"update_security_group_rule_descriptions_{suffix}",
                "update {n} {d} rule description(s) of {g}",
            ),
            ("add", f"authorize_security_group_{suffix}", "authorize {n} {d} rule(s) of {g}"),
        )
        for key, method, what in steps:
            if plan[key]:
                perms = [
                    to_permission(r, d, owners.get(r.value))
                    for r, d in sorted(plan[key].items(), key=lambda kv: _sort_key(kv[0]))
                ]
                what = what.format(n=len(perms), d=direction, g=name)
                call_or_fail(module, client, method, what, GroupId=group["GroupId"], IpPermissions=perms)


def references_plan(group: Mapping[str, Any], ids: set[str]) -> dict[str, dict[str, Any]]:
    """The plans that revoke every rule of ``group`` naming one of ``ids`` (what blocks their delete)."""
    rules = group_rules(group)
    return {
        o: {
            "add": {},
            "describe": {},
            "revoke": {r: d for r, d in rules[o].items() if r.kind == "group_id" and r.value in ids},
        }
        for o in DIRECTIONS
    }


def _view_of(entry: Mapping[str, Any], group: Mapping[str, Any] | None, names: Mapping[str, str]) -> dict[str, Any]:
    if group is None:
        return group_view(entry, None, None, group_rules(None), {}, names)
    return group_view(
        entry, group["GroupId"], group.get("Description"), group_rules(group), tag_dict(group.get("Tags")), names
    )


def _wanted(params: Mapping[str, Any], entry: Mapping[str, Any], ids: Mapping[tuple[str, str], str]) -> dict[str, Any]:
    """The entry's rules (group names resolved through ``ids``), purge flags and tags."""
    wanted: dict[str, Any] = {
        o: expand_rules(entry.get(o), lambda n, vpc=entry["vpc_id"]: ids.get((vpc, n))) for o in DIRECTIONS
    }
    wanted.update(
        purge_rules=entry["purge_rules"],
        purge_rules_egress=entry["purge_rules_egress"],
        tags=wanted_tags(params["tags"], entry),
        purge_tags=params["purge_tags"] if entry.get("purge_tags") is None else entry["purge_tags"],
    )
    return wanted


def check_before_changes(module: AnsibleAWSModule, entries: list[dict], found: dict, keys: set) -> None:
    """Fail (warn for a missing referenced group in check mode) before anything is written: a description
    that differs from the existing group's, a rule naming a group that neither exists nor is listed."""
    for i, e in enumerate(entries):
        group = found.get((e["vpc_id"], e["name"]))
        if group and group.get("Description", "") != e["description"]:
            module.fail_json(
                msg=f"groups[{i}].description: security group {e['name']} ({group['GroupId']}) has the description "
                f"{group.get('Description', '')!r}; EC2 cannot change a group's description (delete the group and "
                "create it again, or keep its description)"
            )
    for i, e in enumerate(entries):
        for option in DIRECTIONS:
            for j, rule in enumerate(e.get(option) or []):
                for ref in rule.get("group_name") or []:
                    if (e["vpc_id"], ref) in found or (e["vpc_id"], ref) in keys:
                        continue
                    msg = f"groups[{i}].{option}[{j}].group_name: no security group {ref} in {e['vpc_id']}"
                    if not module.check_mode:
                        module.fail_json(msg=msg)
                    module.warn(f"{msg} (check mode: an earlier task of the run may create it)")


def create_missing(module: AnsibleAWSModule, client, entries: list[dict], found: dict, budget: Budget) -> set[str]:
    """Create every listed group that does not exist (with its tags), then read them back - instead of a
    fixed sleep - until each shows up with the egress rule AWS gives it. Adds them to ``found``."""
    new_ids = []
    for e in entries:
        if (e["vpc_id"], e["name"]) in found:
            continue
        kwargs: dict[str, Any] = {"GroupName": e["name"], "Description": e["description"], "VpcId": e["vpc_id"]}
        tags = wanted_tags(module.params["tags"], e)
        if tags:
            kwargs["TagSpecifications"] = [
                {"ResourceType": "security-group", "Tags": ansible_dict_to_boto3_tag_list(tags)}
            ]
        what = f"create security group {e['name']} in {e['vpc_id']}"
        new_ids.append(call_or_fail(module, client, "create_security_group", what, **kwargs)["GroupId"])
    if new_ids:
        fresh = read_back(
            module,
            client,
            new_ids,
            lambda got: all(got.get(i, {}).get("IpPermissionsEgress") for i in new_ids),
            budget,
            "the new security groups",
        )
        found.update({(g["VpcId"], g["GroupName"]): g for g in fresh.values()})
    return set(new_ids)


def converge_present(module: AnsibleAWSModule, client, entries: list[dict], budget: Budget) -> None:
    keys = {(e["vpc_id"], e["name"]) for e in entries}
    found = find_groups(module, client, keys | referenced_names(entries))
    check_before_changes(module, entries, found, keys)
    existing = dict(found)
    created = set() if module.check_mode else create_missing(module, client, entries, found, budget)
    ids = {key: g["GroupId"] for key, g in found.items()}
    names = {g["GroupId"]: g["GroupName"] for g in found.values()}

    changed, before, after, wanted_by_id = bool(created), [], [], {}
    for e in entries:
        group = found.get((e["vpc_id"], e["name"]))  # None only in check mode
        wanted = _wanted(module.params, e, ids)
        rules = group_rules(group) if group else new_group_rules()
        plans = {o: plan_rules(rules[o], wanted[o], wanted[f"purge_{o}"]) for o in DIRECTIONS}
        tag_plan = plan_tags(group.get("Tags") if group else None, wanted["tags"], wanted["purge_tags"])
        changed |= group is None or tag_plan.changed or any(rules_changed(plan) for plan in plans.values())
        before.append(_view_of(e, existing.get((e["vpc_id"], e["name"])), names))
        after_rules = {o: rules_after(rules[o], plans[o]) for o in DIRECTIONS}
        after.append(
            group_view(e, ids.get((e["vpc_id"], e["name"])), e["description"], after_rules, tag_plan.after, names)
        )
        if group and not module.check_mode:
            apply_rules(module, client, group, e["name"], plans)
            update_tags(module, client, group["GroupId"], tag_plan)
            wanted_by_id[group["GroupId"]] = wanted

    if changed and not module.check_mode:
        # read back until every group shows what was asked (no fixed sleep)
        final = read_back(
            module,
            client,
            sorted(wanted_by_id),
            lambda got: all(settled(got.get(i), w) for i, w in wanted_by_id.items()),
            budget,
            "the security group rules",
        )
        after = [_view_of(e, final[ids[(e["vpc_id"], e["name"])]], names) for e in entries]
    exit_with(
        module,
        changed,
        diff={"before": before, "after": after},
        groups=after,
        group_ids={v["name"]: v["group_id"] for v in after if v["group_id"]},
        deleted=[],
        revoked_references=[],
    )


def delete_groups(module: AnsibleAWSModule, client, pending: dict[str, str], budget: Budget) -> None:
    """Delete each group (id → name); one still in use (DependencyViolation: a network interface being
    released, a rule of another group) is tried again within the budget."""

    def attempt() -> dict[str, str]:
        for group_id in list(pending):
            try:
                call(client, "delete_security_group", GroupId=group_id)
            except is_boto3_error_code("InvalidGroup.NotFound"):
                pass
            except is_boto3_error_code("DependencyViolation"):  # pylint: disable=duplicate-except
                continue
            except AWS_ERRORS as e:  # pylint: disable=duplicate-except
                module.fail_json_aws(e, msg=f"Failed to delete security group {pending[group_id]} ({group_id})")
            pending.pop(group_id)
        return dict(pending)

    wait_until(
        module,
        attempt,
        lambda left: not left,
        budget,
        "the security groups to be deleted: still in use (DependencyViolation) by a network interface, or by a "
        "rule of another group (revoke_references)",
        status=lambda left: ", ".join(f"{name} ({gid})" for gid, name in left.items()),
    )


def converge_absent(module: AnsibleAWSModule, client, entries: list[dict], budget: Budget) -> None:
    found = find_groups(module, client, {(e["vpc_id"], e["name"]) for e in entries})
    targets = [(e, found[(e["vpc_id"], e["name"])]) for e in entries if (e["vpc_id"], e["name"]) in found]
    ids = {g["GroupId"] for _, g in targets}
    names = {g["GroupId"]: g["GroupName"] for _, g in targets}
    before = [_view_of(e, found.get((e["vpc_id"], e["name"])), names) for e in entries]

    # the rules that would block a delete: between listed groups (always), from other groups (on request)
    blocking = {g["GroupId"]: (g, references_plan(g, ids - {g["GroupId"]})) for _, g in targets}
    outside: dict[str, dict] = {}
    if ids and module.params["revoke_references"]:
        for name in ("ip-permission.group-id", "egress.ip-permission.group-id"):
            filters = [{"Name": name, "Values": sorted(ids)}]
            for g in describe_groups(module, client, filters, "the security groups that name the listed ones"):
                if g["GroupId"] not in ids:
                    outside[g["GroupId"]] = g
    revoked = []
    for gid, g in sorted(outside.items()):
        plans = references_plan(g, ids)
        blocking[gid] = (g, plans)
        for option, plan in plans.items():
            if plan["revoke"]:
                rules = rule_views(plan["revoke"], names)
                revoked.append({"group_id": gid, "direction": DIRECTIONS[option][1], "rules": rules})
    if not module.check_mode:
        for gid, (g, plans) in blocking.items():
            apply_rules(module, client, g, g.get("GroupName", gid), plans)
        delete_groups(module, client, {g["GroupId"]: e["name"] for e, g in targets}, budget)
    exit_with(
        module,
        bool(targets),
        diff={"before": before, "after": []},
        groups=[],
        group_ids={},
        deleted=[{"name": e["name"], "vpc_id": e["vpc_id"], "group_id": g["GroupId"]} for e, g in targets],
        revoked_references=revoked,
    )


def argument_spec() -> dict[str, Any]:
    def rule() -> dict[str, Any]:
        return dict(
            protocol=dict(type="raw", required=True, aliases=["proto"]),
            ports=dict(type="list", elements="raw"),
            from_port=dict(type="int"),
            to_port=dict(type="int"),
            **{source: dict(type="list", elements="str") for source in SOURCES},
            description=dict(type="str", aliases=["rule_desc"]),
        )

    group = dict(
        name=dict(type="str", required=True),
        vpc_id=dict(type="str", required=True),
        description=dict(type="str"),
        rules=dict(type="list", elements="dict", options=rule()),
        rules_egress=dict(type="list", elements="dict", options=rule()),
        purge_rules=dict(type="bool", default=True),
        purge_rules_egress=dict(type="bool", default=True),
        tags=dict(type="dict"),
        purge_tags=dict(type="bool"),
    )
    return dict(
        groups=dict(type="list", elements="dict", required=True, options=group),
        state=state_option(),
        revoke_references=dict(type="bool", default=False),
        wait_timeout=dict(type="int", default=120),
        **tag_options(),
    )


def main() -> None:
    module = AnsibleAWSModule(argument_spec=argument_spec(), supports_check_mode=True)
    entries = module.params["groups"]
    problems = entry_problems(entries, module.params["state"])
    if problems:
        module.fail_json(msg="; ".join(problems))
    client = module.client("ec2")
    budget = Budget(module.params["wait_timeout"])
    if module.params["state"] == "absent":
        converge_absent(module, client, entries, budget)
    else:
        converge_present(module, client, entries, budget)


if __name__ == "__main__":
    main()
