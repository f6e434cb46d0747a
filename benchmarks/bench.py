"""Timings of site.yml on the embedded backend, against the speed goals of issue 15.

Scenarios, each repeated (--reps; median and min-max reported):
  cold     site.yml on a fresh, empty backend (default strategy: mitogen_linear, see ansible.cfg); for it and the
           re-run also the CPU seconds of ansible-playbook's process tree (steadier than wall time here)
  rerun    site.yml again right after the converged run; must report changed=0 or the benchmark fails.
           Both backends' request logs are cleared before it and read after it: the time the backends
           spent serving its AWS and Kubernetes calls (their "seconds" fields) and its mutating calls.
  linear   the same no-change re-run with ANSIBLE_STRATEGY=linear (the stock strategy), for the
           strategy comparison
  tag      one tag-scoped run on the converged backend (--tag, default rds)
  task     cost of one task: N read-only AWS tasks (amazon.aws.ec2_vpc_net_info) against the emulator
           and N kubernetes.core.k8s_info tasks against the Kubernetes stand-in, same backend, same run
  latency  site.yml on a fresh backend whose slow resources (NAT gateways, RDS, ElastiCache, EKS...)
           stay in their creating state for DEFAULT_SECONDS x --latency-scale; the wall time this adds
           (measured inside the run: time in the AWS roles' Wait tasks, minus the same in the plain cold
           run; and, noisier, latency wall minus cold wall) is compared with the longest dependency chain
           of the slow resources the run created (computed from local_backend/aws/latency.py and
           DEPENDENCIES below) and with their serial sum.

Goals (issue 15): re-run <= 45 % of the cold run and foundation+data re-run < 60 s; --tags rds <= 12 % of
the cold run; per-task overhead on the re-run <= 0.35 s; latency-mode wall <= 1.15 x the longest chain.

Results: one JSON file benchmarks/results/bench-<timestamp>.json (not committed); per-task timings of
every run from the task_timings callback beside it (<scenario>-<rep>.json).
`--compare OLD.json` prints every figure old -> new after the run; `--compare OLD.json NEW.json` only
compares two result files.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import resource
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
RESULTS = ROOT / "benchmarks" / "results"
sys.path.insert(0, str(ROOT))

from local_backend.aws.latency import DEFAULT_SECONDS  # noqa: E402

# --------------------------------------------------------------------------------------------------
# The model of slow resources

#: Slow resource kinds (local_backend/aws/latency.py) -> the kinds that must be available before one of
#: them can be created. Only kinds a run created count (a missing prerequisite is ignored).
DEPENDENCIES: dict[str, tuple[str, ...]] = {
    "nat_gateway": (),
    "rds_instance": (),  # an Aurora member instance waits for its cluster; not told apart (see README)
    "rds_cluster": (),
    "elasticache_replication_group": (),
    "elasticache_cache_cluster": (),
    "eks_cluster": (),
    # nodes in private subnets reach the EKS API through the NAT gateways
    "eks_nodegroup": ("eks_cluster", "nat_gateway"),
    # coredns & co. are scheduled on the nodes
    "eks_addon": ("eks_nodegroup",),
}

#: (service, operation) of the request that creates one resource of a slow kind.
CREATE_OPERATIONS: dict[tuple[str, str], str] = {
    ("ec2", "CreateNatGateway"): "nat_gateway",
    ("rds", "CreateDBInstance"): "rds_instance",
    ("rds", "CreateDBCluster"): "rds_cluster",
    ("elasticache", "CreateReplicationGroup"): "elasticache_replication_group",
    ("elasticache", "CreateCacheCluster"): "elasticache_cache_cluster",
    ("eks", "CreateCluster"): "eks_cluster",
    ("eks", "CreateNodegroup"): "eks_nodegroup",
    ("eks", "CreateAddon"): "eks_addon",
}

#: Goals of issue 15: figure name -> (operator, limit); applied to the figure's median.
GOALS: dict[str, tuple[str, float]] = {
    "rerun_ratio": ("<=", 0.45),
    "foundation_data_rerun_s": ("<", 60.0),
    "tag_ratio": ("<=", 0.12),
    "per_task_overhead_s": ("<=", 0.35),
    # latency mode: the wall time the slow resources add (measured inside the run, see README)
    "latency_wait_chain_ratio": ("<=", 1.15),
    "task_cost_k8s_over_aws": ("<=", 1.0),
}

FOUNDATION_DATA_PLAYS = ("Foundation layer", "Data layer")

# --------------------------------------------------------------------------------------------------
# Pure figure computations (tests/unit/test_bench_figures.py)


def summary(values: Sequence[float]) -> dict[str, Any]:
    """Median, min and max of the repetitions (values kept)."""
    if not values:
        raise ValueError("no values")
    return {
        "values": [round(float(v), 4) for v in values],
        "median": round(statistics.median(values), 4),
        "min": round(min(values), 4),
        "max": round(max(values), 4),
    }


def ratios(numerators: Sequence[float], denominators: Sequence[float]) -> list[float]:
    """Per-repetition ratios numerator[i] / denominator[i]."""
    if len(numerators) != len(denominators):
        raise ValueError(f"{len(numerators)} numerators for {len(denominators)} denominators")
    return [n / d for n, d in zip(numerators, denominators, strict=True)]


def verdict(value: float, op: str, limit: float) -> dict[str, Any]:
    """Is ``value op limit`` met? If not, by how much (absolute, and relative to the limit) it is missed."""
    if op == "<=":
        met = value <= limit
    elif op == "<":
        met = value < limit
    else:
        raise ValueError(f"unknown goal operator {op!r}")
    miss = 0.0 if met else value - limit
    return {
        "op": op,
        "limit": limit,
        "met": met,
        "miss": round(miss, 4),
        "miss_pct": round(100.0 * miss / limit, 1) if limit else None,
    }


def figure(label: str, unit: str, values: Sequence[float], goal: tuple[str, float] | None = None) -> dict[str, Any]:
    """One reported figure: its summary and, with a goal, the verdict on the median."""
    out = {"label": label, "unit": unit, **summary(values)}
    if goal is not None:
        out["goal"] = verdict(out["median"], *goal)
    return out


def per_task(wall: float, tasks: int) -> float:
    """Wall seconds per executed task."""
    if tasks <= 0:
        raise ValueError("no task executed")
    return wall / tasks


def tasks_executed(recap: Mapping[str, Mapping[str, int]]) -> int:
    """Task results that ran a module, over all hosts: ok (which already counts the changed ones) + failed;
    skipped ones excluded."""
    return sum(h["ok"] + h["failures"] for h in recap.values())


def play_seconds(timings: Mapping[str, Any], prefixes: Iterable[str]) -> float:
    """Seconds spent in the plays whose name starts with one of ``prefixes`` (task_timings JSON)."""
    prefixes = tuple(prefixes)
    return sum(t["seconds"] for t in timings["tasks"] if t.get("play", "").startswith(prefixes))


def aws_wait_seconds(timings: Mapping[str, Any]) -> float:
    """Seconds spent in the 'Wait' tasks of the AWS roles (aws_*): the waits for slow AWS resources, without
    the Kubernetes readiness gates of the platform layer."""
    return sum(
        t["seconds"]
        for t in timings["tasks"]
        if t["task"].split(" : ")[-1].lower().startswith("wait")
        and str(t.get("role") or "").rsplit(".", 1)[-1].startswith("aws_")
    )


def _task_seconds(timings: Mapping[str, Any]) -> dict[tuple[str, str, int], float]:
    """Seconds of each task of one run, keyed by (role, task name, occurrence): a task that runs twice (a
    role included twice, e.g. the add-on phases) is told apart by the order it ran in."""
    out: dict[tuple[str, str, int], float] = {}
    seen: Counter[tuple[str, str]] = Counter()
    for t in timings["tasks"]:
        key = (str(t.get("role") or ""), str(t["task"]))
        out[(*key, seen[key])] = float(t["seconds"])
        seen[key] += 1
    return out


def latency_added_by_task(
    cold: Mapping[str, Any], latency: Mapping[str, Any], min_seconds: float = 1.0
) -> dict[tuple[str, str, int], float]:
    """Tasks of the AWS roles (aws_*) that took at least `min_seconds` longer in the latency run than the same
    task in the plain cold run, with the seconds added: where the slow resources' creation time was waited for
    on the run's critical path, whatever the task is called (node groups and add-ons wait inside the task that
    creates them). Smaller differences are run-to-run noise."""
    before = _task_seconds(cold)
    added = {}
    for key, seconds in _task_seconds(latency).items():
        if not key[0].rsplit(".", 1)[-1].startswith("aws_"):
            continue
        diff = seconds - before.get(key, 0.0)
        if diff >= min_seconds:
            added[key] = diff
    return added


def slow_wait_seconds(timings: Mapping[str, Any]) -> float:
    """Seconds spent in tasks that wait for slow resources (their names start with 'Wait')."""
    return sum(t["seconds"] for t in timings["tasks"] if t["task"].split(" : ")[-1].lower().startswith("wait"))


def wait_seconds_by_role(timings: Mapping[str, Any]) -> dict[str, float]:
    out: dict[str, float] = {}
    for t in timings["tasks"]:
        if t["task"].split(" : ")[-1].lower().startswith("wait") and t.get("role"):
            out[t["role"]] = out.get(t["role"], 0.0) + t["seconds"]
    return out


def served_seconds(entries: Iterable[Mapping[str, Any]]) -> float:
    """Seconds a backend spent serving the logged requests; Kubernetes watch streams (open while the
    client waits, not work) are left out."""
    total = 0.0
    for e in entries:
        query = str(e.get("query") or "")
        if "watch=1" in query or "watch=true" in query:
            continue
        total += float(e.get("seconds") or 0.0)
    return total


def created_kinds(entries: Iterable[Mapping[str, Any]]) -> Counter[str]:
    """How many resources of each slow kind the AWS request log shows being created."""
    counts: Counter[str] = Counter()
    for e in entries:
        kind = CREATE_OPERATIONS.get((str(e.get("service")), str(e.get("operation"))))
        if kind:
            counts[kind] += 1
    return counts


def longest_chain(
    dependencies: Mapping[str, Sequence[str]], seconds: Mapping[str, float], kinds: Iterable[str], scale: float = 1.0
) -> tuple[float, list[str]]:
    """Longest path (sum of ``seconds[kind] * scale``) through the dependency graph restricted to ``kinds``.

    Returns (seconds, kinds from the first prerequisite to the last dependent); (0.0, []) without kinds."""
    present = set(kinds)
    best: dict[str, tuple[float, list[str]]] = {}
    visiting: set[str] = set()

    def chain(kind: str) -> tuple[float, list[str]]:
        if kind in best:
            return best[kind]
        if kind in visiting:
            raise ValueError(f"dependency cycle through {kind}")
        visiting.add(kind)
        before = [chain(d) for d in dependencies.get(kind, ()) if d in present]
        longest = max(before, key=lambda c: c[0], default=(0.0, []))
        visiting.discard(kind)
        best[kind] = (longest[0] + float(seconds[kind]) * scale, [*longest[1], kind])
        return best[kind]

    return max((chain(k) for k in sorted(present)), key=lambda c: c[0], default=(0.0, []))


def serial_sum(seconds: Mapping[str, float], counts: Mapping[str, int], scale: float = 1.0) -> float:
    """Seconds the slow resources would take one after the other."""
    return sum(float(seconds[k]) * scale * n for k, n in counts.items())


def compare(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Rows old -> new for every figure of either result file (medians; None where one file lacks it)."""
    rows = []
    old_f, new_f = old.get("figures", {}), new.get("figures", {})
    for name in [*new_f, *(k for k in old_f if k not in new_f)]:
        o, n = old_f.get(name), new_f.get(name)
        om = o["median"] if o else None
        nm = n["median"] if n else None
        change = nm - om if om is not None and nm is not None else None
        pct = 100.0 * change / om if change is not None and om else None
        rows.append(
            {
                "name": name,
                "label": (n or o)["label"],
                "unit": (n or o)["unit"],
                "old": om,
                "new": nm,
                "change": None if change is None else round(change, 4),
                "change_pct": None if pct is None else round(pct, 1),
                "goal_met": (n or {}).get("goal", {}).get("met"),
            }
        )
    return rows


def build_figures(
    runs: Mapping[str, list[dict[str, Any]]], latency_scale: float, tag: str = "rds"
) -> dict[str, dict[str, Any]]:
    """All reported figures from the raw runs (lists per scenario, one entry per repetition)."""
    f: dict[str, dict[str, Any]] = {}
    cold = [r["wall"] for r in runs["cold"]]
    rerun = [r["wall"] for r in runs["rerun"]]
    f["cold_s"] = figure("cold run", "s", cold)
    f["rerun_s"] = figure("no-change re-run", "s", rerun)
    f["rerun_ratio"] = figure("re-run / cold", "", ratios(rerun, cold), GOALS["rerun_ratio"])
    if all("cpu" in r for r in runs["cold"] + runs["rerun"]):
        f["cold_cpu_s"] = figure("cold run: CPU of ansible-playbook", "s", [r["cpu"] for r in runs["cold"]])
        f["rerun_cpu_s"] = figure("re-run: CPU of ansible-playbook", "s", [r["cpu"] for r in runs["rerun"]])
    f["foundation_data_rerun_s"] = figure(
        "foundation+data part of the re-run",
        "s",
        [play_seconds(r["timings"], FOUNDATION_DATA_PLAYS) for r in runs["rerun"]],
        GOALS["foundation_data_rerun_s"],
    )
    if runs.get("tag"):
        tag_walls = [r["wall"] for r in runs["tag"]]
        f["tag_s"] = figure(f"--tags {tag} alone", "s", tag_walls)
        f["tag_ratio"] = figure(
            f"--tags {tag} / cold", "", ratios(tag_walls, cold[: len(tag_walls)]), GOALS["tag_ratio"]
        )
    f["rerun_tasks"] = figure("re-run: tasks executed", "", [r["ran"] for r in runs["rerun"]])
    f["per_task_overhead_s"] = figure(
        "re-run: wall per executed task",
        "s",
        [per_task(r["wall"], r["ran"]) for r in runs["rerun"]],
        GOALS["per_task_overhead_s"],
    )
    f["rerun_aws_calls_s"] = figure("re-run: time inside AWS calls", "s", [r["aws_seconds"] for r in runs["rerun"]])
    f["rerun_k8s_calls_s"] = figure(
        "re-run: time inside Kubernetes calls", "s", [r["k8s_seconds"] for r in runs["rerun"]]
    )
    f["per_task_in_calls_s"] = figure(
        "re-run: backend time per executed task",
        "s",
        [per_task(r["aws_seconds"] + r["k8s_seconds"], r["ran"]) for r in runs["rerun"]],
    )
    f["rerun_aws_requests"] = figure("re-run: AWS requests", "", [r["aws_requests"] for r in runs["rerun"]])
    f["rerun_k8s_requests"] = figure("re-run: Kubernetes requests", "", [r["k8s_requests"] for r in runs["rerun"]])
    f["rerun_aws_mutating"] = figure("re-run: mutating AWS calls", "", [r["aws_mutating"] for r in runs["rerun"]])
    f["rerun_k8s_mutating"] = figure(
        "re-run: mutating Kubernetes calls", "", [r["k8s_mutating"] for r in runs["rerun"]]
    )
    if runs.get("linear"):
        linear = [r["wall"] for r in runs["linear"]]
        f["rerun_linear_s"] = figure("re-run, strategy linear", "s", linear)
        f["rerun_mitogen_s"] = figure("re-run, strategy mitogen_linear", "s", rerun)
        f["mitogen_over_linear"] = figure("mitogen_linear / linear", "", ratios(rerun[: len(linear)], linear))
        f["per_task_overhead_linear_s"] = figure(
            "re-run linear: wall per executed task", "s", [per_task(r["wall"], r["ran"]) for r in runs["linear"]]
        )
    if runs.get("task"):
        aws = [c["aws"] for c in runs["task"]]
        k8s = [c["k8s"] for c in runs["task"]]
        f["task_cost_aws_s"] = figure("one AWS read task", "s", aws)
        f["task_cost_k8s_s"] = figure("one Kubernetes read task", "s", k8s)
        f["task_cost_k8s_over_aws"] = figure(
            "Kubernetes / AWS task", "", ratios(k8s, aws), GOALS["task_cost_k8s_over_aws"]
        )
    if runs.get("latency"):
        lat = runs["latency"]
        wall = [r["wall"] for r in lat]
        n = min(len(lat), len(cold))
        extra = [wall[i] - cold[i] for i in range(n)]
        # the same, measured inside the runs (less noisy): time in the AWS roles' Wait tasks with latency minus
        # without (the Kubernetes readiness gates do not depend on the AWS latency model)
        waited = [aws_wait_seconds(lat[i]["timings"]) - aws_wait_seconds(runs["cold"][i]["timings"]) for i in range(n)]
        # every AWS task that grew (the compute layer waits inside its create tasks, not in "Wait" tasks)
        grown = [sum(latency_added_by_task(runs["cold"][i]["timings"], lat[i]["timings"]).values()) for i in range(n)]
        chains = [longest_chain(DEPENDENCIES, DEFAULT_SECONDS, r["created"], latency_scale)[0] for r in lat]
        serials = [serial_sum(DEFAULT_SECONDS, r["created"], latency_scale) for r in lat]
        f["latency_wall_s"] = figure(f"latency mode (scale {latency_scale}): wall", "s", wall)
        f["latency_modelled_s"] = figure("latency mode: wall added to the cold run", "s", extra)
        f["longest_chain_s"] = figure("longest chain of slow resources", "s", chains)
        f["serial_sum_s"] = figure("serial sum of slow resources", "s", serials)
        f["latency_chain_ratio"] = figure("added wall / longest chain", "", ratios(extra, chains[:n]))
        f["latency_serial_ratio"] = figure("added wall / serial sum", "", ratios(extra, serials[:n]))
        f["latency_wait_tasks_s"] = figure(
            "latency mode: time in Wait tasks", "s", [slow_wait_seconds(r["timings"]) for r in lat]
        )
        f["latency_wait_added_s"] = figure("latency mode: AWS Wait-task time added", "s", waited)
        f["latency_task_added_s"] = figure("latency mode: AWS task time added", "s", grown)
        f["latency_wait_chain_ratio"] = figure(
            "added AWS task time / longest chain", "", ratios(grown, chains[:n]), GOALS["latency_wait_chain_ratio"]
        )
        f["latency_wait_serial_ratio"] = figure("added AWS task time / serial sum", "", ratios(grown, serials[:n]))
    return f


def format_value(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "s":
        return f"{value:.2f} s" if abs(value) < 10 else f"{value:.1f} s"
    if float(value).is_integer():
        return f"{value:.0f}"
    return f"{value:.3f}"


def format_goal(fig: Mapping[str, Any]) -> tuple[str, str]:
    goal = fig.get("goal")
    if not goal:
        return "", ""
    text = f"{goal['op']} {format_value(goal['limit'], fig['unit'])}"
    if goal["met"]:
        return text, "met"
    return text, f"MISSED by {format_value(goal['miss'], fig['unit'])} ({goal['miss_pct']:+.0f} %)"


def figure_lines(figures: Mapping[str, Mapping[str, Any]]) -> list[str]:
    lines = [f"{'figure':<44} {'median':>10} {'min-max':>19} {'goal':>10}  verdict"]
    for fig in figures.values():
        span = f"{format_value(fig['min'], fig['unit'])}-{format_value(fig['max'], fig['unit'])}"
        goal, verdict_text = format_goal(fig)
        lines.append(
            f"{fig['label']:<44} {format_value(fig['median'], fig['unit']):>10} {span:>19} {goal:>10}  {verdict_text}"
        )
    return lines


def compare_lines(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    lines = [f"{'figure':<44} {'old':>10} {'new':>10} {'change':>12}"]
    for r in rows:
        change = "-"
        if r["change"] is not None:
            change = f"{r['change']:+.3g}" + (f" ({r['change_pct']:+.0f} %)" if r["change_pct"] is not None else "")
        mark = {True: "  goal met", False: "  goal missed"}.get(r["goal_met"], "")
        lines.append(
            f"{r['label']:<44} {format_value(r['old'], r['unit']):>10} {format_value(r['new'], r['unit']):>10} "
            f"{change:>12}{mark}"
        )
    return lines


# --------------------------------------------------------------------------------------------------
# Running things


def up(state: Path, latency_scale: float) -> dict:
    cmd = [sys.executable, "-m", "local_backend", "up", "--state-dir", str(state), "--postgres"]
    if latency_scale:
        cmd += ["--latency-scale", str(latency_scale)]
    subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True)
    return json.loads((state / "backend.json").read_text())


def down(state: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "local_backend", "down", "--state-dir", str(state)],
        cwd=ROOT,
        check=False,
        capture_output=True,
    )


def _env(state: Path, timings: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k != "ANSIBLE_STRATEGY"}
    env.update(
        {
            "PATH": f"{BIN}:{os.environ.get('PATH', '')}",
            "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"),
            "LOCAL_BACKEND_DIR": str(state),
            "CLOUDOPS_TIMINGS_FILE": str(timings),
        }
    )
    env.update(extra or {})
    return env


def _children_cpu() -> float:
    """User + system CPU seconds of the waited-for child processes so far: ansible-playbook with its forked workers
    and mitogen's interpreter (not the backends, which are not our children). Steadier than wall time on a machine
    whose speed drifts with its host; printed beside the wall times, no goal is set on it."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def play(state: Path, label: str, rep: int, *args: str, env: Mapping[str, str] | None = None) -> dict:
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{label}-{rep}.json"
    t0 = time.monotonic()
    cpu0 = _children_cpu()
    proc = subprocess.run(
        [str(BIN / "ansible-playbook"), "site.yml", "-i", "inventories/local", *args],
        cwd=ROOT,
        env=_env(state, out, env),
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.monotonic() - t0
    cpu = _children_cpu() - cpu0
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-2000:])
        raise SystemExit(f"bench: {label} run {rep} failed (rc={proc.returncode})")
    data = json.loads(out.read_text())
    changed = sum(h["changed"] for h in data["recap"].values())
    return {
        "wall": wall,
        "cpu": cpu,
        "tasks": data["task_count"],
        "ran": tasks_executed(data["recap"]),
        "changed": changed,
        "timings": data,
    }


class Logs:
    """The request logs of one backend (AWS emulator and Kubernetes stand-in)."""

    def __init__(self, state: Path, info: Mapping[str, Any]) -> None:
        import yaml

        self.aws = f"{info['endpoint_url']}/_local/requests"
        kc = yaml.safe_load((state / "kubeconfig").read_text())
        cluster = kc["clusters"][0]["cluster"]
        self.k8s = f"{cluster['server']}/_local/requests"
        self.token = kc["users"][0]["user"]["token"]
        self.ctx = ssl.create_default_context(cadata=base64.b64decode(cluster["certificate-authority-data"]).decode())

    def _aws(self, method: str) -> Any:
        req = urllib.request.Request(self.aws, method=method)  # noqa: S310 - local backend
        with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310
            return json.loads(resp.read())

    def _k8s(self, method: str) -> Any:
        req = urllib.request.Request(self.k8s, method=method, headers={"Authorization": f"Bearer {self.token}"})
        with urllib.request.urlopen(req, context=self.ctx, timeout=30) as resp:  # noqa: S310 - local stand-in
            return json.loads(resp.read())

    def clear(self) -> None:
        self._aws("DELETE")
        self._k8s("DELETE")

    def read(self) -> tuple[list[dict], list[dict]]:
        return self._aws("GET"), self._k8s("GET")["requests"]


def measured_play(
    state: Path, logs: Logs, label: str, rep: int, *args: str, env: Mapping[str, str] | None = None
) -> dict:
    """A play with both request logs cleared before it and summarised after it."""
    from local_backend.aws.requests import mutating

    logs.clear()
    run = play(state, label, rep, *args, env=env)
    aws, k8s = logs.read()
    run.update(
        aws_seconds=served_seconds(aws),
        k8s_seconds=served_seconds(k8s),
        aws_requests=len(aws),
        k8s_requests=len(k8s),
        aws_mutating=len(mutating(aws)),
        k8s_mutating=sum(1 for e in k8s if e.get("mutating")),
        mutating_calls=dict(
            Counter(str(e.get("operation")) for e in mutating(aws))
            + Counter(f"{e['method']} {e['path']}" for e in k8s if e.get("mutating"))
        ),
        created=dict(created_kinds(aws)),
    )
    return run


TASK_COST_PLAYBOOK = """
- name: Cost of one task against each backend
  hosts: aws_account
  gather_facts: false
  module_defaults:
    group/amazon.aws.aws: "{{ platform_aws_connection }}"
  tasks:
    - name: Read the VPCs (AWS emulator)
      amazon.aws.ec2_vpc_net_info:
      loop: "{{ range(n | int) | list }}"
    - name: Read the namespaces (Kubernetes stand-in)
      kubernetes.core.k8s_info:
        kind: Namespace
        kubeconfig: "{{ platform_local_backend_dir }}/kubeconfig"
      loop: "{{ range(n | int) | list }}"
"""


def task_cost(state: Path, n: int) -> dict[str, float]:
    """Seconds per task item for an AWS read and a Kubernetes read, from the task_timings callback."""
    playbook = state / "task_cost.yml"
    playbook.write_text(TASK_COST_PLAYBOOK)
    if not (state / "group_vars").exists():  # beside the playbook, like site.yml: the derived connection
        (state / "group_vars").symlink_to(ROOT / "group_vars")
    out = state / "task_cost.json"
    proc = subprocess.run(
        [str(BIN / "ansible-playbook"), str(playbook), "-i", "inventories/local", "-e", f"n={n}"],
        cwd=ROOT,
        env=_env(state, out),
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-2000:])
        raise SystemExit("bench: the task-cost playbook failed")
    tasks = json.loads(out.read_text())["tasks"]
    cost = {}
    for label, name in (("aws", "Read the VPCs"), ("k8s", "Read the namespaces")):
        cost[label] = sum(t["seconds"] for t in tasks if t["task"].startswith(name)) / n
    return cost


def ansible_core_version() -> str:
    proc = subprocess.run([str(BIN / "ansible-playbook"), "--version"], capture_output=True, text=True, check=False)
    return proc.stdout.splitlines()[0] if proc.stdout else "?"


def run_all(args: argparse.Namespace) -> dict[str, Any]:
    runs: dict[str, list[dict[str, Any]]] = {
        "cold": [],
        "rerun": [],
        "linear": [],
        "tag": [],
        "task": [],
        "latency": [],
    }
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        for rep in range(args.reps):
            state = Path(tmp) / f"plain-{rep}"
            info = up(state, 0)
            try:
                logs = Logs(state, info)
                runs["cold"].append(play(state, "cold", rep))
                for name, env in (("rerun", None), ("linear", {"ANSIBLE_STRATEGY": "linear"})):
                    if name == "linear" and args.no_linear:
                        continue
                    run = measured_play(state, logs, name, rep, env=env)
                    if run["changed"] != 0:
                        raise SystemExit(
                            f"bench: the no-change re-run ({name}) reported changed={run['changed']}, not 0"
                        )
                    runs[name].append(run)
                if args.tag:
                    runs["tag"].append(play(state, f"tag-{args.tag}", rep, "--tags", args.tag))
                runs["task"].append(task_cost(state, 10))
            finally:
                down(state)
        if args.latency_scale > 0:
            for rep in range(args.reps):
                state = Path(tmp) / f"latency-{rep}"
                info = up(state, args.latency_scale)
                try:
                    runs["latency"].append(measured_play(state, Logs(state, info), "latency", rep))
                finally:
                    down(state)
    return runs


def print_report(result: Mapping[str, Any], runs: Mapping[str, list[dict[str, Any]]] | None = None) -> None:
    meta = result["meta"]
    print(
        f"\nsite.yml on the local backend: median of {meta['reps']} (min-max); default strategy "
        f"{meta['strategy']}; {meta['ansible']}; {meta['cpus']} cores, load average "
        f"{meta['load_before']:.2f} before, {meta['load_after']:.2f} after\n"
    )
    for line in figure_lines(result["figures"]):
        print(line)
    if runs and runs.get("rerun"):
        calls = runs["rerun"][len(runs["rerun"]) // 2]["mutating_calls"]
        top = sorted(calls.items(), key=lambda kv: (-kv[1], kv[0]))
        print("\nmutating calls of the no-change re-run: " + (", ".join(f"{k} x{n}" for k, n in top[:12]) or "none"))
        if len(top) > 12:
            print(f"  ... {len(top) - 12} more kinds (all in the results JSON, runs.rerun[].mutating_calls)")
    if runs and runs.get("latency"):
        lat = runs["latency"][len(runs["latency"]) // 2]
        scale = meta["latency_scale"]
        total, path = longest_chain(DEPENDENCIES, DEFAULT_SECONDS, lat["created"], scale)
        created = ", ".join(f"{k} x{n} ({DEFAULT_SECONDS[k] * scale:.0f} s)" for k, n in sorted(lat["created"].items()))
        print(f"\nlatency mode: slow resources created: {created or 'none'}")
        print(f"  longest chain: {' -> '.join(path) or '-'} = {total:.1f} s")
        median = len(runs["latency"]) // 2
        if median < len(runs.get("cold", [])):
            grown = latency_added_by_task(runs["cold"][median]["timings"], lat["timings"])
            print("  AWS tasks that took >= 1 s longer than in the cold run:")
            for (_role, task, _), seconds in sorted(grown.items(), key=lambda kv: -kv[1]):
                print(f"    +{seconds:5.1f} s  {task.split(' : ')[-1][:90]}")
        waits = wait_seconds_by_role(lat["timings"])
        print("  time in Wait tasks by role: " + (", ".join(f"{k} {v:.1f} s" for k, v in sorted(waits.items())) or "-"))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--tag", default="rds", help="tag of the tag-scoped run (default rds; '' skips it)")
    p.add_argument("--latency-scale", type=float, default=0.05, help="0 disables the latency scenario")
    p.add_argument("--no-linear", action="store_true", help="skip the re-run with the stock linear strategy")
    p.add_argument(
        "--compare", nargs="+", metavar="JSON", help="OLD.json: compare this run with it; OLD NEW: only compare"
    )
    args = p.parse_args()
    if args.reps < 1:
        p.error("--reps must be >= 1")
    if args.compare and len(args.compare) > 2:
        p.error("--compare takes OLD.json, or OLD.json NEW.json")
    if args.compare and len(args.compare) == 2:
        old, new = (json.loads(Path(f).read_text()) for f in args.compare)
        print(f"{args.compare[0]} -> {args.compare[1]}")
        for line in compare_lines(compare(old, new)):
            print(line)
        return 0

    load_before = os.getloadavg()[0]
    started = time.strftime("%Y%m%d-%H%M%S")
    runs = run_all(args)
    result = {
        "meta": {
            "started": started,
            "reps": args.reps,
            "tag": args.tag,
            "latency_scale": args.latency_scale,
            "strategy": "mitogen_linear (ansible.cfg)",
            "ansible": ansible_core_version(),
            "cpus": os.cpu_count(),
            "load_before": load_before,
            "load_after": os.getloadavg()[0],
        },
        "figures": build_figures(runs, args.latency_scale, args.tag),
        "runs": {name: [{k: v for k, v in r.items() if k != "timings"} for r in rs] for name, rs in runs.items() if rs},
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"bench-{started}.json"
    path.write_text(json.dumps(result, indent=1))
    print_report(result, runs)
    print(f"\nresults: {path.relative_to(ROOT)}; per-task timings: {RESULTS.relative_to(ROOT)}/<scenario>-<rep>.json")
    if args.compare:
        print(f"\n{args.compare[0]} -> {path.relative_to(ROOT)}")
        for line in compare_lines(compare(json.loads(Path(args.compare[0]).read_text()), result)):
            print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
