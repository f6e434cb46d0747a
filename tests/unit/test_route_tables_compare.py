"""Unit tests of ec2_route_tables' compare logic: what a table has, what it should have, what to change."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "collections"))

from ansible_collections.cloudops.eks_platform.plugins.modules.ec2_route_tables import (  # noqa: E402
    current_routes,
    current_subnets,
    entry_problems,
    plan_changed,
    plan_table,
    settled,
)

# A private table as DescribeRouteTables returns it: the local route, a NAT route, an S3 gateway endpoint's
# prefix-list route, a propagated route, an IPv6 route, a subnet association, the main association.
TABLE = {
    "RouteTableId": "rtb-1",
    "Routes": [
        {"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local", "Origin": "CreateRouteTable", "State": "active"},
        {"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": "nat-1", "Origin": "CreateRoute", "State": "active"},
        {"DestinationPrefixListId": "pl-s3", "GatewayId": "vpce-1", "Origin": "CreateRoute", "State": "active"},
        {"DestinationCidrBlock": "172.16.0.0/12", "GatewayId": "vgw-1", "Origin": "EnableVgwRoutePropagation"},
        {"DestinationIpv6CidrBlock": "::/0", "GatewayId": "igw-1", "Origin": "CreateRoute"},
    ],
    "Associations": [
        {"RouteTableAssociationId": "rtbassoc-a", "SubnetId": "subnet-a", "AssociationState": {"State": "associated"}},
        {"RouteTableAssociationId": "rtbassoc-main", "Main": True, "AssociationState": {"State": "associated"}},
    ],
}
ENTRY = {"name": "p", "subnets": ["subnet-a"], "routes": [{"dest": "0.0.0.0/0", "nat_gateway_id": "nat-1"}]}


def test_only_the_routes_it_manages_are_read():
    # the local, endpoint, propagated and IPv6 routes are never the module's
    assert current_routes(TABLE) == {"0.0.0.0/0": {"nat_gateway_id": "nat-1"}}
    assert current_subnets(TABLE) == {"subnet-a": "rtbassoc-a"}
    assert current_routes(None) == {} and current_subnets(None) == {}


def test_a_converged_table_needs_nothing_and_is_settled():
    plan = plan_table(TABLE, ENTRY)
    assert not plan_changed(plan)
    assert settled(TABLE, ENTRY)


def test_a_missing_table_is_created_with_every_route_and_subnet():
    plan = plan_table(None, ENTRY)
    assert plan["create"] and plan["add_routes"] == {"0.0.0.0/0": {"nat_gateway_id": "nat-1"}}
    assert plan["associate"] == ["subnet-a"] and plan["disassociate"] == [] and plan["delete_routes"] == []
    assert not settled(None, ENTRY)


def test_a_new_nat_gateway_replaces_the_route_and_extra_routes_and_subnets_go():
    entry = {"name": "p", "subnets": ["subnet-b"], "routes": [{"dest": "0.0.0.0/0", "nat_gateway_id": "nat-2"}]}
    table = {**TABLE, "Routes": [*TABLE["Routes"], {"DestinationCidrBlock": "192.168.0.0/16", "GatewayId": "igw-1"}]}
    plan = plan_table(table, entry)
    assert plan["replace_routes"] == {"0.0.0.0/0": {"nat_gateway_id": "nat-2"}}
    assert plan["delete_routes"] == ["192.168.0.0/16"]
    assert plan["associate"] == ["subnet-b"] and plan["disassociate"] == ["rtbassoc-a"]
    assert plan["add_routes"] == {} and not plan["create"]
    assert not settled(table, entry)


def test_a_route_not_yet_active_is_not_settled():
    pending = {**TABLE, "Routes": [dict(r, State="blackhole") if r.get("NatGatewayId") else r for r in TABLE["Routes"]]}
    assert not plan_changed(plan_table(pending, ENTRY))
    assert not settled(pending, ENTRY)


def test_bad_entries_are_named():
    entries = [
        {
            "name": "a",
            "subnets": ["subnet-1"],
            "routes": [{"dest": "0.0.0.0/0", "gateway_id": "igw", "nat_gateway_id": "n"}],
        },
        {"name": "b", "subnets": ["subnet-1"], "routes": [{"dest": "0.0.0.0/0"}]},
        {"name": "a", "subnets": [], "routes": []},
    ]
    assert entry_problems(entries) == [
        "route_tables: name a is listed more than once",
        "route_tables[a].routes[0]: set exactly one of gateway_id, nat_gateway_id",
        "route_tables: subnet subnet-1 is listed for a and b",
        "route_tables[b].routes[0]: set exactly one of gateway_id, nat_gateway_id",
    ]
    assert entry_problems([ENTRY]) == []
