"""The figure computations of benchmarks/bench.py (pure functions; expected values worked out by hand)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("bench", ROOT / "benchmarks" / "bench.py")
assert _spec is not None and _spec.loader is not None
bench = importlib.util.module_from_spec(_spec)
sys.modules["bench"] = bench
_spec.loader.exec_module(bench)

from local_backend.aws.latency import DEFAULT_SECONDS  # noqa: E402

# a toy graph: a -> b -> c, d alone
TOY_DEPS = {"a": (), "b": ("a",), "c": ("b",), "d": ()}
TOY_SECONDS = {"a": 10.0, "b": 4.0, "c": 1.0, "d": 12.0}


def test_summary_median_min_max():
    assert bench.summary([3.0, 1.0, 2.0]) == {"values": [3.0, 1.0, 2.0], "median": 2.0, "min": 1.0, "max": 3.0}
    assert bench.summary([1.0, 2.0, 3.0, 10.0])["median"] == 2.5
    with pytest.raises(ValueError):
        bench.summary([])


def test_ratios_pair_the_repetitions():
    assert bench.ratios([45.0, 30.0], [100.0, 60.0]) == [0.45, 0.5]
    with pytest.raises(ValueError):
        bench.ratios([1.0], [1.0, 2.0])


def test_verdict_says_by_how_much_a_goal_is_missed():
    assert bench.verdict(0.45, "<=", 0.45)["met"] is True
    missed = bench.verdict(0.54, "<=", 0.45)
    assert missed["met"] is False
    assert missed["miss"] == pytest.approx(0.09)
    assert missed["miss_pct"] == 20.0  # 0.09 / 0.45
    assert bench.verdict(59.9, "<", 60.0)["met"] is True
    assert bench.verdict(60.0, "<", 60.0)["met"] is False  # strict
    assert bench.verdict(75.0, "<", 60.0)["miss"] == 15.0
    assert bench.verdict(75.0, "<", 60.0)["miss_pct"] == 25.0
    with pytest.raises(ValueError):
        bench.verdict(1.0, ">=", 2.0)


def test_figure_judges_the_median():
    fig = bench.figure("x", "s", [0.3, 0.5, 0.4], ("<=", 0.35))
    assert fig["median"] == 0.4
    assert fig["goal"]["met"] is False
    assert fig["goal"]["miss"] == pytest.approx(0.05)
    assert fig["goal"]["miss_pct"] == 14.3  # 0.05 / 0.35 = 14.29 %
    assert "goal" not in bench.figure("y", "s", [1.0])


def test_per_task_and_tasks_executed():
    assert bench.per_task(42.0, 120) == pytest.approx(0.35)
    with pytest.raises(ValueError):
        bench.per_task(1.0, 0)
    recap = {"h1": {"ok": 10, "changed": 2, "failures": 0, "skipped": 5}, "h2": {"ok": 1, "changed": 0, "failures": 1}}
    assert bench.tasks_executed(recap) == 12  # ok already counts the changed ones; skipped excluded


def test_aws_wait_seconds_counts_only_the_wait_tasks_of_aws_roles():
    timings = {
        "tasks": [
            {"task": "aws_rds : Wait for the DB instances", "role": "cloudops.eks_platform.aws_rds",
             "seconds": 15.0},
            {"task": "cloudops.eks_platform.aws_rds : Start the instances", "role": "cloudops.eks_platform.aws_rds",
             "seconds": 3.0},
            {"task": "aws_network : wait for the NAT gateways", "role": "aws_network", "seconds": 2.0},
            {"task": "k8s_istio : Wait for the CRDs", "role": "cloudops.eks_platform.k8s_istio", "seconds": 7.0},
            {"task": "Wait for something", "role": None, "seconds": 5.0},
        ]
    }  # fmt: skip
    assert bench.aws_wait_seconds(timings) == 17.0
    assert bench.slow_wait_seconds(timings) == 29.0  # every Wait task


def test_latency_added_by_task_pairs_repeated_tasks_and_ignores_noise_and_non_aws_roles():
    ng = "cloudops.eks_platform.aws_eks_nodegroups"
    addons = "cloudops.eks_platform.aws_eks_addons"
    cold = {
        "tasks": [
            {"task": "aws_eks_nodegroups : Create the node groups and wait", "role": ng, "seconds": 1.0},
            {"task": "aws_eks_addons : Converge the add-ons", "role": addons, "seconds": 0.5},
            {"task": "aws_eks_addons : Converge the add-ons", "role": addons, "seconds": 0.6},
            {"task": "aws_s3 : Create the buckets", "role": "cloudops.eks_platform.aws_s3", "seconds": 3.0},
            {"task": "k8s_istio : Wait for the CRDs", "role": "cloudops.eks_platform.k8s_istio", "seconds": 1.0},
        ]
    }
    latency = {
        "tasks": [
            {"task": "aws_eks_nodegroups : Create the node groups and wait", "role": ng, "seconds": 13.5},
            {"task": "aws_eks_addons : Converge the add-ons", "role": addons, "seconds": 0.7},  # +0.2: noise
            {"task": "aws_eks_addons : Converge the add-ons", "role": addons, "seconds": 4.1},  # the 2nd one grew
            {"task": "aws_s3 : Create the buckets", "role": "cloudops.eks_platform.aws_s3", "seconds": 3.9},
            {"task": "k8s_istio : Wait for the CRDs", "role": "cloudops.eks_platform.k8s_istio", "seconds": 9.0},
            {"task": "aws_eks_addons : Only in this run", "role": addons, "seconds": 2.0},
        ]
    }
    added = bench.latency_added_by_task(cold, latency)
    assert added == {
        (ng, "aws_eks_nodegroups : Create the node groups and wait", 0): pytest.approx(12.5),
        (addons, "aws_eks_addons : Converge the add-ons", 1): pytest.approx(3.5),
        (addons, "aws_eks_addons : Only in this run", 0): pytest.approx(2.0),
    }


def test_play_seconds_sums_the_named_plays():
    timings = {
        "tasks": [
            {"play": "Validate the inputs of every layer", "task": "v", "seconds": 1.0},
            {"play": "Foundation layer — network", "task": "a", "seconds": 10.0},
            {"play": "Foundation layer — network", "task": "b", "seconds": 5.0},
            {"play": "Data layer — RDS", "task": "c", "seconds": 7.0},
            {"play": "Platform layer — namespaces", "task": "d", "seconds": 20.0},
        ]
    }
    assert bench.play_seconds(timings, bench.FOUNDATION_DATA_PLAYS) == 22.0


def test_served_seconds_leaves_watch_streams_out():
    entries = [
        {"method": "GET", "seconds": 0.5},
        {"method": "GET", "query": "labelSelector=a", "seconds": 0.25},
        {"method": "GET", "seconds": None},  # still being served
        {"method": "GET", "query": "watch=1&resourceVersion=3", "seconds": 30.0},
        {"method": "GET", "query": "watch=true", "seconds": 12.0},
    ]
    assert bench.served_seconds(entries) == 0.75


def test_created_kinds_counts_create_calls_of_slow_kinds():
    log = [
        {"service": "ec2", "operation": "CreateNatGateway"},
        {"service": "ec2", "operation": "CreateNatGateway"},
        {"service": "ec2", "operation": "CreateNatGateway"},
        {"service": "ec2", "operation": "CreateVpc"},
        {"service": "rds", "operation": "CreateDBInstance"},
        {"service": "rds", "operation": "DescribeDBInstances"},
        {"service": "elasticache", "operation": "CreateReplicationGroup"},
        {"service": "eks", "operation": "CreateCluster"},
        {"service": "ecs", "operation": "CreateCluster"},  # not EKS
        {"service": None, "operation": None},
    ]
    assert dict(bench.created_kinds(log)) == {
        "nat_gateway": 3,
        "rds_instance": 1,
        "elasticache_replication_group": 1,
        "eks_cluster": 1,
    }


def test_longest_chain_of_a_toy_graph():
    assert bench.longest_chain(TOY_DEPS, TOY_SECONDS, "abcd") == (15.0, ["a", "b", "c"])
    # without a, b no longer waits for it: b + c = 5 < d = 12
    assert bench.longest_chain(TOY_DEPS, TOY_SECONDS, "bcd") == (12.0, ["d"])
    assert bench.longest_chain(TOY_DEPS, TOY_SECONDS, "abcd", scale=0.5) == (7.5, ["a", "b", "c"])
    assert bench.longest_chain(TOY_DEPS, TOY_SECONDS, []) == (0.0, [])
    with pytest.raises(ValueError, match="cycle"):
        bench.longest_chain({"a": ("b",), "b": ("a",)}, {"a": 1.0, "b": 1.0}, "ab")


def test_longest_chain_of_the_declared_graph():
    # the latency table: EKS cluster 600 s, node group 240 s, add-on 60 s, NAT 120 s, RDS/ElastiCache 600 s
    kinds = {
        "nat_gateway",
        "rds_instance",
        "elasticache_replication_group",
        "eks_cluster",
        "eks_nodegroup",
        "eks_addon",
    }
    total, path = bench.longest_chain(bench.DEPENDENCIES, DEFAULT_SECONDS, kinds, scale=0.05)
    assert total == pytest.approx(45.0)  # (600 + 240 + 60) x 0.05
    assert path == ["eks_cluster", "eks_nodegroup", "eks_addon"]
    # foundation + data only: the longest single resource, RDS or ElastiCache, 600 s x 0.05
    total, path = bench.longest_chain(
        bench.DEPENDENCIES, DEFAULT_SECONDS, {"nat_gateway", "rds_instance", "elasticache_replication_group"}, 0.05
    )
    assert total == pytest.approx(30.0)
    assert len(path) == 1


def test_the_graph_covers_every_kind_of_the_latency_table():
    assert set(bench.DEPENDENCIES) == set(DEFAULT_SECONDS)
    assert set(bench.CREATE_OPERATIONS.values()) == set(DEFAULT_SECONDS)
    for deps in bench.DEPENDENCIES.values():
        assert set(deps) <= set(DEFAULT_SECONDS)


def test_serial_sum_counts_every_resource():
    assert bench.serial_sum(TOY_SECONDS, {"a": 2, "d": 1}, scale=0.5) == 16.0  # (2 x 10 + 12) x 0.5
    assert bench.serial_sum(TOY_SECONDS, {}) == 0.0


def test_compare_old_to_new():
    old = {
        "figures": {"x": {"label": "X", "unit": "s", "median": 100.0}, "y": {"label": "Y", "unit": "", "median": 0.5}}
    }
    new = {
        "figures": {
            "x": {"label": "X", "unit": "s", "median": 80.0, "goal": {"met": True}},
            "z": {"label": "Z", "unit": "s", "median": 3.0},
        }
    }
    rows = {r["name"]: r for r in bench.compare(old, new)}
    assert (rows["x"]["old"], rows["x"]["new"], rows["x"]["change"], rows["x"]["change_pct"]) == (
        100.0,
        80.0,
        -20.0,
        -20.0,
    )
    assert rows["x"]["goal_met"] is True
    assert (rows["z"]["old"], rows["z"]["new"], rows["z"]["change"]) == (None, 3.0, None)
    assert (rows["y"]["old"], rows["y"]["new"], rows["y"]["change"]) == (0.5, None, None)
    lines = bench.compare_lines(bench.compare(old, new))
    assert "-20 (-20 %)" in next(line for line in lines if line.startswith("X "))


def _timings(foundation: float, data: float, platform: float, wait: float = 4.0) -> dict:
    return {
        "tasks": [
            {"play": "Foundation layer — n", "task": "t", "seconds": foundation},
            {"play": "Data layer — d", "task": "t", "seconds": data},
            {"play": "Platform layer — p", "task": "t", "seconds": platform},
            {
                "play": "Data layer — d",
                "task": "aws_rds : Wait for the RDS instances",
                "seconds": wait,
                "role": "cloudops.eks_platform.aws_rds",
            },
            # a Kubernetes readiness gate: not a wait for a slow AWS resource, 9 s whatever the latency
            {
                "play": "Platform layer — p",
                "task": "k8s_argocd : Wait for the CRDs",
                "seconds": 9.0,
                "role": "cloudops.eks_platform.k8s_argocd",
            },
        ]  # fmt: skip
    }


def test_build_figures_from_two_repetitions():
    rerun = [
        {"wall": 40.0, "ran": 200, "aws_seconds": 6.0, "k8s_seconds": 2.0, "aws_requests": 300, "k8s_requests": 90,
         "aws_mutating": 0, "k8s_mutating": 3, "timings": _timings(20.0, 15.0, 5.0)},
        {"wall": 60.0, "ran": 200, "aws_seconds": 8.0, "k8s_seconds": 2.0, "aws_requests": 300, "k8s_requests": 90,
         "aws_mutating": 0, "k8s_mutating": 3, "timings": _timings(30.0, 25.0, 5.0)},
    ]  # fmt: skip
    runs = {
        "cold": [{"wall": 100.0, "timings": _timings(1, 1, 1)}, {"wall": 120.0, "timings": _timings(1, 1, 1)}],
        "rerun": rerun,
        "linear": [{"wall": 80.0, "ran": 200}, {"wall": 100.0, "ran": 200}],
        "tag": [{"wall": 10.0}, {"wall": 18.0}],
        "task": [{"aws": 0.5, "k8s": 0.25}, {"aws": 0.4, "k8s": 0.4}],
        "latency": [
            {"wall": 140.0, "created": {"rds_instance": 1, "elasticache_replication_group": 1, "nat_gateway": 2},
             "timings": _timings(1.0, 1.0, 1.0, wait=30.0)},
            {"wall": 150.0, "created": {"rds_instance": 1, "elasticache_replication_group": 1, "nat_gateway": 2},
             "timings": _timings(1.0, 1.0, 1.0, wait=37.0)},
        ],
    }  # fmt: skip
    f = bench.build_figures(runs, latency_scale=0.05, tag="rds")
    assert f["rerun_ratio"]["values"] == [0.4, 0.5] and f["rerun_ratio"]["median"] == 0.45
    assert f["rerun_ratio"]["goal"]["met"] is True  # 0.45 <= 0.45
    assert f["foundation_data_rerun_s"]["values"] == [39.0, 59.0]  # 20 + 15 + 4, 30 + 25 + 4
    assert f["foundation_data_rerun_s"]["goal"]["met"] is True  # median 49 < 60
    assert f["tag_ratio"]["values"] == [0.1, 0.15] and f["tag_ratio"]["goal"]["met"] is False  # median 0.125
    assert f["tag_ratio"]["goal"]["miss"] == pytest.approx(0.005)
    assert f["per_task_overhead_s"]["values"] == [0.2, 0.3] and f["per_task_overhead_s"]["goal"]["met"] is True
    assert f["per_task_in_calls_s"]["values"] == [0.04, 0.05]  # (6 + 2) / 200, (8 + 2) / 200
    assert f["mitogen_over_linear"]["values"] == [0.5, 0.6]
    assert f["task_cost_k8s_over_aws"]["values"] == [0.5, 1.0] and f["task_cost_k8s_over_aws"]["goal"]["met"] is True
    # latency: added wall 40 and 30 s; chain 600 x 0.05 = 30 s; serial (600 + 600 + 2 x 120) x 0.05 = 72 s
    assert f["latency_modelled_s"]["values"] == [40.0, 30.0]
    assert f["longest_chain_s"]["median"] == pytest.approx(30.0)
    assert f["serial_sum_s"]["median"] == pytest.approx(72.0)
    assert f["latency_chain_ratio"]["median"] == pytest.approx(35.0 / 30.0, abs=1e-4)  # median of 4/3 and 1, rounded
    assert "goal" not in f["latency_chain_ratio"]  # the noisy cross-check
    assert f["latency_serial_ratio"]["median"] == pytest.approx((40.0 / 72.0 + 30.0 / 72.0) / 2, abs=1e-4)
    # inside the runs: Wait-task time 30 and 37 s with latency, 4 s without: 26 and 33 s added
    assert f["latency_wait_added_s"]["values"] == [26.0, 33.0]
    assert f["latency_wait_chain_ratio"]["median"] == pytest.approx(29.5 / 30.0, abs=1e-4)
    assert f["latency_wait_chain_ratio"]["goal"]["met"] is True
    assert f["rerun_k8s_mutating"]["median"] == 3 and f["rerun_aws_mutating"]["median"] == 0


def test_cpu_figures_only_when_every_run_measured_it():
    timings = _timings(1, 1, 1)
    runs = {
        "cold": [{"wall": 100.0, "cpu": 50.0, "timings": timings}, {"wall": 90.0, "cpu": 40.0, "timings": timings}],
        "rerun": [{"wall": w, "cpu": c, "ran": 100, "aws_seconds": 1.0, "k8s_seconds": 1.0, "aws_requests": 1,
                   "k8s_requests": 1, "aws_mutating": 0, "k8s_mutating": 0, "timings": timings}
                  for w, c in ((60.0, 30.0), (50.0, 20.0))],
    }  # fmt: skip
    f = bench.build_figures(runs, latency_scale=0, tag="")
    assert f["cold_cpu_s"]["values"] == [50.0, 40.0] and f["cold_cpu_s"]["median"] == 45.0
    assert f["rerun_cpu_s"]["values"] == [30.0, 20.0] and not f["rerun_cpu_s"].get("goal")
    del runs["cold"][1]["cpu"]  # a result file of an older bench: no CPU figure rather than a partial one
    assert "cold_cpu_s" not in bench.build_figures(runs, latency_scale=0, tag="")


def test_children_cpu_counts_a_waited_child():
    before = bench._children_cpu()
    subprocess.run([sys.executable, "-c", "sum(i * i for i in range(3_000_000))"], check=True)
    assert bench._children_cpu() - before > 0  # counted at all; how much depends on the machine
