"""Unit tests of k8s_external_secrets' reference resolution (roles/k8s_external_secrets/vars/main.yml).

A '<name>#<property>' mapping whose source secret holds '<property>_secret_arn' (the endpoint secret's
reference to the RDS-managed master secret) must read the referenced secret: remoteRef key = that ARN,
property <property>. The role's own templates are rendered with Ansible's Templar; the Secrets Manager
lookup is replaced by a fake that serves JSON documents by name (no AWS).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "collections"))

from ansible._internal._datatag._tags import TrustedAsTemplate  # noqa: E402
from ansible.parsing.dataloader import DataLoader  # noqa: E402
from ansible.plugins.lookup import LookupBase  # noqa: E402
from ansible.template import Templar  # noqa: E402

ROLE_VARS = ROOT / "roles/k8s_external_secrets/vars/main.yml"
PREFIX = "acme/prod"
MANAGED = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:rds!db-0a1b2c-AbCdEf"
READER = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:rds!cluster-9z8y-XyZ"
DATA = {
    "DB_HOST": "database/endpoint#host",
    "DB_USERNAME": "database/endpoint#username",
    "DB_PASSWORD": "database/endpoint#password",
    "REPLICA_PASSWORD": "replica/endpoint#password",
    "REDIS_HOST": "redis/endpoint#host",
    "JWT_SECRET": "app/jwt-secret",
    "GOOGLE_CLIENT_SECRET": "oauth/google#client_secret",
}


class FakeSecrets(LookupBase):
    """Stands in for amazon.aws.secretsmanager_secret: serves STORE by name, records what was read."""

    STORE: dict[str, str] = {}
    READ: list[str] = []

    def run(self, terms, variables=None, **kwargs):
        assert kwargs.get("on_missing") == "skip" and kwargs.get("on_deleted") == "skip"
        assert kwargs.get("region") == "eu-west-1"  # the role's connection reaches the lookup
        out = []
        for term in terms:
            self.READ.append(term)
            if term in self.STORE:
                out.append(self.STORE[term])
        return out


@pytest.fixture
def fake_lookup(monkeypatch):
    from ansible.plugins import loader as plugin_loader

    real_get = plugin_loader.lookup_loader.get

    def get(name, *args, **kwargs):
        if name == "amazon.aws.secretsmanager_secret":
            return FakeSecrets()
        return real_get(name, *args, **kwargs)

    monkeypatch.setattr(plugin_loader.lookup_loader, "get", get)
    FakeSecrets.STORE = {}
    FakeSecrets.READ = []
    return FakeSecrets


def _templar(**extra) -> Templar:
    loader = DataLoader()
    role_vars = loader.load_from_file(str(ROLE_VARS))
    variables = {k: TrustedAsTemplate().tag(v) if isinstance(v, str) else v for k, v in role_vars.items()}
    variables.update(
        {
            "k8s_external_secrets_prefix": PREFIX,
            "k8s_external_secrets_labels": {},
            "k8s_external_secrets_releases": [],
            "k8s_external_secrets_stores": [{"name": "aws", "region": "eu-west-1"}],
            "k8s_external_secrets_list": [{"name": "shared", "namespace": "apps", "store": "aws", "data": DATA}],
            "k8s_external_secrets_reference_sources": ["database/endpoint", "replica/endpoint", "redis/endpoint"],
            "k8s_external_secrets_aws_connection": {"region": "eu-west-1"},
        }
    )
    variables.update(extra)
    return Templar(loader=loader, variables=variables)


def _render(templar: Templar, name: str):
    return templar.template(TrustedAsTemplate().tag("{{ " + name + " }}"))


def _refs(templar: Templar) -> dict[str, dict]:
    (obj,) = _render(templar, "__k8s_external_secrets_objects")
    return {d["secretKey"]: d["remoteRef"] for d in obj["spec"]["data"]}


def test_only_reference_sources_read_with_a_property_are_looked_up():
    names = _render(_templar(), "__k8s_external_secrets_reference_names")
    assert names == ["database/endpoint", "replica/endpoint", "redis/endpoint"]
    names = _render(
        _templar(k8s_external_secrets_reference_sources=["app/jwt-secret"]), "__k8s_external_secrets_reference_names"
    )
    assert names == []  # app/jwt-secret is mapped without a #property: nothing to redirect


def test_lookup_keeps_only_secrets_manager_arns_of_secret_arn_keys(fake_lookup):
    fake_lookup.STORE = {
        f"{PREFIX}/database/endpoint": json.dumps(
            {"host": "db.internal", "port": 5432, "username": "admin", "password_secret_arn": MANAGED}
        ),
        # a placeholder (never filled by the data layer) and a value that is not a Secrets Manager ARN
        f"{PREFIX}/replica/endpoint": json.dumps(
            {
                "host": "PLACEHOLDER-UPDATE-ME",
                "password_secret_arn": "PLACEHOLDER-UPDATE-ME",
                "username_secret_arn": "arn:aws:s3:::bucket",
            }
        ),
        # redis/endpoint does not exist yet (check mode on an empty account): skipped
    }
    refs = _render(_templar(), "__k8s_external_secrets_reference_lookup")
    assert refs == {"database/endpoint": {"password": MANAGED}}
    assert sorted(fake_lookup.READ) == sorted(
        f"{PREFIX}/{n}" for n in ("database/endpoint", "replica/endpoint", "redis/endpoint")
    )
    # the lookup's other values (host, username) are not kept
    assert "db.internal" not in json.dumps(refs) and "admin" not in json.dumps(refs)


def test_a_password_mapping_of_a_referencing_source_reads_the_managed_secret():
    templar = _templar(
        __k8s_external_secrets_references={
            "database/endpoint": {"password": MANAGED},
            "replica/endpoint": {"password": READER},
        }
    )
    refs = _refs(templar)
    assert refs["DB_PASSWORD"] == {"key": MANAGED, "property": "password"}
    assert refs["REPLICA_PASSWORD"] == {"key": READER, "property": "password"}
    # the other properties of the endpoint secret stay where they are
    assert refs["DB_HOST"] == {"key": f"{PREFIX}/database/endpoint", "property": "host"}
    assert refs["DB_USERNAME"] == {"key": f"{PREFIX}/database/endpoint", "property": "username"}
    assert refs["JWT_SECRET"] == {"key": f"{PREFIX}/app/jwt-secret"}
    assert refs["GOOGLE_CLIENT_SECRET"] == {"key": f"{PREFIX}/oauth/google", "property": "client_secret"}


def test_without_references_every_mapping_reads_its_named_secret():
    refs = _refs(_templar())
    assert refs["DB_PASSWORD"] == {"key": f"{PREFIX}/database/endpoint", "property": "password"}
    assert refs["REPLICA_PASSWORD"] == {"key": f"{PREFIX}/replica/endpoint", "property": "password"}


def test_a_bad_reference_source_name_is_refused_before_any_call():
    problems = _render(
        _templar(k8s_external_secrets_reference_sources=["database/endpoint", "bad name#x"]),
        "__k8s_external_secrets_problems",
    )
    assert problems == [
        'k8s_external_secrets_reference_sources[1] "bad name#x" is not a secret name relative '
        "to k8s_external_secrets_prefix"
    ]
