"""Migration is safe (issue 7, point 6): the prod inventory builds exactly the AWS resources it built before
the list refactor, so an account built with the old layout converges with changed=0 instead of being
rebuilt.

The old code is commit 26d260b (the last before the data-list refactor), exported from git history into a
temporary directory (`git archive`: read-only on the repository, nothing to clean up in .git). Its
group_vars list platform-layer roles that commit does not have yet; that list is dropped there (the test
runs --tags foundation,data only). On one backend: the OLD code and the OLD inventories/prod build the
foundation and data layers; the resources are read back (resource_dump.py, with ids, names, tags and
settings); the NEW code and the NEW inventories/prod run on the same account: changed=0 and an identical
read-back. Both runs point at the backend through inventories/examples/local_backend_overlay.

Skipped only when the git history does not hold that commit (a shallow clone); CI clones the full history.
"""

from __future__ import annotations

import io
import os
import subprocess
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from . import resource_dump
from .conftest import ROOT, VENV_BIN, Backend, _start_backend, _stop_backend, assert_ok, run_playbook

pytestmark = [pytest.mark.slow]

OLD_COMMIT = "26d260b"
OVERLAY = ROOT / "inventories/examples/local_backend_overlay"
TAGS = ("--tags", "foundation,data")


def _git(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, check=False)


def _export_old_tree(dest: Path) -> Path:
    """The old commit's files in dest (symlinks kept), or skip when history does not have it."""
    if _git("rev-parse", "--verify", "--quiet", f"{OLD_COMMIT}^{{commit}}").returncode != 0:
        pytest.skip(f"git history without commit {OLD_COMMIT} (shallow clone?): the migration test needs the old code")
    archive = _git("archive", "--format=tar", OLD_COMMIT)
    assert archive.returncode == 0, archive.stderr.decode()
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(dest, filter="tar")
    (dest / ".venv").symlink_to(ROOT / ".venv")
    # Drop the layers whose roles that commit does not have (the platform layer was listed before it landed).
    group_vars = dest / "group_vars/all/main.yml"
    values = yaml.safe_load(group_vars.read_text())
    layers = values["platform_layer_roles"]
    for layer, roles in list(layers.items()):
        if any(not (dest / "roles" / role.rsplit(".", 1)[-1]).is_dir() for role in roles):
            del layers[layer]
    group_vars.write_text("---\n" + yaml.safe_dump(values, sort_keys=False, width=1000))
    return dest


def _run_old(old: Path, backend: Backend) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "PATH": f"{VENV_BIN}:{os.environ.get('PATH', '')}",
        "ANSIBLE_CONFIG": str(old / "ansible.cfg"),
        "ANSIBLE_NOCOLOR": "1",
        "LOCAL_BACKEND_DIR": str(backend.state_dir),
        # The old code's playbooks, roles and modules, run by today's execution strategy (mitogen's, whose
        # shim that commit does not have): how tasks are executed does not change what they build.
        "ANSIBLE_STRATEGY_PLUGINS": str(ROOT / "strategy_plugins"),
        "ANSIBLE_STRATEGY": "mitogen_linear",
    }
    for var in (
        "AWS_ENDPOINT_URL",
        "AWS_PROFILE",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "CLOUDOPS_TIMINGS_FILE",
    ):
        env.pop(var, None)
    cmd = [str(VENV_BIN / "ansible-playbook"), "site.yml", "-i", "inventories/prod", "-i", str(OVERLAY), *TAGS]
    return subprocess.run(cmd, cwd=old, env=env, capture_output=True, text=True, timeout=1800)


@pytest.fixture
def pg_backend(tmp_path) -> Iterator[Backend]:
    """With the PostgreSQL server: the per-service databases (tag databases) are part of the data layer."""
    backend = _start_backend(tmp_path / "backend", postgres=True)
    yield backend
    _stop_backend(backend)


def test_prod_inventory_converges_unchanged_on_an_account_built_by_the_old_code(pg_backend: Backend, tmp_path):
    old = _export_old_tree(tmp_path / "old")
    built = _run_old(old, pg_backend)
    assert built.returncode == 0, f"the old code failed:\n{(built.stdout + built.stderr)[-6000:]}"
    before = resource_dump.dump(pg_backend.client)
    # The old code built the prod inventory's resources (else an empty account would trivially compare equal).
    assert [i["name"] for i in before["rds_instance"]] == ["wealist-prod-postgres"]
    assert [i["name"] for i in before["redis_group"]] == ["wealist-prod-redis"]
    assert len(before["s3_bucket"]) == 3 and len(before["ecr_repository"]) == 7

    run = run_playbook(pg_backend, *TAGS, inventories=("inventories/prod", str(OVERLAY)))
    assert_ok(run, changed=0)
    after = resource_dump.dump(pg_backend.client)
    changed = {
        kind: {"before": before[kind], "after": after.get(kind)} for kind in before if before[kind] != after.get(kind)
    }
    assert changed == {}, "the new code changed resources the old code built"
    assert set(after) == set(before)
