"""Unit tests of the cluster add-on list rules (plugins/module_utils/cluster_addons.py): validation names the
entry and field; specs set the discovered values (VPC id, cluster name) at their value paths."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "collections"))

from ansible_collections.cloudops.eks_platform.plugins.module_utils.cluster_addons import (  # noqa: E402
    addon_problems,
    addon_specs,
    needs,
)

LBC = {
    "name": "aws-load-balancer-controller",
    "chart": "aws-load-balancer-controller",
    "repository": "https://aws.github.io/eks-charts",
    "version": "1.17.0",
    "namespace": "kube-system",
    "values": {"serviceAccount": {"name": "aws-load-balancer-controller"}},
    "discovered_values": {"vpcId": "vpc_id", "clusterName": "cluster_name"},
    "sync_wave": -5,
}
CA = {
    "name": "cluster-autoscaler",
    "chart": "cluster-autoscaler",
    "repository": "https://kubernetes.github.io/autoscaler",
    "version": "9.53.0",
    "namespace": "kube-system",
    "values": {"autoDiscovery": {"tags": ["x"]}},
    "discovered_values": {"autoDiscovery.clusterName": "cluster_name"},
}


def test_valid_entries_have_no_problem():
    assert addon_problems([LBC, CA]) == []


def test_problems_name_the_entry_and_field():
    bad = [
        dict(LBC, version="1.17"),
        dict(CA, namespace="Kube_System", colour="red"),
        dict(CA, discovered_values={"a..b": "vpc"}),
        dict(LBC),
    ]
    problems = addon_problems(bad)
    assert any(p.startswith("platform_cluster_addons[0].version:") for p in problems)
    assert any(p.startswith("platform_cluster_addons[1].namespace:") for p in problems)
    assert any(p.startswith("platform_cluster_addons[1].colour: unknown field") for p in problems)
    assert any(p.startswith("platform_cluster_addons[2].discovered_values:") and "dotted" in p for p in problems)
    assert any(p.startswith("platform_cluster_addons[2].discovered_values.a..b:") for p in problems)
    assert any(p.startswith("platform_cluster_addons[3].name:") and "listed twice" in p for p in problems)


def test_specs_set_discovered_values_without_touching_the_input():
    found = {"vpc_id": "vpc-0abc", "cluster_name": "acme-prod-eks", "region": "eu-west-1"}
    lbc, ca = addon_specs([LBC, CA], found)
    assert lbc["values"] == {
        "serviceAccount": {"name": "aws-load-balancer-controller"},
        "vpcId": "vpc-0abc",
        "clusterName": "acme-prod-eks",
    }
    assert ca["values"]["autoDiscovery"] == {"tags": ["x"], "clusterName": "acme-prod-eks"}
    assert (lbc["sync_wave"], ca["sync_wave"]) == (-5, 0)
    assert "vpcId" not in LBC["values"]  # the inventory's entry is not mutated
    assert needs([LBC, CA], "vpc_id") and not needs([CA], "vpc_id")
