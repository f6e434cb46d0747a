"""Two platforms in one account (issue 7, point 4): inventories/local and the same inventory with another
project build disjoint resources, and tearing one down leaves the other untouched.

One backend. The first platform is inventories/local (project wealist); the second is inventories/local
with an overlay that only sets another `platform_project` and the default ECR pattern explicitly
(`{project}/{environment}/{service}`: inventories/local keeps weAlist's `{environment}/{service}`, which two
platforms of one environment would share). Both are built at the same time with `--tags foundation,data`;
the test reads every resource back (resource_dump.py: ids, names, tags, settings) and checks that every
resource belongs to one of them, that each built its own full set and that no name is shared; then it tears
the second down (teardown.yml, confirmed by its platform name) and checks that the first is exactly as it
was (same ids, tags, settings, secret versions) and that nothing of the second is left.

The backend runs without its PostgreSQL server and the `databases` tag is skipped: the emulator serves every
RDS instance from one server, where two instances with the same master user would share a role (a gap of
the emulator, not of AWS, whose instances are separate servers). The AWS resources are all built.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from . import resource_dump
from .conftest import ROOT, Backend, _start_backend, _stop_backend, assert_ok, run_playbook

pytestmark = [pytest.mark.slow]

FIRST = yaml.safe_load((ROOT / "inventories/local/group_vars/all/main.yml").read_text())
FIRST_PROJECT = FIRST["platform_project"]
ENVIRONMENT = FIRST["platform_environment"]
SECOND_PROJECT = "otherapp"
PLATFORMS = {FIRST_PROJECT: f"{FIRST_PROJECT}-{ENVIRONMENT}", SECOND_PROJECT: f"{SECOND_PROJECT}-{ENVIRONMENT}"}
TAGS = ("--tags", "foundation,data", "--skip-tags", "databases")


def _overlay(tmp: Path) -> Path:
    """inventories/local + this: another project, the default ECR pattern."""
    overlay = tmp / "second_platform"
    (overlay / "group_vars/all").mkdir(parents=True)
    (overlay / "hosts.yml").write_text("all:\n  children:\n    aws_account: {}\n")
    values = {"platform_project": SECOND_PROJECT, "platform_ecr_name_pattern": "{project}/{environment}/{service}"}
    (overlay / "group_vars/all/main.yml").write_text("---\n" + yaml.safe_dump(values))
    return overlay


@pytest.fixture
def bare_backend(tmp_path) -> Iterator[Backend]:
    backend = _start_backend(tmp_path / "backend", postgres=False)
    yield backend
    _stop_backend(backend)


def _dump(backend: Backend) -> resource_dump.Dump:
    return resource_dump.dump(backend.client)


def _non_empty(d: resource_dump.Dump) -> dict[str, int]:
    return {kind: len(items) for kind, items in d.items() if items}


def test_two_projects_are_disjoint_and_teardown_of_one_leaves_the_other(bare_backend: Backend, tmp_path: Path):
    backend = bare_backend
    second_inventories = ("inventories/local", str(_overlay(tmp_path)))
    # Both built at once (as two teams sharing an account would; half the wall time on two cores).
    with ThreadPoolExecutor(max_workers=2) as pool:
        builds = [
            pool.submit(run_playbook, backend, *TAGS, inventories=inventories, tmp=tmp_path / label)
            for label, inventories in (("first", ("inventories/local",)), ("second", second_inventories))
        ]
        for build in builds:
            assert_ok(build.result())
    both = _dump(backend)
    unowned = {
        kind: [i.get("name") or i.get("id") for i in items if resource_dump.owner(i, kind, PLATFORMS) is None]
        for kind, items in both.items()
    }
    assert {k: v for k, v in unowned.items() if v} == {}, "resources of neither platform"
    first, second = (resource_dump.of_project(both, p, PLATFORMS) for p in (FIRST_PROJECT, SECOND_PROJECT))
    kinds = _non_empty(first)
    # Sanity: the first platform built every kind of the two layers (else the comparisons prove little).
    for kind in ("vpc", "subnet", "nat_gateway", "vpc_endpoint", "kms_key", "s3_bucket", "ecr_repository",
                 "secret", "rds_instance", "redis_group", "cache_subnet_group"):  # fmt: skip
        assert kind in kinds, f"inventories/local built no {kind}"
    # Each built its own full set: nothing adopted from the other, no name shared.
    assert _non_empty(second) == kinds, "the second platform must build as many resources of each kind"
    assert resource_dump.names(first) & resource_dump.names(second) == set()
    second_repos = {r["name"] for r in second["ecr_repository"]}
    assert all(name.startswith(f"{SECOND_PROJECT}/{ENVIRONMENT}/") for name in second_repos), second_repos
    assert second_repos.isdisjoint(r["name"] for r in first["ecr_repository"])

    confirm = ("-e", f"platform_teardown_confirm={PLATFORMS[SECOND_PROJECT]}")
    assert_ok(run_playbook(backend, *confirm, *TAGS, playbook="teardown.yml", inventories=second_inventories))
    after = _dump(backend)
    assert resource_dump.of_project(after, FIRST_PROJECT, PLATFORMS) == first, (
        "teardown of the second platform changed resources of the first"
    )
    left = _non_empty(resource_dump.of_project(after, SECOND_PROJECT, PLATFORMS))
    assert left == {}, f"the second platform's teardown left {left}"
