"""A local Helm chart repository for the stand-in charts under ``tests/charts/``.

``build_repository(state_dir)`` packages every chart directory (one holding a ``Chart.yaml``) into
``<state_dir>/charts/<name>-<version>.tgz`` the way ``helm package`` lays them out, and writes the
repository's ``index.yaml`` (pure Python: helm is not needed at ``make up`` time). The archives are
reproducible (fixed mtimes and owners, sorted members), so the digests only change with the charts.
``serve(path, port)`` serves that directory over HTTP on 127.0.0.1 from a daemon thread; roles then
use the same ``repository URL + chart + version`` as against the real repositories.
"""

from __future__ import annotations

import datetime as dt
import functools
import gzip
import hashlib
import http.server
import io
import shutil
import tarfile
import threading
from pathlib import Path
from typing import Any

import yaml

CHARTS_SRC = Path(__file__).resolve().parents[2] / "tests" / "charts"
HOST = "127.0.0.1"
EPOCH = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
IGNORED = {"__pycache__", ".helmignore"}


def chart_dirs(source: Path = CHARTS_SRC) -> list[Path]:
    return sorted(path.parent for path in source.glob("*/Chart.yaml"))


def package_chart(chart_dir: Path, dest: Path) -> tuple[dict[str, Any], Path]:
    """Write ``<name>-<version>.tgz`` of ``chart_dir`` into ``dest``; returns (Chart.yaml, path)."""
    meta = yaml.safe_load((chart_dir / "Chart.yaml").read_text())
    name, version = meta["name"], str(meta["version"])
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path in sorted(chart_dir.rglob("*")):
            rel = path.relative_to(chart_dir)
            if not path.is_file() or any(part in IGNORED or part.endswith(".pyc") for part in rel.parts):
                continue
            data = path.read_bytes()
            info = tarfile.TarInfo(f"{name}/{rel.as_posix()}")
            info.size, info.mode, info.mtime = len(data), 0o644, int(EPOCH.timestamp())
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(data))
    target = dest / f"{name}-{version}.tgz"
    # level 6 = the default of Go (helm package): 6x faster than 9 at make-up time, 3% larger
    packed = gzip.compress(buf.getvalue(), compresslevel=6, mtime=0)
    if not target.exists() or target.read_bytes() != packed:
        target.write_bytes(packed)
    return meta, target


def build_repository(state_dir: str | Path, source: Path = CHARTS_SRC) -> Path:
    """Package every chart of ``source`` into ``<state_dir>/charts`` and write its index.yaml."""
    dest = Path(state_dir) / "charts"
    dest.mkdir(parents=True, exist_ok=True)
    entries: dict[str, list[dict[str, Any]]] = {}
    for chart_dir in chart_dirs(source):
        meta, tgz = package_chart(chart_dir, dest)
        entry = {key: meta[key] for key in ("apiVersion", "name", "description", "keywords", "type") if key in meta}
        entry.update(
            {
                "version": str(meta["version"]),
                "appVersion": str(meta.get("appVersion", meta["version"])),
                "created": EPOCH.isoformat().replace("+00:00", "Z"),
                "digest": hashlib.sha256(tgz.read_bytes()).hexdigest(),
                "urls": [tgz.name],
            }
        )
        entries.setdefault(meta["name"], []).append(entry)
    index = {"apiVersion": "v1", "entries": entries, "generated": EPOCH.isoformat().replace("+00:00", "Z")}
    (dest / "index.yaml").write_text(yaml.safe_dump(index, sort_keys=True))
    publish_release_files(dest)
    return dest


# Release files the platform layer fetches by URL (not charts), served at the same paths as upstream's
# GitHub release downloads, e.g. <repository>/gateway-api/releases/download/v1.2.0/standard-install.yaml.
# tests/charts/build.py derives them from a pinned package, like the charts' CRDs (tests/charts/sources.yml).
RELEASE_FILES = CHARTS_SRC / "release-files"


def publish_release_files(dest: Path, source: Path = RELEASE_FILES) -> list[Path]:
    """Copy ``gateway-api-<version>-standard-install.yaml`` files under ``dest`` at their upstream paths."""
    published = []
    for path in sorted(source.glob("gateway-api-*-standard-install.yaml")):
        version = path.name.removeprefix("gateway-api-").removesuffix("-standard-install.yaml")
        target = dest / "gateway-api" / "releases" / "download" / version / "standard-install.yaml"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        published.append(target)
    return published


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass


def serve(path: str | Path, port: int = 0) -> http.server.ThreadingHTTPServer:
    """Serve ``path`` on 127.0.0.1:``port`` (0 = any free port) from a daemon thread.

    The URL is ``f"http://127.0.0.1:{server.server_address[1]}"``; stop with ``server.shutdown()``.
    """
    handler = functools.partial(_QuietHandler, directory=str(path))
    server = http.server.ThreadingHTTPServer((HOST, port), handler)
    threading.Thread(target=server.serve_forever, name="chart-repository", daemon=True).start()
    return server


def url(server: http.server.ThreadingHTTPServer) -> str:
    return f"http://{HOST}:{server.server_address[1]}"
