"""``python -m local_backend.kubernetes serve``: the local Kubernetes API stand-in in the foreground."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ENV_DELAY = "LOCAL_K8S_READY_DELAY"
ENV_UNREADY = "LOCAL_K8S_UNREADY"
ENV_CONTROLLERS = "LOCAL_K8S_CONTROLLERS"
# Plug-ins loaded unless LOCAL_K8S_CONTROLLERS says otherwise ("" = none): the simulated External Secrets
# Operator (+ EndpointSlices), which the platform layer's readiness gates and ExternalSecrets need, and
# the simulated Argo CD application controller (resources finalizer on delete), which the teardown needs.
DEFAULT_CONTROLLERS = "local_backend.kubernetes.eso,local_backend.kubernetes.argocd"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local_backend.kubernetes")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the Kubernetes API stand-in in the foreground")
    serve.add_argument("--state-dir", type=Path, required=True, help="where kubeconfig and kubernetes.json go")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=0, help="default 0: a free port")
    serve.add_argument(
        "--ready-delay",
        type=float,
        default=float(os.environ.get(ENV_DELAY) or 0.0),
        help=f"seconds before workloads become ready (default: env {ENV_DELAY} or 0)",
    )
    serve.add_argument(
        "--unready",
        action="append",
        default=[x for x in os.environ.get(ENV_UNREADY, "").split(",") if x],
        metavar="NAMESPACE/NAME",
        help=f"fault: keep this Deployment unready (env {ENV_UNREADY})",
    )
    serve.add_argument(
        "--controllers",
        default=os.environ.get(ENV_CONTROLLERS, DEFAULT_CONTROLLERS),
        help=f"comma-separated modules that register extra controllers (env {ENV_CONTROLLERS})",
    )
    serve.add_argument("--nodes", type=int, default=1, help="simulated node count (DaemonSet desired number)")
    serve.add_argument("--region", default=os.environ.get("AWS_REGION", "ap-northeast-2"))
    serve.add_argument(
        "--charts",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also serve the local Helm chart repository of tests/charts over HTTP (default: on)",
    )
    args = parser.parse_args(argv)
    from .server import serve as run

    args.state_dir.mkdir(parents=True, exist_ok=True)
    return run(
        args.host,
        args.port,
        args.state_dir.resolve(),
        args.ready_delay,
        args.unready,
        args.controllers,
        args.nodes,
        args.region,
        args.charts,
    )


if __name__ == "__main__":
    sys.exit(main())
