"""Unit tests of the network validation filter (pure function, no AWS)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "collections"))

from ansible_collections.cloudops.eks_platform.plugins.filter.network import network_problems  # noqa: E402

AZS = ["a", "b", "c"]
GOOD = {
    "public": ["10.0.101.0/24", "10.0.102.0/24", "10.0.103.0/24"],
    "private": ["10.0.1.0/24", "10.0.2.0/24", "10.0.3.0/24"],
    "database": ["10.0.201.0/24", "10.0.202.0/24", "10.0.203.0/24"],
}
NAMES = {"vpc_cidr": "aws_network_vpc_cidr", "azs": "aws_network_azs", "private": "aws_network_private_subnets"}


def test_seed_layout_is_valid():
    assert network_problems("10.0.0.0/16", AZS, GOOD, NAMES) == []


def test_invalid_vpc_cidr_names_the_variable():
    problems = network_problems("10.0.0.0/33", AZS, GOOD, NAMES)
    assert any(p.startswith("aws_network_vpc_cidr:") and "not a valid" in p for p in problems)


def test_host_bits_set_is_invalid():
    assert any("10.0.0.1/16" in p for p in network_problems("10.0.0.1/16", AZS, GOOD, NAMES))


def test_vpc_prefix_out_of_range():
    assert any("/8" in p for p in network_problems("10.0.0.0/8", AZS, {}, NAMES))


def test_subnet_outside_vpc():
    tiers = dict(GOOD, private=["10.0.1.0/24", "10.0.2.0/24", "10.1.3.0/24"])
    problems = network_problems("10.0.0.0/16", AZS, tiers, NAMES)
    assert problems == ["aws_network_private_subnets: 10.1.3.0/24 is outside aws_network_vpc_cidr 10.0.0.0/16"]


def test_overlap_across_tiers_is_reported_once():
    tiers = dict(GOOD, database=["10.0.201.0/24", "10.0.202.0/24", "10.0.1.128/25"])
    problems = network_problems("10.0.0.0/16", AZS, tiers, NAMES)
    assert problems == ["database: 10.0.1.128/25 overlaps 10.0.1.0/24 of aws_network_private_subnets"]


def test_az_count_mismatch():
    tiers = dict(GOOD, public=["10.0.101.0/24", "10.0.102.0/24"])
    problems = network_problems("10.0.0.0/16", AZS, tiers, NAMES)
    assert problems == [
        "public: 2 subnet(s) for 3 availability zone(s) in aws_network_azs; each tier needs exactly one subnet per zone"
    ]


def test_duplicate_and_empty_zones():
    assert any("distinct" in p for p in network_problems("10.0.0.0/16", ["a", "a"], {}, NAMES))
    assert any("at least one" in p for p in network_problems("10.0.0.0/16", [], {}, NAMES))


def test_two_zone_dev_layout_is_valid():
    tiers = {k: v[:2] for k, v in GOOD.items()}
    assert network_problems("10.0.0.0/16", AZS[:2], tiers, NAMES) == []
