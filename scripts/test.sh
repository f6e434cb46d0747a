#!/usr/bin/env bash
# make test: every stage runs even if another one failed; the exit code is non-zero if any failed.
# Stages: ansible-lint, yamllint, ruff, syntax-check (the linters), pytest.
# `scripts/test.sh lint` runs only the linters, one after the other.
#
# In a full run, pytest's two workers run in the foreground while the linters run beside them in the
# background; their output is printed, in full, after pytest's, then one summary of every stage and
# pytest's own closing line. molecule's default scenario is covered inside pytest without a second
# converge of the whole site: test_site.py runs its idempotence/check/verify sequence (verify.yml itself)
# on its own converge, test_molecule_scenario.py its syntax, create and destroy steps. `molecule test`
# runs the whole scenario on its own.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
export ANSIBLE_CONFIG="$PWD/ansible.cfg"
export ANSIBLE_NOCOLOR=1 PY_COLORS=0 ANSIBLE_FORCE_COLOR=0

passed=() failed=()
record() {  # record NAME RC SECONDS
  if [ "$2" -eq 0 ]; then passed+=("$1"); echo "=== [$1] passed in $3 s"
  else failed+=("$1"); echo "=== [$1] FAILED in $3 s"; fi
}
stage() {
  local name=$1; shift
  echo
  echo "=== [$name] $*"
  local t0=$SECONDS rc=0
  "$@" || rc=$?
  record "$name" $rc $((SECONDS - t0))
}

syntax_check() {
  # one ansible-playbook per inventory, every playbook at once (its error names the playbook and line)
  local inv rc=0
  for inv in inventories/local inventories/dev inventories/prod; do
    ansible-playbook --syntax-check -i "$inv" site.yml teardown.yml playbooks/*.yml >/dev/null \
      || { echo "syntax-check failed with -i $inv"; rc=1; }
  done
  [ $rc -eq 0 ] && echo "syntax-check: $(ls site.yml teardown.yml playbooks/*.yml | wc -l) playbooks x 3 inventories ok"
  return $rc
}

linters() {
  stage ansible-lint ansible-lint --profile production
  stage yamllint yamllint --strict .
  stage ruff ruff check .
  stage syntax-check syntax_check
}

if [ "${1:-}" = lint ]; then
  linters
else
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  # Background stages write their output and "name rc seconds" lines to files of their own.
  ( linters >"$work/linters.log" 2>&1
    { for s in "${passed[@]}"; do echo "$s 0"; done; for s in "${failed[@]}"; do echo "$s 1"; done; } >"$work/linters.rc" ) &
  lint_pid=$!
  echo
  echo "=== [linters] ansible-lint, yamllint, ruff, syntax-check: in the background, output after pytest's"

  # Two workers (the 2-core CI machine); the tests of one file stay on one worker (--dist loadfile), so
  # a module-scoped backend (one converge shared by a file's tests) is built once, not once per worker.
  # Files are handed out longest first (tests/conftest.py; --no-loadscope-reorder keeps that order instead
  # of xdist's most-tests-first). The slowest tests are listed at the end.
  pytest_cmd=(pytest -p no:cacheprovider -n "${PYTEST_WORKERS:-2}" --dist loadfile --no-loadscope-reorder --durations=15 tests)
  run_pytest() { "${pytest_cmd[@]}" | tee "$work/pytest.log"; return "${PIPESTATUS[0]}"; }
  echo
  echo "=== [pytest] ${pytest_cmd[*]}"
  t0=$SECONDS rc=0
  run_pytest || rc=$?
  record pytest $rc $((SECONDS - t0))

  wait "$lint_pid"
  echo
  echo "=== [linters] output"
  cat "$work/linters.log"
  while read -r name rc _; do
    if [ "$rc" -eq 0 ]; then passed+=("$name"); else failed+=("$name"); fi
  done < <(cat "$work/linters.rc" 2>/dev/null || echo "linters 1 0")
fi

echo
echo "=== make test summary"
for s in "${passed[@]}"; do echo "  passed  $s"; done
for s in "${failed[@]}"; do echo "  FAILED  $s"; done
if [ -f "${work:-/nonexistent}/pytest.log" ]; then
  echo "pytest: $(grep -E '^=+ .*(passed|failed|error).* in [0-9.]+s' "$work/pytest.log" | tail -n 1 | tr -d '=' | xargs)"
fi
echo "stages: ${#passed[@]} passed, ${#failed[@]} failed"
[ ${#failed[@]} -eq 0 ]
