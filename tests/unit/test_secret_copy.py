"""Unit tests of secretsmanager_secret_copy's pure merge/compare functions (no AWS)."""

from __future__ import annotations

import json
import secrets
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "collections"))

from ansible_collections.cloudops.eks_platform.plugins.modules.secretsmanager_secret_copy import (  # noqa: E402
    build_document,
    changed_keys,
    diff_texts,
    document_string,
    parse_document,
    read_source,
    sensitive_strings,
)

from tests.unit.conftest import aws_client  # noqa: E402

SOURCE = {"username": "wealist_admin", "password": "s3cr3t-Value!", "engine": "postgres"}
FIELDS = {"host": "db.example.internal"}
COPY = {"username": "username", "password": "password"}


def test_build_document_merges_static_and_copied_fields():
    doc, missing = build_document(FIELDS, COPY, SOURCE, None)
    assert doc == {"host": "db.example.internal", "username": "wealist_admin", "password": "s3cr3t-Value!"}
    assert missing == []


def test_copied_fields_may_rename_and_win_over_static_ones():
    doc, _ = build_document({"user": "static"}, {"user": "username"}, SOURCE, None)
    assert doc == {"user": "wealist_admin"}


def test_missing_source_keys_are_reported_by_name_only():
    doc, missing = build_document(FIELDS, {"password": "pass", "token": "token"}, SOURCE, None)
    assert missing == ["pass", "token"]
    assert "password" not in doc
    _, missing = build_document({}, COPY, None, None)
    assert missing == ["password", "username"]


def test_other_keys_of_the_target_are_dropped_unless_kept():
    current = {"host": "old", "username": "u", "password": "p", "port": 5432}
    doc, _ = build_document(FIELDS, COPY, SOURCE, current)
    assert "port" not in doc
    doc, _ = build_document(FIELDS, COPY, SOURCE, current, keep_other_keys=True)
    assert doc["port"] == 5432 and doc["host"] == "db.example.internal"


MANAGED_ARN = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:rds!db-0a1b2c-AbCdEf"


def test_source_arn_key_writes_a_reference_instead_of_a_copy_of_the_password():
    # The endpoint secret of an RDS-managed password: username copied, the password referenced by ARN.
    doc, missing = build_document(
        {"host": "db.internal", "port": 5432},
        {"username": "username"},
        SOURCE,
        None,
        source_arn_key="password_secret_arn",
        source_arn=MANAGED_ARN,
    )
    assert missing == []
    assert doc == {"host": "db.internal", "port": 5432, "username": "wealist_admin", "password_secret_arn": MANAGED_ARN}
    assert SOURCE["password"] not in document_string(doc)


def test_a_password_copied_by_an_older_run_is_removed_and_the_reference_added():
    older = {"host": "db.internal", "port": 5432, "username": "wealist_admin", "password": SOURCE["password"]}
    wanted, _ = build_document(
        {"host": "db.internal", "port": 5432},
        {"username": "username"},
        SOURCE,
        older,
        source_arn_key="password_secret_arn",
        source_arn=MANAGED_ARN,
    )
    assert "password" not in wanted
    assert changed_keys(older, wanted) == ["password", "password_secret_arn"]
    # a re-run with the reference in place changes nothing
    assert changed_keys(dict(wanted), wanted) == []


def test_changed_keys():
    wanted, _ = build_document(FIELDS, COPY, SOURCE, None)
    assert changed_keys(dict(wanted), wanted) == []
    placeholder = {
        "host": "PLACEHOLDER-UPDATE-ME",
        "username": "PLACEHOLDER-UPDATE-ME",
        "password": "PLACEHOLDER-UPDATE-ME",
    }
    assert changed_keys(placeholder, wanted) == ["host", "password", "username"]
    rotated = {**wanted, "password": "old"}
    assert changed_keys(rotated, wanted) == ["password"]
    assert changed_keys({**wanted, "extra": 1}, wanted) == ["extra"]
    assert changed_keys(None, wanted) == ["host", "password", "username"]


def test_key_order_and_formatting_do_not_count():
    wanted, _ = build_document(FIELDS, COPY, SOURCE, None)
    stored = json.dumps(dict(reversed(list(wanted.items()))), indent=2)
    assert changed_keys(parse_document(stored), wanted) == []
    assert document_string(wanted) == json.dumps(wanted, sort_keys=True, separators=(",", ":"))


def test_parse_document():
    assert parse_document('{"a": 1}') == {"a": 1}
    assert parse_document("plain string") is None
    assert parse_document("[1, 2]") is None
    assert parse_document(None) is None


def test_diff_shows_key_names_never_values():
    current = {"host": "PLACEHOLDER-UPDATE-ME", "username": "wealist_admin", "password": "old-Value"}
    wanted, _ = build_document(FIELDS, COPY, SOURCE, current)
    diff = diff_texts(current, wanted, "wealist/prod/database/endpoint")
    text = json.dumps(diff)
    for value in (*current.values(), *wanted.values()):
        assert value not in text
    assert "host: <hidden> (changed)" in diff["after"]
    assert "username: <hidden>\n" in diff["after"]  # unchanged: same line before and after
    assert "username: <hidden>\n" in diff["before"]
    assert "password: <hidden> (changed)" in diff["after"]


def test_sensitive_strings():
    strings = sensitive_strings(SOURCE, {"host": "db.example.internal", "port": 5432}, skip_keys=frozenset({"host"}))
    assert {"wealist_admin", "s3cr3t-Value!", "postgres", "5432"} <= strings
    assert "db.example.internal" not in strings


# --- source_arn_key against the in-process local backend (no value of the source is read) ------------------
class Failed(Exception):
    pass


class Recorder:
    """A boto3 client that records the API methods called."""

    def __init__(self, client: Any) -> None:
        self.client, self.calls = client, []

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.client, name)
        if callable(attr) and not name.startswith("_") and name not in ("get_paginator", "can_paginate"):
            self.calls.append(name)
        return attr


class FakeModule:
    def __init__(self, **params: Any) -> None:
        self.params = {
            "source_secret_id": None,
            "db_instance_identifier": None,
            "db_cluster_identifier": None,
            "copy_fields": {},
            "source_arn_key": None,
            **params,
        }
        self.no_log_values: set[str] = set()

    def fail_json(self, msg: str, **_: Any) -> None:
        raise Failed(msg)

    def fail_json_aws(self, error: Exception, msg: str) -> None:
        raise Failed(f"{msg}: {error}")


def test_source_arn_key_resolves_the_source_without_reading_its_value(local_backend_endpoint: str) -> None:
    sm = aws_client(local_backend_endpoint, "secretsmanager")
    password = secrets.token_urlsafe(16)  # made at run time, compared, never printed
    arn = sm.create_secret(Name="arn-key/source", SecretString=json.dumps({"username": "u", "password": password}))[
        "ARN"
    ]
    recorder = Recorder(sm)
    module = FakeModule(source_secret_id="arn-key/source", source_arn_key="password_secret_arn")
    assert read_source(module, recorder) == (arn, None)
    assert recorder.calls == ["describe_secret"]  # no GetSecretValue
    assert password not in module.no_log_values  # nothing read, nothing to mask

    # with copy_fields the value is read (and masked); the ARN is the same
    module = FakeModule(
        source_secret_id="arn-key/source", source_arn_key="password_secret_arn", copy_fields={"username": "username"}
    )
    source_arn, document = read_source(module, recorder)
    assert source_arn == arn and document is not None and document["username"] == "u"
    assert password in module.no_log_values

    with pytest.raises(Failed, match="The source secret arn-key/missing does not exist"):
        read_source(FakeModule(source_secret_id="arn-key/missing", source_arn_key="k"), Recorder(sm))
    with pytest.raises(Failed, match="source_arn_key need source_secret_id, db_instance_identifier"):
        read_source(FakeModule(source_arn_key="k"), Recorder(sm))
