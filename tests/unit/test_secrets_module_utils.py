"""Unit tests of plugins/module_utils/secrets.py (the pure part of secretsmanager_secrets)."""

from __future__ import annotations

import base64
import json
import random
import string
import sys
from pathlib import Path

import pytest

# The checkout's collections/ansible_collections/cloudops/eks_platform links to the repository root.
_COLLECTIONS = str(Path(__file__).resolve().parents[2] / "collections")
if _COLLECTIONS not in sys.path:
    sys.path.insert(0, _COLLECTIONS)

from ansible_collections.cloudops.eks_platform.plugins.module_utils import secrets as su  # noqa: E402

KEY_ARN = "arn:aws:kms:ap-northeast-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
OTHER_KEY_ARN = "arn:aws:kms:ap-northeast-2:123456789012:key/99999999-12ab-34cd-56ef-1234567890ab"
ALIAS = "alias/wealist-local"
TAGS = {"Project": "wealist", "Environment": "local", "ManagedBy": "ansible", "Layer": "foundation"}


def described(name: str = "wealist/local/app/x", **extra) -> dict:
    answer = {
        "ARN": f"arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:{name}-AbCdEf",
        "Name": name,
        "KmsKeyId": KEY_ARN,
        "Description": "d",
        "Tags": [{"Key": k, "Value": v} for k, v in {**TAGS, "Name": name}.items()],
    }
    answer.update(extra)
    return {k: v for k, v in answer.items() if v is not None}


def plan(spec: dict, current: dict | None, kms_match: bool = True, tags: dict | None = None, purge: bool = True):
    wanted = su.wanted_tags(TAGS, {"Name": spec["name"]}) if tags is None else tags
    return su.plan_secret(spec, current, kms_key_id=KEY_ARN, kms_match=kms_match, tags=wanted, purge_tags=purge)


# --- value generation -------------------------------------------------------------------------------


@pytest.mark.parametrize("length", [16, 24, 32, 64, 4096])
def test_generated_plain_has_length_and_alnum_charset(length: int) -> None:
    value, sensitive = su.build_value({"name": "a", "kind": "generated", "length": length})
    assert len(value) == length
    assert set(value) <= set(string.ascii_letters + string.digits)
    assert value in sensitive


def test_generated_has_every_character_class() -> None:
    rng = random.Random(7)
    for _ in range(200):
        plain = su.generate_string(16, special=False, rng=rng)
        assert any(c.islower() for c in plain) and any(c.isupper() for c in plain)
        assert any(c.isdigit() for c in plain)
        assert not set(plain) & set(su.SPECIAL_CHARACTERS)
        special = su.generate_string(24, special=True, rng=rng)
        assert set(special) & set(su.SPECIAL_CHARACTERS)
        assert set(special) <= set(string.ascii_letters + string.digits + su.SPECIAL_CHARACTERS)


def test_generated_values_differ_between_calls() -> None:
    values = {su.build_value({"name": "a", "kind": "generated", "length": 32})[0] for _ in range(50)}
    assert len(values) == 50


def test_default_length_is_32() -> None:
    # The documented default (secretsmanager_secrets: "Default 32"), not the module's constant.
    assert [len(su.build_value({"name": "a"})[0]) for _ in range(5)] == [32] * 5


def test_base64_encoding_decodes_to_random_string_of_length() -> None:
    value, sensitive = su.build_value({"name": "a", "kind": "generated", "length": 64, "encoding": "base64"})
    decoded = base64.b64decode(value, validate=True).decode("ascii")
    assert len(decoded) == 64
    assert set(decoded) <= set(string.ascii_letters + string.digits)
    assert len(value) == 88
    assert decoded in sensitive and value in sensitive


def test_json_key_with_fields_shape() -> None:
    spec = {
        "name": "g",
        "kind": "generated",
        "length": 24,
        "special": True,
        "json_key": "admin_password",
        "json_fields": {"admin_user": "admin"},
    }
    value, sensitive = su.build_value(spec)
    document = json.loads(value)
    assert set(document) == {"admin_user", "admin_password"}
    assert document["admin_user"] == "admin"
    assert len(document["admin_password"]) == 24
    assert set(document["admin_password"]) & set(su.SPECIAL_CHARACTERS)
    assert document["admin_password"] in sensitive
    assert "admin" not in sensitive  # fixed fields are not secret, so they are not masked everywhere


def test_json_key_without_fields() -> None:
    document = json.loads(su.build_value({"name": "s", "json_key": "secretkey", "length": 32})[0])
    assert list(document) == ["secretkey"] and len(document["secretkey"]) == 32


def test_placeholder_dict_becomes_compact_sorted_json() -> None:
    value, _ = su.build_value({"name": "p", "kind": "placeholder", "value": {"host": "H", "a": "B"}})
    assert value == '{"a":"B","host":"H"}'


def test_placeholder_defaults_and_static_string() -> None:
    assert su.build_value({"name": "p", "kind": "placeholder"})[0] == su.PLACEHOLDER == "PLACEHOLDER-UPDATE-ME"
    assert su.build_value({"name": "p", "kind": "static", "value": "fixed"})[0] == "fixed"


# --- validation ---------------------------------------------------------------------------------------


def test_valid_specs_have_no_errors() -> None:
    specs = [
        {"name": "wealist/prod/app/jwt-secret", "kind": "generated", "length": 64, "encoding": "base64"},
        {"name": "wealist/prod/oauth/google", "kind": "placeholder", "value": {"client_id": "x"}},
        {"name": "a.b@c+d=e_f-g", "kind": "static", "value": "v"},
    ]
    assert su.validate_specs(specs) == []


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ({"name": "app/jwt secret"}, "name must be"),
        ({"name": ""}, "name must be"),
        ({"name": "a", "kind": "generated", "length": 15}, "length must be 16 to 4096"),
        ({"name": "a", "kind": "generated", "length": 4097}, "length must be 16 to 4096"),
        ({"name": "a", "kind": "weird"}, "kind must be one of"),
        ({"name": "a", "kind": "generated", "json_fields": {"u": "x"}}, "json_fields needs json_key"),
        ({"name": "a", "kind": "generated", "json_key": "u", "json_fields": {"u": "x"}}, "json_key must not"),
        ({"name": "a", "kind": "generated", "value": "x"}, "value is only for"),
        ({"name": "a", "kind": "placeholder", "length": 32}, "length only apply to kind generated"),
        ({"name": "a", "kind": "static"}, "kind static needs a value"),
        ({"name": "a", "kind": "static", "value": 3}, "string or a dict"),
    ],
)
def test_invalid_specs_are_reported(spec: dict, fragment: str) -> None:
    errors = su.validate_specs([spec])
    assert len(errors) == 1 and fragment in errors[0], errors


def test_duplicate_names_and_absent_ignores_kind_options() -> None:
    assert "listed twice" in su.validate_specs([{"name": "a"}, {"name": "a"}])[0]
    assert su.validate_specs([{"name": "a", "kind": "placeholder", "length": 3}], state="absent") == []
    assert su.validate_specs([{"name": "a b"}], state="absent") != []


def test_errors_never_contain_a_value() -> None:
    errors = su.validate_specs([{"name": "a", "kind": "generated", "value": "TOP-SECRET-VALUE"}])
    assert errors and "TOP-SECRET-VALUE" not in " ".join(errors)


@pytest.mark.parametrize(("days", "ok"), [(0, True), (7, True), (30, True), (6, False), (31, False), (-1, False)])
def test_recovery_window(days: int, ok: bool) -> None:
    assert (su.validate_recovery_window(days) == []) is ok


# --- current state, kms and tags -------------------------------------------------------------------


def test_current_state_reduces_describe_answer() -> None:
    assert su.current_state(None) is None
    state = su.current_state(described(DeletedDate="2026-01-01"))
    assert state["scheduled_for_deletion"] is True
    assert state["tags"]["Name"] == "wealist/local/app/x"
    assert state["kms_key_id"] == KEY_ARN
    assert su.current_state(described(KmsKeyId=None))["kms_key_id"] is None


def test_wanted_tags_merge_and_unmanaged() -> None:
    assert su.wanted_tags(None, None) is None
    assert su.wanted_tags({"A": "1", "Name": "x"}, {"Name": "y"}) == {"A": "1", "Name": "y"}
    assert su.wanted_tags({"N": 3}, None) == {"N": "3"}


# --- plans ---------------------------------------------------------------------------------------------


def test_plan_create_for_missing_secret() -> None:
    spec = {"name": "wealist/local/app/x", "description": "d", "kind": "generated"}
    result = plan(spec, None)
    assert result["changes"] == ["create"]
    assert result["kms_key_id"] == KEY_ARN
    assert result["tags_to_set"]["Name"] == "wealist/local/app/x"
    assert result["description"] == "d"


def test_plan_no_op_for_converged_secret() -> None:
    spec = {"name": "wealist/local/app/x", "description": "d", "kind": "placeholder", "value": {"h": "PLACEHOLDER"}}
    assert plan(spec, su.current_state(described()))["changes"] == []


def test_plan_update_kms_only() -> None:
    spec = {"name": "wealist/local/app/x", "description": "d"}
    result = plan(spec, su.current_state(described(KmsKeyId=OTHER_KEY_ARN)), kms_match=False)
    assert result["changes"] == ["kms_key_id"]
    assert result["kms_key_id"] == KEY_ARN and result["description"] is None
    assert result["tags_to_set"] == {} and result["tags_to_unset"] == []


def test_plan_update_tags_with_and_without_purge() -> None:
    spec = {"name": "wealist/local/app/x", "description": "d"}
    current = su.current_state(described(Tags=[{"Key": "Project", "Value": "old"}, {"Key": "Extra", "Value": "e"}]))
    purged = plan(spec, current)
    assert purged["changes"] == ["tags"]
    assert purged["tags_to_unset"] == ["Extra"]
    assert purged["tags_to_set"]["Project"] == "wealist" and purged["tags_to_set"]["Name"] == spec["name"]
    kept = plan(spec, current, purge=False)
    assert kept["tags_to_unset"] == []


def test_plan_description_and_unmanaged_description() -> None:
    current = su.current_state(described())
    assert plan({"name": "wealist/local/app/x", "description": "new"}, current)["changes"] == ["description"]
    assert plan({"name": "wealist/local/app/x"}, current)["changes"] == []
    no_description = su.current_state(described(Description=None))
    assert plan({"name": "wealist/local/app/x", "description": ""}, no_description)["changes"] == []


def test_plan_restores_secret_scheduled_for_deletion() -> None:
    current = su.current_state(described(DeletedDate="2026-01-01"))
    result = plan({"name": "wealist/local/app/x", "description": "d"}, current)
    assert result["changes"] == ["restore"]
    after = su.state_after(current, result)
    assert after["scheduled_for_deletion"] is False


def test_plan_absent() -> None:
    live = su.current_state(described())
    gone = su.current_state(described(DeletedDate="2026-01-01"))
    assert su.plan_absent(None, 7)["changes"] == []
    assert su.plan_absent(live, 7) == {"changes": ["delete"], "force": False}
    assert su.plan_absent(live, 0) == {"changes": ["delete"], "force": True}
    assert su.plan_absent(gone, 7)["changes"] == []
    assert su.plan_absent(gone, 0) == {"changes": ["delete"], "force": True}


def test_value_never_part_of_plan_diff_or_result() -> None:
    """Build a real value, plan a create and an update, and search every output shape for it."""
    spec = {
        "name": "wealist/local/monitoring/grafana",
        "kind": "generated",
        "length": 24,
        "special": True,
        "json_key": "admin_password",
        "json_fields": {"admin_user": "admin"},
    }
    value, sensitive = su.build_value(spec)
    placeholder = {"name": "wealist/local/oauth/google", "kind": "placeholder", "value": {"client_secret": "S3cr3t-Vv"}}
    outputs = []
    for wanted in (spec, placeholder):
        for current in (None, su.current_state(described(wanted["name"], KmsKeyId=OTHER_KEY_ARN))):
            p = plan(wanted, current, kms_match=current is None)
            after = su.state_after(current, p)
            outputs += [p, su.diff_entry(current), su.diff_entry(after), su.result_entry(after, p)]
    text = json.dumps(outputs)
    for secret in [*sensitive, value, "S3cr3t-Vv"]:
        assert secret not in text
    assert "value" not in {key for item in outputs if item for key in item}


def test_state_after_and_result_entry() -> None:
    current = su.current_state(described(Tags=[{"Key": "Old", "Value": "x"}]))
    p = plan({"name": "wealist/local/app/x", "description": "d2"}, current, kms_match=False)
    after = su.state_after(current, p)
    assert after["description"] == "d2" and after["kms_key_id"] == KEY_ARN
    assert "Old" not in after["tags"] and after["tags"]["Name"] == "wealist/local/app/x"
    entry = su.result_entry(after, p)
    assert entry["updated"] is True and entry["created"] is False and entry["restored"] is False
    assert entry["changes"] == ["description", "kms_key_id", "tags"]
    assert su.diff_entry(after)["tags"] == dict(sorted(after["tags"].items()))
    created = su.result_entry(su.state_after(None, plan({"name": "n"}, None)), plan({"name": "n"}, None))
    assert created["created"] is True and created["updated"] is False and created["arn"] is None
