"""Timings of site.yml on the embedded backend.

Scenarios, each repeated (median reported):
  cold    site.yml on a fresh, empty backend
  rerun   site.yml again right after a converged run; must report changed=0 or the benchmark fails
  tag     one tag-scoped run (--tags s3 by default) on the converged backend
  latency site.yml on a fresh backend whose slow resources (NAT gateways, RDS, ElastiCache, EKS...)
          stay in their creating state for a realistic time scaled down 20x; shows how much of that
          waiting overlaps (the playbook starts slow resources without blocking and waits for them
          together).
  task    cost of one task: N read-only AWS tasks (amazon.aws.ec2_vpc_net_info) against the emulator
          and N kubernetes.core.k8s_info tasks against the Kubernetes stand-in, same backend, same run
Per-task timings from the task_timings callback are saved as JSON under benchmarks/results/.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
RESULTS = ROOT / "benchmarks" / "results"
sys.path.insert(0, str(ROOT))

from local_backend.aws.latency import DEFAULT_SECONDS  # noqa: E402


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


def play(state: Path, label: str, rep: int, *args: str) -> dict:
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{label}-{rep}.json"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
        "PATH": f"{BIN}:{os.environ.get('PATH', '')}",
        "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"),
        "LOCAL_BACKEND_DIR": str(state),
        "CLOUDOPS_TIMINGS_FILE": str(out),
    }
    t0 = time.monotonic()
    proc = subprocess.run(
        [str(BIN / "ansible-playbook"), "site.yml", "-i", "inventories/local", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    wall = time.monotonic() - t0
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-2000:])
        raise SystemExit(f"bench: {label} run {rep} failed (rc={proc.returncode})")
    data = json.loads(out.read_text())
    changed = sum(h["changed"] for h in data["recap"].values())
    ran = sum(h["ok"] + h["changed"] + h["failures"] for h in data["recap"].values())
    return {"wall": wall, "tasks": data["task_count"], "ran": ran, "changed": changed, "timings": data}


def slow_wait_seconds(timings: dict) -> float:
    """Seconds spent in tasks that wait for slow resources (their names start with 'Wait')."""
    return sum(t["seconds"] for t in timings["tasks"] if t["task"].split(" : ")[-1].lower().startswith("wait"))


def play_seconds(timings: dict, prefix: str) -> float:
    """Seconds spent in the plays whose name starts with prefix (e.g. 'Data layer')."""
    return sum(t["seconds"] for t in timings["tasks"] if t.get("play", "").startswith(prefix))


def wait_seconds_by_role(timings: dict) -> dict[str, float]:
    out: dict[str, float] = {}
    for t in timings["tasks"]:
        if t["task"].split(" : ")[-1].lower().startswith("wait") and t.get("role"):
            out[t["role"]] = out.get(t["role"], 0.0) + t["seconds"]
    return out


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
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
        "PATH": f"{BIN}:{os.environ.get('PATH', '')}",
        "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"),
        "LOCAL_BACKEND_DIR": str(state),
        "CLOUDOPS_TIMINGS_FILE": str(out),
    }
    proc = subprocess.run(
        [str(BIN / "ansible-playbook"), str(playbook), "-i", "inventories/local", "-e", f"n={n}"],
        cwd=ROOT,
        env=env,
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


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--tag", default="s3")
    p.add_argument("--latency-scale", type=float, default=0.05, help="0 disables the latency scenario")
    args = p.parse_args()
    if args.reps < 1:
        p.error("--reps must be >= 1")

    results: dict[str, list[dict]] = {"cold": [], "rerun": [], "tag": [], "latency": []}
    costs: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        for rep in range(args.reps):
            state = Path(tmp) / f"plain-{rep}"
            up(state, 0)
            try:
                results["cold"].append(play(state, "cold", rep))
                rerun = play(state, "rerun", rep)
                if rerun["changed"] != 0:
                    raise SystemExit(f"bench: the immediate second run reported changed={rerun['changed']}, not 0")
                results["rerun"].append(rerun)
                results["tag"].append(play(state, f"tag-{args.tag}", rep, "--tags", args.tag))
                costs.append(task_cost(state, 10))
            finally:
                down(state)
        if args.latency_scale > 0:
            for rep in range(args.reps):
                state = Path(tmp) / f"latency-{rep}"
                up(state, args.latency_scale)
                try:
                    results["latency"].append(play(state, "latency", rep))
                finally:
                    down(state)

    print(f"\nsite.yml on the local backend, median of {args.reps} (min-max), ansible-core stock linear strategy\n")
    print(f"{'scenario':<22} {'wall s':>8} {'min-max s':>13} {'tasks':>6} {'changed':>8} {'in wait tasks s':>16}")
    for name, runs in results.items():
        if not runs:
            continue
        walls = [r["wall"] for r in runs]
        label = f"{name} (--tags {args.tag})" if name == "tag" else name
        waits = statistics.median(slow_wait_seconds(r["timings"]) for r in runs)
        print(
            f"{label:<22} {statistics.median(walls):>8.1f} {min(walls):>6.1f}-{max(walls):<6.1f} "
            f"{runs[0]['tasks']:>6} {statistics.median(r['changed'] for r in runs):>8.0f} {waits:>16.1f}"
        )
    if results["latency"] and results["cold"]:
        extra = statistics.median(r["wall"] for r in results["latency"]) - statistics.median(
            r["wall"] for r in results["cold"]
        )
        scale = args.latency_scale
        rds, redis = DEFAULT_SECONDS["rds_instance"] * scale, DEFAULT_SECONDS["elasticache_replication_group"] * scale
        nat = DEFAULT_SECONDS["nat_gateway"] * scale
        data_plain = statistics.median(play_seconds(r["timings"], "Data layer") for r in results["cold"])
        data_lat = statistics.median(play_seconds(r["timings"], "Data layer") for r in results["latency"])
        print(
            f"\nlatency mode (scale {scale}): NAT gateway {nat:.0f} s, RDS instance {rds:.0f} s, "
            f"ElastiCache replication group {redis:.0f} s to become available after creation"
        )
        print(f"  whole run: {extra:+.1f} s over the plain cold run")
        print(
            f"  data layer: {data_plain:.1f} s plain, {data_lat:.1f} s with latency ({data_lat - data_plain:+.1f} s); "
            f"sequential waits would add {rds + redis:.0f} s, fully overlapped ones {max(rds, redis):.0f} s"
        )
        waits = wait_seconds_by_role(results["latency"][len(results["latency"]) // 2]["timings"])
        print("  time in wait tasks by role: " + ", ".join(f"{k} {v:.1f} s" for k, v in sorted(waits.items())))
    if costs:
        aws, k8s = [c["aws"] for c in costs], [c["k8s"] for c in costs]
        print(
            f"\ncost of one task (10 items, median of {len(costs)}): AWS read {statistics.median(aws):.2f} s "
            f"({min(aws):.2f}-{max(aws):.2f}), Kubernetes read {statistics.median(k8s):.2f} s "
            f"({min(k8s):.2f}-{max(k8s):.2f}); goal: Kubernetes <= AWS"
        )
    print(f"\nper-task timings: {RESULTS.relative_to(ROOT)}/<scenario>-<rep>.json")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
