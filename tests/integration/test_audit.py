"""`make audit` (scripts/audit.py): Prowler, pinned in a virtual environment of its own, on what the roles built.

The first tests check OUR part on findings written here in Prowler's JSON-OCSF shape (the fields the report reads):
which findings are on our resources, which fail the audit, the exit codes, the medium table and the mute list's
form. They assert nothing about Prowler's verdicts. The live audit CI runs is in test_site.py
(test_narrowed_audit_of_the_converged_site_passes), on the site that file converges anyway: Prowler with the
narrowed check list (audit.CI_CHECKS: the issue's critical/high checks and the two emulator artefacts the mute list
must silence); `make audit` runs every check of the services the roles create.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import yaml

from .conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import audit  # noqa: E402

EMULATOR_ACCOUNT = "123456789012"  # moto's fixed account id: the mute list's emulator-only entries live under it


def ocsf(check: str, severity: str, status: str, name: str, *, arn: str = "", tags: dict | None = None,
         kms_tags: bool = False, muted: bool = False) -> dict:  # fmt: skip
    """One finding as Prowler 5 writes it in JSON-OCSF (muted: status "Suppressed", status_code unchanged;
    labels omit aws:* tags; KMS metadata tags are TagKey/TagValue)."""
    tags = tags or {}
    meta_tags = [{"TagKey": k, "TagValue": v} if kms_tags else {"Key": k, "Value": v} for k, v in tags.items()]
    return {
        "metadata": {"event_code": check},
        "severity": severity.capitalize(),
        "status_code": status,
        "status": "Suppressed" if muted else "New",
        "status_id": 3 if muted else 1,
        "status_detail": f"{check} on {name}",
        "resources": [
            {
                "name": name,
                "uid": arn or f"arn:aws:test:ap-northeast-2:{EMULATOR_ACCOUNT}:thing/{name}",
                "labels": [f"{k}:{v}" for k, v in tags.items() if not k.startswith("aws:")],
                "data": {"metadata": {"tags": meta_tags}},
            }
        ],
    }


OURS = {"Project": "wealist", "Environment": "local"}


def owns(item: dict, env: str = "local") -> bool:
    return audit.Scope("wealist", env).owns(audit.parse_ocsf([item])[0])


def test_our_resources_are_told_by_project_tag_name_secret_prefix_and_aws_tags():
    assert owns(ocsf("c", "high", "FAIL", "sg-1", tags={**OURS, "Name": "wealist-local-rds-sg"}))
    assert owns(ocsf("c", "high", "FAIL", "key-1", tags=OURS, kms_tags=True))  # KMS: TagKey / TagValue
    assert not owns(ocsf("c", "high", "FAIL", "sg-2", tags={"Project": "wealist", "Environment": "prod"}))
    assert not owns(ocsf("c", "high", "FAIL", "sg-3", tags={"Project": "other", "Environment": "local"}))
    # Untagged, but named by the naming contract: <project>-<environment>..., <project>/<environment>/...
    assert owns(ocsf("c", "high", "FAIL", "wealist-local-redis-001"))
    assert owns(ocsf("c", "high", "FAIL", "wealist/local/oauth/google"))
    assert not owns(ocsf("c", "high", "FAIL", "wealist-localhost-x"))
    assert not owns(ocsf("c", "high", "FAIL", "wealist/locale/x"))
    # An RDS-managed secret names its instance only in an aws: tag (not in Prowler's labels).
    instance = f"arn:aws:rds:ap-northeast-2:{EMULATOR_ACCOUNT}:db:wealist-local-postgres"
    assert owns(ocsf("c", "high", "FAIL", "rds!db-1", tags={"aws:rds:primaryDBInstanceArn": instance}))
    other = instance.replace("wealist-local-", "wealist-localdev-")
    assert not owns(ocsf("c", "high", "FAIL", "rds!db-2", tags={"aws:rds:primaryDBInstanceArn": other}))
    # Account-level findings (password policy, registry settings) are nobody's resource.
    assert not owns(ocsf("c", "medium", "FAIL", EMULATOR_ACCOUNT, arn=f"arn:aws:iam::{EMULATOR_ACCOUNT}:root"))


def run_report(tmp_path: Path, capsys, items: list[dict], *extra: str) -> tuple[int, str]:
    path = tmp_path / "prowler.ocsf.json"
    path.write_text(json.dumps(items))
    rc = audit.main(["--inventory", "inventories/local", "--report", str(path), *extra])
    out = capsys.readouterr()
    return rc, out.out + out.err


def test_only_unmuted_critical_or_high_fails_on_our_resources_fail_the_audit(tmp_path, capsys):
    quiet = [
        ocsf(
            "rds_instance_certificate_expiration", "critical", "FAIL", "wealist-local-postgres", tags=OURS, muted=True
        ),
        ocsf("rds_instance_multi_az", "medium", "FAIL", "wealist-local-postgres", tags=OURS),
        ocsf("rds_instance_storage_encrypted", "high", "PASS", "wealist-local-postgres", tags=OURS),
        ocsf("iam_password_policy_uppercase", "high", "FAIL", EMULATOR_ACCOUNT),  # not ours
    ]
    rc, out = run_report(tmp_path, capsys, quiet)
    assert rc == 0, out
    assert "AUDIT PASSED" in out
    assert re.search(r"critical\s+MUTED\s+rds_instance_certificate_expiration\s+wealist-local-postgres", out)
    assert re.search(r"total\s+1\s+1\s+1\s+0", out), out  # FAIL MUTED PASS MANUAL on our 3 findings
    assert "1 more on the account itself" in out

    failing = ocsf("secretsmanager_has_restrictive_resource_policy", "high", "FAIL", "wealist/local/app/jwt-secret")
    rc, out = run_report(tmp_path, capsys, [*quiet, failing])
    assert rc == 1, out
    assert (
        "AUDIT FAILED: 1 critical/high FAIL(s) not in the mute list: secretsmanager_has_restrictive_resource_policy x1"
        in out
    )

    # Nothing of ours: a wrong inventory or an empty account must not pass.
    rc, out = run_report(tmp_path, capsys, [quiet[-1]])
    assert rc == 2 and "none of the 1 findings is on a wealist-local resource" in out


def test_markdown_lists_each_medium_fail_once_with_its_note(tmp_path, capsys):
    items = [
        ocsf(
            "s3_bucket_object_versioning",
            "medium",
            "FAIL",
            "b1",
            tags={**OURS, "Name": f"wealist-local-logs-{EMULATOR_ACCOUNT}"},
        ),
        ocsf("s3_bucket_object_versioning", "medium", "FAIL", "b2", tags={**OURS, "Name": "wealist-local-traces"}),
        ocsf("made_up_medium_check", "medium", "FAIL", "wealist-local-vpc"),
        ocsf("secretsmanager_secret_unused", "medium", "FAIL", "wealist/local/x", muted=True),  # muted: not listed
        ocsf("rds_instance_multi_az", "medium", "PASS", "wealist-local-postgres"),  # passes: not listed
    ]
    rc, out = run_report(tmp_path, capsys, items, "--markdown")
    assert rc == 0
    rows = [line for line in out.splitlines() if line.startswith("| `")]
    assert len(rows) == 2, out
    assert rows[0].startswith(
        "| `made_up_medium_check` | `wealist-local-vpc` | 1 | TODO: no note in audit/notes.yaml |"
    )
    assert rows[1].startswith(
        "| `s3_bucket_object_versioning` | `wealist-local-logs-<account>`, `wealist-local-traces` | 2 | Kept"
    )


def test_mute_list_is_prowler_format_and_every_entry_says_why(tmp_path):
    assert audit.check_mutelist(audit.MUTELIST) == []
    doc = yaml.safe_load(audit.MUTELIST.read_text())["Mutelist"]["Accounts"]
    # Emulator artefacts only under moto's account (never on a real account); "*" holds deliberate choices only.
    assert set(doc) == {EMULATOR_ACCOUNT, "*"}
    for account, prefix in ((EMULATOR_ACCOUNT, "Emulator artefact"), ("*", "Deliberate")):
        for check, entry in doc[account]["Checks"].items():
            assert entry["Description"].startswith(prefix), f"{account}/{check}"

    def muted(account: str, check: str, resource: str) -> bool:  # Prowler's matching: re.search, "*" -> ".*"
        entry = doc[account]["Checks"].get(check, {})
        return any(re.search(p.replace("*", ".*"), resource) for p in entry.get("Resources", []))

    rotation = "secretsmanager_automatic_rotation_enabled"
    # by the secret's suffix under any <project>/<environment>/ prefix (the entries are not weAlist's)
    for name in ("wealist/prod/oauth/google", "wealist/local/oauth/argocd", "wealist/prod/notifications/discord",
                 "wealist/prod/app/jwt-secret", "other/prod/oauth/google", "pingvas/dev/redis/auth-token"):  # fmt: skip
        assert muted("*", rotation, name), name
    for name in (
        "wealist/prod/oauth/google-extra",
        "wealist/prod/app/new-secret",
        "oauth/google",
        "rds!db-1",
    ):
        assert not muted("*", rotation, name), name
    policy = "secretsmanager_has_restrictive_resource_policy"
    assert muted("*", policy, "rds!db-1") and not muted("*", policy, "wealist/prod/app/jwt-secret")
    assert muted(EMULATOR_ACCOUNT, rotation, "rds!db-f9afaa04") and muted(EMULATOR_ACCOUNT, rotation, "rds!cluster-1")
    assert not muted(EMULATOR_ACCOUNT, rotation, "wealist/prod/redis/auth-token")

    # Deliberate, by name: only the node role and the AWS Backup role (whose services set no aws:SourceAccount), never
    # the pod identity or cluster roles, which carry the condition and must keep passing.
    deputy = "iam_role_cross_service_confused_deputy_prevention"
    for name in ("wealist-prod-eks-node-role", "pingvas-dev-backup"):
        assert muted("*", deputy, name), name
    for name in ("wealist-prod-external-secrets-pod-identity", "wealist-prod-eks-cluster-role", "wealist-prod-backups",
                 "wealist-prod-eks-node-role-2"):  # fmt: skip
        assert not muted("*", deputy, name), name
    # The S3 gateway endpoint by its Name tag (Prowler matches Tags against "Key=Value | Key=Value"), not others.
    endpoint = doc["*"]["Checks"]["vpc_endpoint_connections_trust_boundaries"]

    def tagged(tags: str) -> bool:
        return all(re.search(p.replace("*", ".*"), tags) for p in endpoint["Tags"])

    assert tagged("Name=wealist-prod-s3-endpoint | Project=wealist")
    assert tagged("Project=wealist | Name=wealist-prod-s3-endpoint")
    assert not tagged("Name=wealist-prod-dynamodb-endpoint | Project=wealist")
    assert not tagged("Name=wealist-prod-s3-endpoint-extra | Project=wealist")
    # No entry is left open: every reason is final.
    assert "OPEN" not in audit.MUTELIST.read_text()

    broken = tmp_path / "mutelist.yaml"
    broken.write_text(
        "Mutelist:\n  Accounts:\n    '*':\n      Checks:\n        some_check:\n          Regions: ['*']\n"
    )
    assert audit.check_mutelist(broken) == [
        f"{broken}: */some_check: Resources must be a non-empty list of strings",
        f"{broken}: */some_check: no Description (every entry says why it is muted)",
    ]
