#!/usr/bin/env bash
# make test: every stage runs even if an earlier one failed; the exit code is non-zero if any failed.
# Stages: ansible-lint, yamllint, ruff, syntax-check, pytest, molecule. `scripts/test.sh lint` runs
# only the linters.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
export ANSIBLE_CONFIG="$PWD/ansible.cfg"
export ANSIBLE_NOCOLOR=1 PY_COLORS=0 ANSIBLE_FORCE_COLOR=0

passed=() failed=()
stage() {
  local name=$1; shift
  echo
  echo "=== [$name] $*"
  local t0=$SECONDS
  if "$@"; then passed+=("$name"); echo "=== [$name] passed in $((SECONDS - t0)) s"
  else failed+=("$name"); echo "=== [$name] FAILED in $((SECONDS - t0)) s"; fi
}

syntax_check() {
  local pb rc=0
  for pb in site.yml teardown.yml playbooks/*.yml; do
    for inv in inventories/local inventories/dev inventories/prod; do
      ansible-playbook --syntax-check -i "$inv" "$pb" >/dev/null || { echo "syntax-check failed: $pb -i $inv"; rc=1; }
    done
  done
  [ $rc -eq 0 ] && echo "syntax-check: $(ls site.yml teardown.yml playbooks/*.yml | wc -l) playbooks x 3 inventories ok"
  return $rc
}

stage ansible-lint ansible-lint --profile production
stage yamllint yamllint --strict .
stage ruff ruff check .
stage syntax-check syntax_check
if [ "${1:-}" != lint ]; then
  stage molecule molecule test --all
  # Two workers (the 2-core CI machine); tests of one xdist_group (one shared backend) stay on one
  # worker. The slowest tests are listed at the end.
  stage pytest pytest -p no:cacheprovider -n "${PYTEST_WORKERS:-2}" --dist loadgroup --durations=15 tests
fi

echo
echo "=== make test summary"
for s in "${passed[@]}"; do echo "  passed  $s"; done
for s in "${failed[@]}"; do echo "  FAILED  $s"; done
echo "stages: ${#passed[@]} passed, ${#failed[@]} failed"
[ ${#failed[@]} -eq 0 ]
