#!/usr/bin/python
# Copyright: cloudops.eks_platform contributors
# Apache-2.0

DOCUMENTATION = r"""
module: ec2_route_tables
short_description: Converge every route table of a VPC in one call, without fixed sleeps
version_added: 0.1.0
description:
  - Creates or converges the listed route tables of one VPC, each found by its C(Name) tag, with its IPv4 routes
    to an internet gateway or a NAT gateway, its subnet associations and its tags. Tables not listed are
    left alone; this module never deletes a table (C(amazon.aws.ec2_vpc_route_table) with C(state=absent)
    does).
  - Routes and associations are declarative - a route or subnet association of a listed table that is not in
    its entry is removed - except the C(local) route, routes to VPC endpoints (gateway endpoints add and own
    them), propagated routes and IPv6 routes, which are never touched.
  - A subnet associated with another table is moved with C(ReplaceRouteTableAssociation).
  - Instead of C(amazon.aws.ec2_vpc_route_table)'s fixed 5-second sleep after every change, the result is
    read back until every route is active and every association is associated, bounded by O(wait_timeout).
options:
  vpc_id:
    description: The VPC of the route tables.
    type: str
    required: true
  route_tables:
    description: The route tables.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: Value of the C(Name) tag that identifies the table (unique in the VPC).
        type: str
        required: true
      subnets:
        description: Subnet ids associated with the table (all others are disassociated).
        type: list
        elements: str
        default: []
      routes:
        description: IPv4 routes (besides the C(local) route and endpoint routes).
        type: list
        elements: dict
        default: []
        suboptions:
          dest:
            description: Destination IPv4 CIDR block.
            type: str
            required: true
          gateway_id:
            description: Internet gateway id.
            type: str
          nat_gateway_id:
            description: NAT gateway id.
            type: str
  wait_timeout:
    description: Seconds the read-back of the changed tables may take in all.
    type: int
    default: 120
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
notes:
  - O(tags) are set on every table, with its C(Name) tag added.
author:
  - cloudops platform team
"""

EXAMPLES = r"""
- name: Public, private and database route tables in one call
  cloudops.eks_platform.ec2_route_tables:
    vpc_id: "{{ vpc_id }}"
    tags:
      Project: wealist
    route_tables:
      - name: wealist-prod-public
        subnets: "{{ public_subnet_ids }}"
        routes:
          - dest: 0.0.0.0/0
            gateway_id: "{{ igw_id }}"
      - name: wealist-prod-private
        subnets: "{{ private_subnet_ids }}"
        routes:
          - dest: 0.0.0.0/0
            nat_gateway_id: "{{ nat_id }}"
      - name: wealist-prod-db
        subnets: "{{ db_subnet_ids }}"
"""

RETURN = r"""
route_tables:
  description: The listed tables, in the order given (C(id) is null for a table check mode would create).
  returned: always
  type: list
  elements: dict
  sample: [{"name": "wealist-prod-public", "id": "rtb-0123", "subnets": ["subnet-0123"],
            "routes": [{"dest": "0.0.0.0/0", "gateway_id": "igw-0123"}], "tags": {"Name": "wealist-prod-public"}}]
"""

from typing import Any

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.cloudops.eks_platform.plugins.module_utils.api import (
    AWS_ERRORS,
    call_or_fail,
    exit_with,
    paginate,
)
from ansible_collections.cloudops.eks_platform.plugins.module_utils.argspec import tag_options
from ansible_collections.cloudops.eks_platform.plugins.module_utils.tagging import plan_tags, tag_dict, update_tags
from ansible_collections.cloudops.eks_platform.plugins.module_utils.waits import Budget, wait_until

TARGETS = ("gateway_id", "nat_gateway_id")
_API_TARGET = {"gateway_id": "GatewayId", "nat_gateway_id": "NatGatewayId"}


# --- pure: what a table has, what it should have, what to change -----------------------------------------


def _managed(route: dict[str, Any]) -> bool:
    """A route this module manages: IPv4, made by CreateRoute, not the local route or a VPC endpoint's."""
    gateway = route.get("GatewayId", "")
    return (
        "DestinationCidrBlock" in route
        and route.get("Origin", "CreateRoute") == "CreateRoute"
        and gateway != "local"
        and not gateway.startswith("vpce-")
        and "DestinationPrefixListId" not in route
    )


def current_routes(table: dict[str, Any] | None) -> dict[str, dict[str, str]]:
    """Destination → target (``{"gateway_id": ...}``, ``{"nat_gateway_id": ...}`` or another kind of target
    under its API name) of the routes this module manages."""
    routes: dict[str, dict[str, str]] = {}
    for route in (table or {}).get("Routes", []):
        if not _managed(route):
            continue
        target = {opt: route[api] for opt, api in _API_TARGET.items() if route.get(api)}
        if not target:
            target = {k: v for k, v in route.items() if k.endswith("Id") and isinstance(v, str)}
        routes[route["DestinationCidrBlock"]] = target
    return routes


def wanted_routes(entry: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {r["dest"]: {t: r[t] for t in TARGETS if r.get(t)} for r in entry.get("routes") or []}


def current_subnets(table: dict[str, Any] | None) -> dict[str, str]:
    """Subnet id → association id of the table's subnet associations."""
    return {
        a["SubnetId"]: a["RouteTableAssociationId"]
        for a in (table or {}).get("Associations", [])
        if a.get("SubnetId")
        and not a.get("Main")
        and a.get("AssociationState", {}).get("State", "associated") in ("associated", "associating")
    }


def plan_table(table: dict[str, Any] | None, entry: dict[str, Any]) -> dict[str, Any]:
    """The changes that bring ``table`` (None: missing) to ``entry``: routes to create, replace and delete,
    subnets to associate and associations to remove."""
    have, want = current_routes(table), wanted_routes(entry)
    subnets = current_subnets(table)
    wanted_subnets = list(dict.fromkeys(entry.get("subnets") or []))
    return {
        "create": table is None,
        "add_routes": {d: t for d, t in want.items() if d not in have},
        "replace_routes": {d: t for d, t in want.items() if d in have and have[d] != t},
        "delete_routes": sorted(d for d in have if d not in want),
        "associate": [s for s in wanted_subnets if s not in subnets],
        "disassociate": sorted(a for s, a in subnets.items() if s not in wanted_subnets),
    }


def plan_changed(plan: dict[str, Any]) -> bool:
    return any(
        plan[k] for k in ("create", "add_routes", "replace_routes", "delete_routes", "associate", "disassociate")
    )


def table_view(entry_name: str, table: dict[str, Any] | None) -> dict[str, Any]:
    """What the module returns (and shows in the diff) for one table."""
    routes = current_routes(table)
    return {
        "name": entry_name,
        "id": (table or {}).get("RouteTableId"),
        "subnets": sorted(current_subnets(table)),
        "routes": [{"dest": d, **routes[d]} for d in sorted(routes)],
        "tags": tag_dict((table or {}).get("Tags")),
    }


def wanted_view(entry: dict[str, Any], tags: dict[str, str], table_id: str | None) -> dict[str, Any]:
    routes = wanted_routes(entry)
    return {
        "name": entry["name"],
        "id": table_id,
        "subnets": sorted(set(entry.get("subnets") or [])),
        "routes": [{"dest": d, **routes[d]} for d in sorted(routes)],
        "tags": tags,
    }


def settled(table: dict[str, Any] | None, entry: dict[str, Any]) -> bool:
    """The read-back shows every wanted route active and every wanted subnet associated."""
    if table is None or plan_changed(plan_table(table, entry)):
        return False
    active = {r.get("DestinationCidrBlock") for r in table.get("Routes", []) if r.get("State", "active") == "active"}
    associated = {
        a["SubnetId"]
        for a in table.get("Associations", [])
        if a.get("SubnetId") and a.get("AssociationState", {}).get("State", "associated") == "associated"
    }
    return set(wanted_routes(entry)) <= active and set(entry.get("subnets") or []) <= associated


def entry_problems(entries: list[dict[str, Any]]) -> list[str]:
    problems = []
    names = [e["name"] for e in entries]
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.append(f"route_tables: name {name} is listed more than once")
    seen: dict[str, str] = {}
    for e in entries:
        for subnet in e.get("subnets") or []:
            if subnet in seen and seen[subnet] != e["name"]:
                problems.append(f"route_tables: subnet {subnet} is listed for {seen[subnet]} and {e['name']}")
            seen[subnet] = e["name"]
        for i, r in enumerate(e.get("routes") or []):
            if sum(1 for t in TARGETS if r.get(t)) != 1:
                problems.append(f"route_tables[{e['name']}].routes[{i}]: set exactly one of {', '.join(TARGETS)}")
    return problems


# --- AWS calls ---------------------------------------------------------------------------------------------


def find_tables(module: AnsibleAWSModule, client, vpc_id: str, names: list[str]) -> dict[str, dict[str, Any]]:
    filters = [{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "tag:Name", "Values": names}]
    found: dict[str, dict[str, Any]] = {}
    if not names:
        return found
    try:
        tables = paginate(client, "describe_route_tables", Filters=filters)["RouteTables"]
    except AWS_ERRORS as e:
        module.fail_json_aws(e, msg=f"Failed to describe the route tables of {vpc_id}")
    for table in tables:
        name = tag_dict(table.get("Tags")).get("Name")
        if name in found:
            module.fail_json(msg=f"More than one route table tagged Name={name} in {vpc_id}")
        found[name] = table
    return found


def other_associations(module: AnsibleAWSModule, client, subnets: list[str]) -> dict[str, str]:
    """Subnet → association id, for subnets associated with some (other) table."""
    if not subnets:
        return {}
    tables = call_or_fail(
        module,
        client,
        "describe_route_tables",
        "find the subnets' current route tables",
        Filters=[{"Name": "association.subnet-id", "Values": subnets}],
    )["RouteTables"]
    return {s: a for t in tables for s, a in current_subnets(t).items() if s in subnets}


def _route_args(table_id: str, dest: str, target: dict[str, str]) -> dict[str, str]:
    return {"RouteTableId": table_id, "DestinationCidrBlock": dest, **{_API_TARGET[k]: v for k, v in target.items()}}


def apply_plan(module, client, vpc_id: str, entry: dict[str, Any], table, plan, tags: dict[str, str]) -> None:
    name = entry["name"]
    if table is None:
        table = call_or_fail(
            module,
            client,
            "create_route_table",
            f"create route table {name}",
            VpcId=vpc_id,
            TagSpecifications=[{"ResourceType": "route-table", "Tags": ansible_dict_to_boto3_tag_list(tags)}],
        )["RouteTable"]
    table_id = table["RouteTableId"]
    for dest in plan["delete_routes"]:
        call_or_fail(
            module,
            client,
            "delete_route",
            f"delete route {dest} of {name}",
            RouteTableId=table_id,
            DestinationCidrBlock=dest,
        )
    for dest, target in plan["replace_routes"].items():
        call_or_fail(
            module, client, "replace_route", f"replace route {dest} of {name}", **_route_args(table_id, dest, target)
        )
    for dest, target in plan["add_routes"].items():
        call_or_fail(
            module, client, "create_route", f"create route {dest} of {name}", **_route_args(table_id, dest, target)
        )
    for association in plan["disassociate"]:
        call_or_fail(
            module,
            client,
            "disassociate_route_table",
            f"disassociate {association} from {name}",
            AssociationId=association,
        )
    elsewhere = other_associations(module, client, plan["associate"])
    for subnet in plan["associate"]:
        if subnet in elsewhere:
            call_or_fail(
                module,
                client,
                "replace_route_table_association",
                f"move {subnet} to {name}",
                AssociationId=elsewhere[subnet],
                RouteTableId=table_id,
            )
        else:
            call_or_fail(
                module,
                client,
                "associate_route_table",
                f"associate {subnet} with {name}",
                SubnetId=subnet,
                RouteTableId=table_id,
            )


def argument_spec() -> dict[str, Any]:
    route = dict(dest=dict(type="str", required=True), gateway_id=dict(type="str"), nat_gateway_id=dict(type="str"))
    table = dict(
        name=dict(type="str", required=True),
        subnets=dict(type="list", elements="str", default=[]),
        routes=dict(type="list", elements="dict", default=[], options=route),
    )
    return dict(
        vpc_id=dict(type="str", required=True),
        route_tables=dict(type="list", elements="dict", required=True, options=table),
        wait_timeout=dict(type="int", default=120),
        **tag_options(),
    )


def main() -> None:
    module = AnsibleAWSModule(argument_spec=argument_spec(), supports_check_mode=True)
    p = module.params
    entries = p["route_tables"]
    problems = entry_problems(entries)
    if problems:
        module.fail_json(msg="; ".join(problems))
    client = module.client("ec2")
    vpc_id, names = p["vpc_id"], [e["name"] for e in entries]
    found = find_tables(module, client, vpc_id, names)

    changed, before, after = False, [], []
    for entry in entries:
        table = found.get(entry["name"])
        tags = {**(p["tags"] or {}), "Name": entry["name"]}
        plan = plan_table(table, entry)
        tag_plan = (
            plan_tags(table.get("Tags"), tags if p["tags"] is not None else None, p["purge_tags"]) if table else None
        )
        changed |= plan_changed(plan) or bool(tag_plan and tag_plan.changed)
        before.append(table_view(entry["name"], table))
        if module.check_mode:
            after.append(wanted_view(entry, tag_plan.after if tag_plan else tags, (table or {}).get("RouteTableId")))
            continue
        if plan_changed(plan):
            apply_plan(module, client, vpc_id, entry, table, plan, tags)
        if tag_plan:
            update_tags(module, client, table["RouteTableId"], tag_plan)

    if not module.check_mode:
        # read back; after a change, until every route is active and every subnet associated (no fixed sleep)
        def fetch() -> dict[str, dict[str, Any]]:
            return find_tables(module, client, vpc_id, names)

        def ready(tables: dict[str, dict[str, Any]]) -> bool:
            return all(settled(tables.get(e["name"]), e) for e in entries)

        final = (
            wait_until(module, fetch, ready, Budget(p["wait_timeout"]), "the route tables", status=sorted)
            if changed
            else found
        )
        after = [table_view(e["name"], final.get(e["name"])) for e in entries]
    exit_with(module, changed, diff={"before": before, "after": after}, route_tables=after)


if __name__ == "__main__":
    main()
