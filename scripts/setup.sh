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

stamp=.venv/.requirements.sha
want=$(sha256sum requirements.txt | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
  echo "$want" > "$stamp"
  echo "setup: venv packages installed"
else
  echo "setup: venv up to date"
fi
