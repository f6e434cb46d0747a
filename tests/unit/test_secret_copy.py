"""Unit tests of secretsmanager_secret_copy's pure merge/compare functions (no AWS)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "collections"))

from ansible_collections.cloudops.eks_platform.plugins.modules.secretsmanager_secret_copy import (  # noqa: E402
    build_document,
    changed_keys,
    diff_texts,
    document_string,
    parse_document,
    sensitive_strings,
)

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


def test_changed_keys():
    wanted, _ = build_document(FIELDS, COPY, SOURCE, None)
    assert changed_keys(dict(wanted), wanted) == []
    placeholder = {"host": "PLACEHOLDER-UPDATE-ME", "username": "PLACEHOLDER-UPDATE-ME",
                   "password": "PLACEHOLDER-UPDATE-ME"}
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
    strings = sensitive_strings(SOURCE, {"host": "db.example.internal", "port": 5432},
                                skip_keys=frozenset({"host"}))
    assert {"wealist_admin", "s3cr3t-Value!", "postgres", "5432"} <= strings
    assert "db.example.internal" not in strings
