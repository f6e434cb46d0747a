"""elasticache_replication_group end to end against the in-process local backend (no ansible-playbook run): the
module's main() is called in process with its arguments, as Ansible would hand them over.

* a rotated AUTH token in Secrets Manager is applied with ROTATE (both tokens valid), then SET (the old one
  dropped), each run reporting changed, the next one not; no token value in any result;
* a major upgrade creates the new family's parameter group, switches the replication group to it in the same
  ModifyReplicationGroup as the engine version, then deletes the old group - in that order;
* apply_immediately false: the change waits in PendingModifiedValues, a re-run is changed=0 with no second
  modify, and the change lands when the maintenance window opens on the latency clock.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

_COLLECTIONS = str(Path(__file__).resolve().parents[2] / "collections")
if _COLLECTIONS not in sys.path:
    sys.path.insert(0, _COLLECTIONS)

from ansible.module_utils import basic  # noqa: E402

from local_backend.aws import elasticache as emulator  # noqa: E402
from local_backend.aws import latency  # noqa: E402
from local_backend.aws.server import start_in_thread  # noqa: E402

from .conftest import REGION, aws_client  # noqa: E402

ACCOUNT = "123456789012"
TAG = "cloudops:auth-token-version"
TOKEN_A = "first-Token-0123456789abcdef"
TOKEN_B = "second-Token-0123456789abcdef"
WINDOW = "thu:02:00-thu:03:00"


@pytest.fixture(scope="module")
def backend() -> Iterator[Any]:
    handle = start_in_thread(port=0)
    yield handle
    handle.stop()


def run(backend: Any, check: bool = False, **args: Any) -> dict[str, Any]:
    """One module run in process; returns its JSON result."""
    from ansible_collections.cloudops.eks_platform.plugins.modules import elasticache_replication_group as module

    args = dict(args, endpoint_url=backend.endpoint_url, region=REGION, access_key="testing", secret_key="testing",
                wait_timeout=60)
    if check:
        args["_ansible_check_mode"] = True
    basic._ANSIBLE_PROFILE = "legacy"
    basic._ANSIBLE_ARGS = json.dumps({"ANSIBLE_MODULE_ARGS": args}).encode()
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
        module.main()
    return json.loads(out.getvalue())


def age_token(group_id: str) -> None:
    """As if the group's token had been set a minute ago (instead of sleeping past the whole-second dates of
    Secrets Manager versions before rotating the secret)."""
    from moto.elasticache.models import elasticache_backends

    group = elasticache_backends[ACCOUNT][REGION].replication_groups[group_id]
    group.auth_token_last_modified_date -= timedelta(minutes=1)


def mutating(backend: Any) -> list[str]:
    return [e["operation"] for e in backend.requests.entries()
            if e.get("operation") and e["operation"].startswith(("Create", "Modify", "Delete", "Increase",
                                                                   "Decrease", "AddTags", "RemoveTags"))]


def test_a_rotated_auth_token_is_applied_with_rotate_then_set(backend):
    sm, ec = aws_client(backend.endpoint_url, "secretsmanager"), aws_client(backend.endpoint_url, "elasticache")
    sm.create_secret(Name="lc/redis/auth-token", SecretString=TOKEN_A)
    group = {"name": "lc-rotate", "engine": "redis", "engine_version": "7.1", "node_type": "cache.t4g.small",
             "num_cache_clusters": 1, "transit_encryption": True, "auth_token_secret_id": "lc/redis/auth-token",
             "tags": {"Name": "lc-rotate"}, "purge_tags": True}
    created = run(backend, **group)
    assert created["changed"] is True, created
    arn = created["replication_group"]["arn"]
    assert created["replication_group"]["tags"] == {"Name": "lc-rotate"}  # nothing to record outside a rotation
    assert emulator.auth_tokens(ACCOUNT, REGION, "lc-rotate") == [TOKEN_A]
    assert run(backend, **group)["changed"] is False

    age_token("lc-rotate")
    second = sm.put_secret_value(SecretId="lc/redis/auth-token", SecretString=TOKEN_B)["VersionId"]
    planned = run(backend, check=True, **group)
    assert planned["changed"] is True and planned["diff"]["after"]["auth_token"] == f"ROTATE to secret version {second}"
    assert emulator.auth_tokens(ACCOUNT, REGION, "lc-rotate") == [TOKEN_A]  # check mode changed nothing

    backend.requests.clear()
    rotated = run(backend, **group)
    assert rotated["changed"] is True, rotated
    assert emulator.auth_tokens(ACCOUNT, REGION, "lc-rotate") == [TOKEN_A, TOKEN_B]  # both valid meanwhile
    tags = {t["Key"]: t["Value"] for t in ec.list_tags_for_resource(ResourceName=arn)["TagList"]}
    assert tags[TAG].startswith(f"{second}:rotating:") and tags["Name"] == "lc-rotate"
    assert mutating(backend).count("ModifyReplicationGroup") == 1
    assert run(backend, check=True, **group)["diff"]["after"]["auth_token"] == f"SET to secret version {second}"

    finished = run(backend, **group)  # grace 0: the next run finishes the rotation
    assert finished["changed"] is True
    assert emulator.auth_tokens(ACCOUNT, REGION, "lc-rotate") == [TOKEN_B]
    tags = {t["Key"]: t["Value"] for t in ec.list_tags_for_resource(ResourceName=arn)["TagList"]}
    assert tags == {"Name": "lc-rotate"}  # rotation finished: the tag is gone

    backend.requests.clear()
    again = run(backend, **group)
    assert again["changed"] is False and mutating(backend) == []
    for result in (created, planned, rotated, finished, again):
        assert TOKEN_A not in json.dumps(result) and TOKEN_B not in json.dumps(result)


def test_a_rotation_waits_for_the_grace_before_set(backend):
    sm = aws_client(backend.endpoint_url, "secretsmanager")
    sm.create_secret(Name="lc/grace/auth-token", SecretString=TOKEN_A)
    group = {"name": "lc-grace", "engine": "redis", "engine_version": "7.1", "node_type": "cache.t4g.small",
             "transit_encryption": True, "auth_token_secret_id": "lc/grace/auth-token",
             "auth_token_rotation_grace": 3600}
    run(backend, **group)
    age_token("lc-grace")
    sm.put_secret_value(SecretId="lc/grace/auth-token", SecretString=TOKEN_B)
    assert run(backend, **group)["changed"] is True
    assert run(backend, **group)["changed"] is False  # within the grace: the old token stays valid
    assert emulator.auth_tokens(ACCOUNT, REGION, "lc-grace") == [TOKEN_A, TOKEN_B]


def test_a_major_upgrade_creates_switches_then_deletes_the_old_parameter_group(backend):
    ec = aws_client(backend.endpoint_url, "elasticache")
    old = {"name": "lc-upgrade", "engine": "redis", "engine_version": "6.2", "node_type": "cache.t4g.small",
           "cache_parameter_group_name": "lc-upgrade-params-redis6-x",
           "parameter_group": {"parameters": {"maxmemory-policy": "allkeys-lru"}}}
    assert run(backend, **old)["changed"] is True
    family = ec.describe_cache_parameter_groups(CacheParameterGroupName="lc-upgrade-params-redis6-x")
    assert family["CacheParameterGroups"][0]["CacheParameterGroupFamily"] == "redis6.x"  # derived
    new = dict(old, engine_version="7.1", cache_parameter_group_name="lc-upgrade-params-redis7",
               replaced_parameter_groups=["lc-upgrade-params", "lc-upgrade-params-redis6-x"], apply_immediately=True)
    backend.requests.clear()
    upgraded = run(backend, **new)
    assert upgraded["changed"] is True, upgraded
    calls = [c for c in mutating(backend) if not c.startswith(("AddTags", "RemoveTags"))]
    assert calls == ["CreateCacheParameterGroup", "ModifyCacheParameterGroup", "ModifyReplicationGroup",
                     "DeleteCacheParameterGroup"], calls
    member = ec.describe_cache_clusters(CacheClusterId="lc-upgrade-001")["CacheClusters"][0]
    assert (member["EngineVersion"], member["CacheParameterGroup"]["CacheParameterGroupName"]) == (
        "7.1", "lc-upgrade-params-redis7")  # one modify carried both
    assert upgraded["replication_group"]["replaced_parameter_groups_deleted"] == ["lc-upgrade-params-redis6-x"]
    with pytest.raises(ec.exceptions.CacheParameterGroupNotFoundFault):
        ec.describe_cache_parameter_groups(CacheParameterGroupName="lc-upgrade-params-redis6-x")
    backend.requests.clear()
    assert run(backend, **new)["changed"] is False and mutating(backend) == []


def test_apply_immediately_false_waits_for_the_window_without_a_second_modify(backend):
    ec = aws_client(backend.endpoint_url, "elasticache")
    group = {"name": "lc-window", "engine": "redis", "engine_version": "7.0", "node_type": "cache.t4g.small",
             "preferred_maintenance_window": WINDOW}
    run(backend, **group)
    bigger = dict(group, node_type="cache.t4g.medium", engine_version="7.1", apply_immediately=False)
    assert run(backend, **bigger)["changed"] is True
    member = ec.describe_cache_clusters(CacheClusterId="lc-window-001")["CacheClusters"][0]
    assert member["PendingModifiedValues"] == {"EngineVersion": "7.1", "CacheNodeType": "cache.t4g.medium"}
    backend.requests.clear()
    rerun = run(backend, **bigger)  # pending counts as current
    assert rerun["changed"] is False and mutating(backend) == []
    latency.advance(emulator.seconds_until_window(WINDOW) + 60)
    member = ec.describe_cache_clusters(CacheClusterId="lc-window-001")["CacheClusters"][0]
    assert (member["EngineVersion"], member["CacheNodeType"]) == ("7.1", "cache.t4g.medium")
    assert run(backend, **bigger)["changed"] is False


def test_a_group_of_an_older_release_converges_unchanged_and_still_rotates(backend):
    """An account built before the family-named parameter group and the version tag: the unversioned group of the
    same family is kept, the token (set after the secret version was made) is current - changed=0, no write; a
    later rotation of the secret is still detected (its version is newer than the group's token)."""
    sm, ec = aws_client(backend.endpoint_url, "secretsmanager"), aws_client(backend.endpoint_url, "elasticache")
    sm.create_secret(Name="lc/old/auth-token", SecretString=TOKEN_A)
    ec.create_cache_parameter_group(CacheParameterGroupName="lc-old-params", CacheParameterGroupFamily="redis7",
                                    Description="Parameters of lc-old",
                                    Tags=[{"Key": "Name", "Value": "lc-old-params"}])
    ec.create_replication_group(ReplicationGroupId="lc-old", ReplicationGroupDescription="lc-old", Engine="redis",
                                EngineVersion="7.1", CacheNodeType="cache.t4g.small", NumCacheClusters=1,
                                TransitEncryptionEnabled=True, AuthToken=TOKEN_A,
                                CacheParameterGroupName="lc-old-params")
    role_like = {"name": "lc-old", "description": "lc-old", "engine": "redis", "engine_version": "7.1",
                 "node_type": "cache.t4g.small", "num_cache_clusters": 1, "transit_encryption": True,
                 "auth_token_secret_id": "lc/old/auth-token", "cache_parameter_group_name": "lc-old-params-redis7",
                 "parameter_group": {"description": "Parameters of lc-old", "tags": {"Name": "lc-old-params-redis7"}},
                 "replaced_parameter_groups": ["lc-old-params", "lc-old-params-redis6-x", "lc-old-params-valkey8"]}
    backend.requests.clear()
    converged = run(backend, **role_like)
    assert converged["changed"] is False, json.dumps(converged.get("diff"), default=str)
    assert mutating(backend) == []
    assert converged["replication_group"]["parameter_group"]["name"] == "lc-old-params"
    age_token("lc-old")
    sm.put_secret_value(SecretId="lc/old/auth-token", SecretString=TOKEN_B)
    assert run(backend, **role_like)["changed"] is True
    assert emulator.auth_tokens(ACCOUNT, REGION, "lc-old") == [TOKEN_A, TOKEN_B]
