"""Unit tests of the foundation list entries (module_utils/foundation_lists.py, list_entries.py): the names
derived from suffix or name, the defaults, and the problems named ``platform_<kind>[i].field``.

Expected names come from the reference inventory (wealist-prod-files-<account>, wealist/prod/<suffix>,
prod/<service>, wealist-prod-s3-endpoint) and the AWS API rules (S3 bucket naming, 30-day minimum
before STANDARD_IA, gateway endpoints only for S3 and DynamoDB)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "collections"))

from ansible_collections.cloudops.eks_platform.plugins.filter.foundation_lists import FilterModule  # noqa: E402
from ansible_collections.cloudops.eks_platform.plugins.module_utils.foundation_lists import (  # noqa: E402
    ecr_repository_problems,
    ecr_repository_specs,
    endpoint_secrets,
    s3_bucket_drift,
    s3_bucket_problems,
    s3_bucket_specs,
    secret_problems,
    secret_specs,
    vpc_endpoint_problems,
    vpc_endpoint_specs,
)

PROD = yaml.safe_load((ROOT / "inventories/prod/group_vars/all/main.yml").read_text())
SOURCES = {
    "rds_instance": [{"suffix": "postgres"}],
    "aurora_cluster": [{"name": "pingvas-prod-pg"}],
    "redis_group": [{"suffix": "redis"}],
}


def test_filters_are_registered() -> None:
    assert set(FilterModule().filters()) == {
        "s3_bucket_specs",
        "s3_bucket_problems",
        "s3_bucket_drift",
        "secret_specs",
        "secret_problems",
        "endpoint_secrets",
        "ecr_repository_specs",
        "ecr_repository_problems",
        "vpc_endpoint_specs",
        "vpc_endpoint_problems",
    }


# ------------------------------------------------------------------------------------------ S3
def test_prod_buckets_keep_their_names_and_settings() -> None:
    buckets = PROD["platform_s3_buckets"]
    assert s3_bucket_problems(buckets, "wealist-prod") == []
    specs = s3_bucket_specs(buckets, "wealist-prod", "123456789012")
    assert [s["name"] for s in specs] == [
        "wealist-prod-files-123456789012",
        "wealist-prod-tempo-traces-123456789012",
        "wealist-prod-loki-logs-123456789012",
    ]
    files, tempo, loki = specs
    assert files["versioning"] is True and tempo["versioning"] is False
    assert {s["encryption"] for s in specs} == {"aws:kms"}
    assert files["lifecycle_rules"][0]["transitions"] == [
        {"transition_days": 90, "storage_class": "standard_ia"},
        {"transition_days": 365, "storage_class": "glacier"},
    ]
    assert files["lifecycle_rules"][1]["noncurrent_expiration_days"] == 30
    # The seed's CORS rule (reference inventory §1.1) on the files bucket only.
    assert files["cors"] == {
        "allowed_origins": ["https://wealist.co.kr", "https://www.wealist.co.kr"],
        "allowed_methods": ["GET", "PUT", "POST", "DELETE", "HEAD"],
        "allowed_headers": ["*"],
        "expose_headers": ["ETag", "Content-Length", "Content-Type"],
        "max_age_seconds": 3600,
    }
    assert tempo["cors"] is None and loki["cors"] is None
    assert tempo["tags"] == {"Component": "observability"}
    assert loki["lifecycle_rules"] == [
        {
            "id": "delete-old-logs",
            "transitions": [],
            "noncurrent_transitions": [],
            "expiration_days": 30,
            "noncurrent_expiration_days": None,
        }
    ]


def test_exact_bucket_name_and_sse_s3() -> None:
    specs = s3_bucket_specs([{"name": "pingvas-assets", "encryption": "s3"}], "pingvas-prod", "123456789012")
    assert specs[0]["name"] == "pingvas-assets"
    assert specs[0]["encryption"] == "AES256"


def test_no_bucket_needs_nothing() -> None:
    assert s3_bucket_problems([], "p-e") == []
    assert s3_bucket_problems(None, "p-e") == []
    assert s3_bucket_specs([], "p-e", "1") == []


@pytest.mark.parametrize(
    ("buckets", "expected"),
    [
        ([{"suffix": "a", "name": "b"}], "platform_s3_buckets[0].name: give exactly one of suffix"),
        ([{}], "platform_s3_buckets[0].suffix: give exactly one of suffix"),
        ([{"suffix": "logs"}, {"name": "p-e-logs-000000000000"}], "platform_s3_buckets[1].name: the name"),
        ([{"suffix": "Files"}], "platform_s3_buckets[0].suffix: gives the bucket name 'p-e-Files-000000000000'"),
        ([{"suffix": "a", "encryption": "sse-c"}], "platform_s3_buckets[0].encryption: must be kms"),
        ([{"suffix": "a", "versionning": True}], "platform_s3_buckets[0].versionning: unknown field"),
        ([{"suffix": "a", "cors": {"origins": []}}], "platform_s3_buckets[0].cors.origins: list at least one"),
        ([{"suffix": "a", "cors": {"origins": ["https://x.io/path"]}}], "platform_s3_buckets[0].cors.origins:"),
        (
            [{"suffix": "a",
              "lifecycle_rules": [{"id": "r", "transitions": [{"days": "90d", "storage_class": "glacier"}]}]}],
            "platform_s3_buckets[0].lifecycle_rules[0].transitions[0].days: expected an integer, got '90d'",
        ),
        (
            [{"suffix": "a", "lifecycle_rules": [{"id": "r", "transitions": [{"storage_class": "glacier"}]}]}],
            "platform_s3_buckets[0].lifecycle_rules[0].transitions[0].days: required",
        ),
        (
            [{"suffix": "a", "lifecycle_rules": [{"id": "r", "noncurrent_expiration_days": "a month"}]}],
            "platform_s3_buckets[0].lifecycle_rules[0].noncurrent_expiration_days: expected an integer, got 'a month'",
        ),
        (
            [{"suffix": "a", "lifecycle_rules": [{"id": "r", "transitions": [{"days": 1, "storage_class": "tape"}]}]}],
            "platform_s3_buckets[0].lifecycle_rules[0].transitions[0].storage_class: must be one of",
        ),
        (
            [
                {
                    "suffix": "a",
                    "lifecycle_rules": [{"id": "r", "expiration_days": 1}, {"id": "r", "expiration_days": 2}],
                }
            ],
            "platform_s3_buckets[0].lifecycle_rules[1].id: 'r' is used by another rule",
        ),
        (
            [{"suffix": "a", "lifecycle_rules": [{"id": "r"}]}],
            "platform_s3_buckets[0].lifecycle_rules[0]: the rule has no action",
        ),
    ],
)
def test_bucket_problems_name_entry_and_field(buckets: list, expected: str) -> None:
    problems = s3_bucket_problems(buckets, "p-e")
    assert any(p.startswith(expected) for p in problems), problems


@pytest.mark.parametrize(
    "rule",
    [
        {"id": "r", "expiration_days": 30, "transitions": [{"days": 90, "storage_class": "glacier"}]},
        {"id": "r", "noncurrent_expiration_days": 10,
         "noncurrent_transitions": [{"days": 10, "storage_class": "glacier"}]},
        {"id": "r", "transitions": [{"days": 10, "storage_class": "standard_ia"}]},
        {"id": "r", "transitions": [{"days": -30, "storage_class": "glacier"}]},
        {"id": "r", "noncurrent_transitions": [{"days": 0, "storage_class": "glacier"}]},
        {"id": "r", "expiration_days": 0, "transitions": [{"days": 30, "storage_class": "standard_ia"},
                                                          {"days": 45, "storage_class": "glacier"}]},
    ],
)
def test_s3s_rules_on_the_numbers_are_left_to_aws_rules(rule: dict) -> None:
    # one line per mistake: S3's rules on days (0 or more, STANDARD_IA after 30 days, expiration after every
    # transition...) are aws_rules.s3_lifecycle_problems' (tests/unit/test_aws_rules.py), not repeated here
    assert s3_bucket_problems([{"suffix": "a", "lifecycle_rules": [rule]}], "p-e") == []


def test_glacier_instant_retrieval_and_deep_archive_are_allowed() -> None:
    rule = {
        "id": "archive",
        "transitions": [{"days": 0, "storage_class": "GLACIER_IR"}, {"days": 180, "storage_class": "deep_archive"}],
        "expiration_days": 3650,
    }
    assert s3_bucket_problems([{"suffix": "a", "lifecycle_rules": [rule]}], "p-e") == []


def _bucket_info(name: str, **over: object) -> dict:
    info = {
        "name": name,
        "bucket_versioning": {"Status": "Enabled"},
        "bucket_encryption": {
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "arn:key"},
                    "BucketKeyEnabled": True,
                }
            ]
        },
        "public_access_block": {
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
        "bucket_ownership_controls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
        "bucket_policy": {"Statement": [{"Sid": "DenyInsecureTransport", "Effect": "Deny"}]},
        "bucket_tagging": {"Project": "p", "Name": name},
        "bucket_lifecycle_configuration": {
            "Rules": [{"ID": "old", "Status": "Enabled", "NoncurrentVersionExpiration": {"NoncurrentDays": 30}}]
        },
        "bucket_cors": {},
    }
    info.update(over)
    return info


def test_drift_is_empty_when_in_sync_and_names_each_setting() -> None:
    entry = {"suffix": "f", "versioning": True, "lifecycle_rules": [{"id": "old", "noncurrent_expiration_days": 30}]}
    spec = s3_bucket_specs([entry], "p-e", "1")[0]
    assert s3_bucket_drift(_bucket_info(spec["name"]), spec, "arn:key", {"Project": "p"}) == []
    changed = _bucket_info(spec["name"], bucket_versioning={}, bucket_lifecycle_configuration={"Rules": []})
    assert s3_bucket_drift(changed, spec, "arn:key", {"Project": "p"}) == ["versioning", "lifecycle rule old"]
    sse_s3 = s3_bucket_specs([dict(entry, encryption="s3")], "p-e", "1")[0]
    assert s3_bucket_drift(_bucket_info(spec["name"]), sse_s3, "", {"Project": "p"}) == ["encryption"]


# ------------------------------------------------------------------------------------- Secrets
def test_prod_secrets_keep_their_names_and_endpoint_secrets_are_placeholders() -> None:
    entries = PROD["platform_secrets"]
    assert secret_problems(entries, "wealist/prod", "platform_secrets", SOURCES) == []
    specs = secret_specs(entries, "wealist/prod")
    assert len(specs) == 12
    assert specs[0]["name"] == "wealist/prod/database/endpoint"
    assert specs[0]["kind"] == "placeholder"
    assert sorted(specs[0]["value"]) == ["host", "password", "username"]
    assert specs[0]["tags"] == {"Name": "wealist/prod/database/endpoint"}
    assert "source" not in specs[0]
    assert sorted(specs[1]["value"]) == ["host"]
    assert [s["name"] for s in endpoint_secrets(entries, "wealist/prod", "redis_group")] == [
        "wealist/prod/redis/endpoint"
    ]


def test_exact_secret_name_and_aurora_reader_source() -> None:
    entries = [
        {
            "name": "pingvas/db-reader",
            "kind": "endpoint",
            "source": {"aurora_cluster": "pingvas-prod-pg", "endpoint": "reader"},
        }
    ]
    assert secret_problems(entries, "pingvas/prod", "platform_secrets", SOURCES) == []
    assert endpoint_secrets(entries, "pingvas/prod") == [
        {
            "name": "pingvas/db-reader",
            "description": None,
            "source_kind": "aurora_cluster",
            "source": "pingvas-prod-pg",
            "endpoint": "reader",
        }
    ]


@pytest.mark.parametrize(
    ("entries", "expected"),
    [
        (
            [{"suffix": "db", "kind": "endpoint", "source": {"rds_instance": "mysql"}}],
            "platform_secrets[0].source.rds_instance: 'mysql' is not an entry of platform_rds_instances",
        ),
        (
            [{"suffix": "db", "kind": "endpoint", "source": {"aurora_cluster": "x"}}],
            "platform_secrets[0].source.aurora_cluster: 'x' is not an entry of platform_aurora_clusters",
        ),
        ([{"suffix": "db", "kind": "endpoint"}], "platform_secrets[0].source: kind endpoint needs source"),
        (
            [{"suffix": "db", "kind": "endpoint", "source": {"redis_group": "redis", "endpoint": "reader"}}],
            "platform_secrets[0].source.endpoint: only an aurora_cluster source",
        ),
        ([{"suffix": "a", "kind": "random"}], "platform_secrets[0].kind: must be one of generated, placeholder"),
        ([{"suffix": "a", "name": "x/a", "kind": "generated"}], "platform_secrets[0].name: give exactly one of suffix"),
        (
            [{"suffix": "a", "kind": "generated"}, {"name": "p/e/a", "kind": "generated"}],
            "platform_secrets[1].name: the name 'p/e/a' is already used by platform_secrets[0]",
        ),
        ([{"suffix": "a b", "kind": "generated"}], "platform_secrets[0] ('p/e/a b'): the name must be"),
        (
            [{"suffix": "a", "kind": "generated", "length": 8}],
            "platform_secrets[0] ('p/e/a'): length must be 16 to 4096",
        ),
        (
            [{"suffix": "a", "kind": "placeholder", "source": {"redis_group": "redis"}}],
            "platform_secrets[0].source: only kind endpoint takes a source",
        ),
    ],
)
def test_secret_problems_name_entry_and_field(entries: list, expected: str) -> None:
    problems = secret_problems(entries, "p/e", "platform_secrets", SOURCES)
    assert any(p.startswith(expected) for p in problems), problems


def test_endpoint_source_without_data_lists_fails() -> None:
    entries = [{"suffix": "redis/endpoint", "kind": "endpoint", "source": {"redis_group": "redis"}}]
    problems = secret_problems(entries, "p/e", "platform_secrets", {})
    assert problems and "platform_redis_groups" in problems[0] and "none" in problems[0]


def test_secret_problems_never_print_a_value() -> None:
    entries = [{"suffix": "a", "kind": "static", "value": "s3cr3t-value", "length": 20}]
    problems = secret_problems(entries, "p/e")
    assert problems and not any("s3cr3t-value" in p for p in problems)


# -------------------------------------------------------------------------------------------- ECR
def test_prod_repositories_keep_environment_slash_service() -> None:
    pattern = PROD["platform_ecr_name_pattern"]
    repos = PROD["platform_ecr_repositories"]
    assert ecr_repository_problems(repos, pattern, "wealist", "prod") == []
    names = [r["name"] for r in ecr_repository_specs(repos, pattern, "wealist", "prod")]
    assert names[0] == "prod/auth-service" and names[-1] == "prod/frontend" and len(names) == 7


def test_default_pattern_includes_the_project_so_two_projects_do_not_collide() -> None:
    pattern = "{project}/{environment}/{service}"
    a = ecr_repository_specs(["api"], pattern, "point", "prod")
    b = ecr_repository_specs(["api"], pattern, "pingvas", "prod")
    assert a[0]["name"] == "point/prod/api" and b[0]["name"] == "pingvas/prod/api"


def test_repository_entry_with_exact_name_and_overrides() -> None:
    specs = ecr_repository_specs([{"name": "shared/base", "image_tag_mutability": "mutable"}], "{service}", "p", "e")
    assert specs == [
        {"name": "shared/base", "image_tag_mutability": "mutable", "scan_on_push": None, "max_image_count": None}
    ]


@pytest.mark.parametrize(
    ("repos", "pattern", "expected"),
    [
        (["Auth"], "{environment}/{service}", "platform_ecr_repositories[0]: gives the repository name 'e/Auth'"),
        (["a", "a"], "{environment}/{service}", "platform_ecr_repositories[1]: the name 'e/a' is already used"),
        (
            [{"service": "a", "name": "b"}],
            "{service}",
            "platform_ecr_repositories[0].name: give exactly one of service",
        ),
        (["a"], "{env}/{service}", "platform_ecr_name_pattern: unknown placeholder(s) ['env']"),
        (["a"], "{project}", "platform_ecr_name_pattern: '{project}' must contain {service}"),
        (
            [{"service": "a", "max_image_count": 0}],
            "{service}",
            "platform_ecr_repositories[0].max_image_count: must be 1",
        ),
    ],
)
def test_repository_problems(repos: list, pattern: str, expected: str) -> None:
    problems = ecr_repository_problems(repos, pattern, "p", "e")
    assert any(p.startswith(expected) for p in problems), problems


# ---------------------------------------------------------------------------------- VPC endpoints
def test_prod_s3_gateway_endpoint_keeps_its_name() -> None:
    specs = vpc_endpoint_specs(PROD["platform_vpc_endpoints"], "wealist-prod", "ap-northeast-2")
    assert specs == [
        {
            "name": "wealist-prod-s3-endpoint",
            "service": "s3",
            "service_name": "com.amazonaws.ap-northeast-2.s3",
            "type": "Gateway",
            "tags": {},
        }
    ]


def test_dynamodb_gateway_and_interface_endpoints() -> None:
    entries = [{"service": "dynamodb"}, {"service": "ecr.api", "type": "interface"}]
    assert vpc_endpoint_problems(entries, "p-e", "eu-west-1") == []
    specs = vpc_endpoint_specs(entries, "p-e", "eu-west-1")
    assert [(s["name"], s["service_name"], s["type"]) for s in specs] == [
        ("p-e-dynamodb-endpoint", "com.amazonaws.eu-west-1.dynamodb", "Gateway"),
        ("p-e-ecr-api-endpoint", "com.amazonaws.eu-west-1.ecr.api", "Interface"),
    ]


@pytest.mark.parametrize(
    ("entries", "expected"),
    [
        ([{"service": "ecr.api", "type": "gateway"}], "platform_vpc_endpoints[0].type: gateway endpoints exist only"),
        ([{"service": "s3", "type": "transit"}], "platform_vpc_endpoints[0].type: must be gateway or interface"),
        ([{"service": "s3"}, {"service": "s3", "type": "interface"}], "platform_vpc_endpoints[1].service: the name"),
        ([{"service": "S3 bucket"}], "platform_vpc_endpoints[0].service: give the service"),
    ],
)
def test_vpc_endpoint_problems(entries: list, expected: str) -> None:
    problems = vpc_endpoint_problems(entries, "p-e", "eu-west-1")
    assert any(p.startswith(expected) for p in problems), problems
