"""``python -m local_backend {up,down,status,serve}``: manage the local AWS backend process.

``up`` starts ``serve`` detached (new session, output to ``DIR/backend.log``), waits until
``GET /_local/health`` answers and writes ``DIR/backend.pid``, ``DIR/backend.env`` (shell exports) and
``DIR/backend.json``. ``down`` stops exactly the PID in ``DIR/backend.pid``. Nothing here imports moto,
so ``up``/``down``/``status`` are fast; ``serve`` imports it after setting
``MOTO_IAM_LOAD_MANAGED_POLICIES=true``. ``up --postgres`` first starts the local PostgreSQL server
(``postgres/server.py``) and hands its port to ``serve``; ``down`` stops exactly that server's PID too.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .kubernetes import process as kprocess
from .postgres import server as postgres
from .postgres.server import pid_alive

PID_FILE = "backend.pid"
ENV_FILE = "backend.env"
JSON_FILE = "backend.json"
LOG_FILE = "backend.log"
PORT_FILE = "backend.port"
HOST = "127.0.0.1"
DEFAULT_REGION = "ap-northeast-2"
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
LATENCY_FLAG_SCALE = 0.05  # = aws/latency.py DEFAULT_LATENCY_FLAG_SCALE, kept here to avoid importing moto
PACKAGE_PARENT = Path(__file__).resolve().parent.parent
ENV_POSTGRES = "LOCAL_BACKEND_POSTGRES"  # 1/true/yes: `up` starts PostgreSQL without --postgres


class CliError(Exception):
    """A failure reported as one line on stderr with exit status 1."""


# --------------------------------------------------------------------------------------------------
# process helpers


def read_pid(state_dir: Path) -> int | None:
    try:
        return int((state_dir / PID_FILE).read_text().strip())
    except (OSError, ValueError):
        return None


def is_backend_process(pid: int) -> bool:
    """True if ``pid`` runs ``local_backend serve`` (guards against PID reuse). Without /proc: assume yes."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return pid_alive(pid)
    args = [part.decode(errors="replace") for part in cmdline]
    return "local_backend" in args and "serve" in args


def health_ok(endpoint_url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(f"{endpoint_url}/_local/health", timeout=timeout) as response:  # noqa: S310
            return response.status == 200 and json.loads(response.read()).get("status") == "ok"
    except (urllib.error.URLError, OSError, ValueError):
        return False


def read_state(state_dir: Path) -> dict[str, Any]:
    try:
        data = json.loads((state_dir / JSON_FILE).read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    tmp.replace(path)


def remove_state(state_dir: Path) -> None:
    for name in (PID_FILE, ENV_FILE, JSON_FILE, PORT_FILE):
        (state_dir / name).unlink(missing_ok=True)


def running_endpoint(state_dir: Path) -> tuple[int, str] | None:
    """(pid, endpoint) of a live, healthy backend recorded in ``state_dir``, else None."""
    pid = read_pid(state_dir)
    url = read_state(state_dir).get("endpoint_url")
    if pid is None or not url or not pid_alive(pid) or not is_backend_process(pid):
        return None
    return (pid, str(url)) if health_ok(str(url)) else None


def stop_pid(pid: int, timeout: float) -> str:
    """SIGTERM, wait up to ``timeout`` s, then SIGKILL. Returns what happened."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return "not running (already gone)"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not pid_alive(pid):
            return "stopped (SIGTERM)"
        time.sleep(0.05)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return "stopped (SIGTERM)"
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and pid_alive(pid):
        time.sleep(0.05)
    return "stopped (SIGKILL after SIGTERM timeout)"


def log_tail(state_dir: Path, lines: int = 20) -> str:
    try:
        return "\n".join((state_dir / LOG_FILE).read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


# --------------------------------------------------------------------------------------------------
# commands


def env_text(endpoint_url: str, region: str) -> str:
    values = {
        "AWS_ENDPOINT_URL": endpoint_url,
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_ACCESS_KEY_ID": CREDENTIALS["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": CREDENTIALS["aws_secret_access_key"],
    }
    return "".join(f"export {key}={shlex.quote(value)}\n" for key, value in values.items())


def cmd_up(args: argparse.Namespace) -> int:
    state_dir: Path = args.state_dir.resolve()
    state_dir.mkdir(parents=True, exist_ok=True)
    found = running_endpoint(state_dir)
    if found:
        if args.postgres and "postgres_pid" not in read_state(state_dir):
            raise CliError(
                f"already running at {found[1]} (pid {found[0]}) without PostgreSQL; run "
                f"'python -m local_backend down --state-dir {state_dir}' first, then up --postgres"
            )
        print(f"already running at {found[1]} (pid {found[0]})")
        return 0
    old_pid = read_pid(state_dir)
    if old_pid is not None and pid_alive(old_pid) and is_backend_process(old_pid):
        raise CliError(
            f"pid {old_pid} from {state_dir / PID_FILE} is a local_backend server that does not answer its health "
            f"check; run 'python -m local_backend down --state-dir {state_dir}' first (log: {state_dir / LOG_FILE})"
        )
    remove_state(state_dir)  # stale files
    if os.environ.get("LOCAL_BACKEND_LATENCY_SECONDS"):
        try:
            json.loads(os.environ["LOCAL_BACKEND_LATENCY_SECONDS"])
        except ValueError as exc:
            raise CliError(f"LOCAL_BACKEND_LATENCY_SECONDS is not valid JSON: {exc}") from exc
    scale = args.latency_scale
    if scale is None:
        scale = float(os.environ.get("LOCAL_BACKEND_LATENCY_SCALE") or 0.0)
    pg = None
    if args.postgres:
        try:
            pg = postgres.start(state_dir, timeout=args.timeout)
        except postgres.PostgresError as exc:
            raise CliError(f"--postgres: {exc}") from exc
    k8s = kprocess.spawn(state_dir) if args.kubernetes else None  # starts while moto imports
    try:
        return _start_serve(args, state_dir, scale, pg, k8s)
    except BaseException:
        if pg is not None:
            postgres.stop(pg.pid, pg.data_dir, timeout=5)
        if k8s is not None:
            kprocess.stop(state_dir, timeout=5)
        raise


def _start_serve(
    args: argparse.Namespace, state_dir: Path, scale: float, pg: postgres.ServerInfo | None, k8s: Any = None
) -> int:
    command = [
        sys.executable,
        "-m",
        "local_backend",
        "serve",
        "--port",
        str(args.port),
        "--state-dir",
        str(state_dir),
        "--latency-scale",
        str(scale),
    ]
    if pg is not None:
        command += ["--postgres-port", str(pg.port), "--postgres-data-dir", str(pg.data_dir)]
    env = dict(os.environ, MOTO_IAM_LOAD_MANAGED_POLICIES="true")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PACKAGE_PARENT), env.get("PYTHONPATH")]))
    with open(state_dir / LOG_FILE, "ab") as log:
        process = subprocess.Popen(  # noqa: S603
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=PACKAGE_PARENT,
            env=env,
            start_new_session=True,
            close_fds=True,
        )
    write_atomic(state_dir / PID_FILE, f"{process.pid}\n")
    deadline = time.monotonic() + args.timeout
    endpoint = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            remove_state(state_dir)
            raise CliError(
                f"the local backend (pid {process.pid}) exited with status {process.returncode} before answering "
                f"its health check; last lines of {state_dir / LOG_FILE}:\n{log_tail(state_dir)}"
            )
        if endpoint is None:
            try:
                endpoint = f"http://{HOST}:{int((state_dir / PORT_FILE).read_text().strip())}"
            except (OSError, ValueError):
                endpoint = None
        if endpoint and health_ok(endpoint, timeout=1.0):
            break
        time.sleep(0.1)
    else:
        what = f"GET {endpoint}/_local/health" if endpoint else f"the server to bind and write {state_dir / PORT_FILE}"
        stop_pid(process.pid, 5)
        remove_state(state_dir)
        raise CliError(
            f"timed out after {args.timeout:g} s waiting for {what} (pid {process.pid}); "
            f"last lines of {state_dir / LOG_FILE}:\n{log_tail(state_dir)}"
        )
    port = int(endpoint.rsplit(":", 1)[1])
    state = {
        "endpoint_url": endpoint,
        "region": args.region,
        **CREDENTIALS,
        "pid": process.pid,
        "port": port,
        "latency_scale": scale,
    }
    if pg is not None:
        state.update(postgres_port=pg.port, postgres_pid=pg.pid, postgres_data_dir=str(pg.data_dir))
    k8s_env = ""
    if k8s is not None:
        try:
            kstate = kprocess.wait_ready(k8s, state_dir, args.timeout)
        except kprocess.KubernetesStartError as exc:
            stop_pid(process.pid, 5)
            remove_state(state_dir)
            raise CliError(str(exc)) from exc
        state.update(kubernetes_url=kstate["url"], kubernetes_port=kstate["port"], kubernetes_pid=kstate["pid"],
                     kubeconfig=kstate["kubeconfig"])
        if kstate.get("chart_repository_url"):  # served by the stand-in's process (kubernetes/charts.py)
            state["chart_repository_url"] = kstate["chart_repository_url"]
        k8s_env = f"export KUBECONFIG={shlex.quote(kstate['kubeconfig'])}\n"
    write_atomic(state_dir / ENV_FILE, env_text(endpoint, args.region) + k8s_env)
    write_atomic(state_dir / JSON_FILE, json.dumps(state, indent=2) + "\n")
    print(endpoint)
    if k8s is not None:
        where = f"{state['kubernetes_url']} (pid {state['kubernetes_pid']}, KUBECONFIG={state['kubeconfig']})"
        print(f"kubernetes at {where}")
        if state.get("chart_repository_url"):
            print(f"chart repository at {state['chart_repository_url']}")
    if pg is not None:
        print(f"postgres at {postgres.HOST}:{pg.port} (pid {pg.pid}, data {pg.data_dir})")
    return 0


def _stop_postgres(state_dir: Path, state: dict[str, Any], timeout: float) -> None:
    """Stop the PostgreSQL server recorded in backend.json, or one still running on STATE_DIR/postgres."""
    if state.get("postgres_pid") is not None:
        pid, data_dir = int(state["postgres_pid"]), Path(state["postgres_data_dir"])
    else:
        data_dir = (state_dir / postgres.DATA_DIRNAME).resolve()
        pid = postgres.postmaster_pid(data_dir)
    if pid is not None:
        print(f"postgres pid {pid}: {postgres.stop(int(pid), data_dir, timeout)}")
    if postgres.discard_fallback(state_dir):
        print(f"postgres: removed the temporary cluster {data_dir}")


def cmd_down(args: argparse.Namespace) -> int:
    state_dir: Path = args.state_dir.resolve()
    state = read_state(state_dir)
    pid = read_pid(state_dir)
    if pid is None:
        print("not running")
    elif not pid_alive(pid):
        print(f"not running (stale pid {pid})")
    elif not is_backend_process(pid):
        print(f"pid {pid} is not a local_backend server (stale pid file); not signalling it")
    else:
        print(f"pid {pid}: {stop_pid(pid, args.timeout)}")
    _stop_postgres(state_dir, state, args.timeout)
    print(f"kubernetes {kprocess.stop(state_dir, args.timeout)}")
    remove_state(state_dir)
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    state_dir: Path = args.state_dir.resolve()
    found = running_endpoint(state_dir)
    if found:
        print(f"running at {found[1]} (pid {found[0]})")
        k8s_line = kprocess.status(state_dir)
        if k8s_line:
            print(k8s_line)
        state = read_state(state_dir)
        if "postgres_pid" in state:
            alive = postgres.status(state["postgres_pid"], Path(state["postgres_data_dir"]))
            where = f"{postgres.HOST}:{state['postgres_port']} (pid {state['postgres_pid']})"
            print(f"postgres {'running at' if alive else 'NOT running, was'} {where}")
            return 0 if alive else 1
        return 0
    print("not running")
    return 1


def cmd_serve(args: argparse.Namespace) -> int:
    os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
    from .aws.server import serve

    return serve(args.host, args.port, args.state_dir, args.latency_scale, args.postgres_port, args.postgres_data_dir)


# --------------------------------------------------------------------------------------------------


def _add_latency(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--latency-scale",
        type=float,
        default=None,
        metavar="F",
        help="creating states last realistic seconds x F (default: env LOCAL_BACKEND_LATENCY_SCALE or 0 = instant)",
    )
    group.add_argument(
        "--latency",
        dest="latency_scale",
        action="store_const",
        const=LATENCY_FLAG_SCALE,
        help=f"latency mode at scale {LATENCY_FLAG_SCALE} (20x faster than AWS)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m local_backend", description="Embedded local AWS backend (moto).")
    sub = parser.add_subparsers(dest="command", required=True)

    up = sub.add_parser("up", help="start the backend in the background and wait until it answers")
    up.add_argument("--state-dir", type=Path, required=True)
    up.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (default 0: a free port)")
    up.add_argument("--region", default=DEFAULT_REGION)
    up.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for the health check (default 30)")
    up.add_argument(
        "--postgres",
        action=argparse.BooleanOptionalAction,
        default=os.environ.get(ENV_POSTGRES, "").lower() in ("1", "true", "yes"),
        help=f"also start a local PostgreSQL server behind RDS postgres instances (default: env {ENV_POSTGRES})",
    )
    up.add_argument(
        "--kubernetes",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also start the local Kubernetes API stand-in and write STATE_DIR/kubeconfig (default: on)",
    )
    _add_latency(up)
    up.set_defaults(func=cmd_up)

    down = sub.add_parser("down", help="stop the backend whose PID is in STATE_DIR/backend.pid")
    down.add_argument("--state-dir", type=Path, required=True)
    down.add_argument("--timeout", type=float, default=10.0, help="seconds between SIGTERM and SIGKILL")
    down.set_defaults(func=cmd_down)

    status = sub.add_parser("status", help="exit 0 if the backend is running and healthy, 1 if not")
    status.add_argument("--state-dir", type=Path, required=True)
    status.set_defaults(func=cmd_status)

    serve = sub.add_parser("serve", help="run the backend in the foreground")
    serve.add_argument("--port", type=int, default=0)
    serve.add_argument("--host", default=HOST)
    serve.add_argument("--state-dir", type=Path, default=None, help="where to write backend.port once bound")
    serve.add_argument("--region", default=DEFAULT_REGION, help="accepted for symmetry with up; clients pick it")
    serve.add_argument("--postgres-port", type=int, default=None, help="port of the local PostgreSQL server (up)")
    serve.add_argument("--postgres-data-dir", type=Path, default=None, help="its data directory (up)")
    _add_latency(serve)
    serve.set_defaults(func=cmd_serve)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except CliError as exc:
        print(f"local_backend {args.command}: {exc}", file=sys.stderr)
        return 1
