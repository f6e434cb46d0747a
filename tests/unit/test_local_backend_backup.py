"""The AWS Backup gaps the local backend fills (local_backend/aws/backup.py), driven through boto3. Expected values
are the shapes of botocore's ``backup`` model and the rules the AWS Backup API reference states."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from .conftest import aws_client

ROLE = "arn:aws:iam::123456789012:role/backup-role"
DB = "arn:aws:rds:ap-northeast-2:123456789012:db:shop-postgres"
CLUSTER = "arn:aws:rds:ap-northeast-2:123456789012:cluster:shop-aurora"


@pytest.fixture(scope="module")
def backup(local_backend_endpoint):
    return aws_client(local_backend_endpoint, "backup")


def _plan(backup, name: str, vault: str = "v-plans") -> str:
    return backup.create_backup_plan(BackupPlan={
        "BackupPlanName": name,
        "Rules": [{"RuleName": name, "TargetBackupVaultName": vault, "ScheduleExpression": "cron(0 18 * * ? *)",
                   "StartWindowMinutes": 60, "CompletionWindowMinutes": 1440, "Lifecycle": {"DeleteAfterDays": 7}}],
    })["BackupPlanId"]


def _code(err: pytest.ExceptionInfo[ClientError]) -> str:
    return err.value.response["Error"]["Code"]


def test_selection_round_trip_list_get_delete(backup):
    plan_id = _plan(backup, "sel-round-trip")
    created = backup.create_backup_selection(
        BackupPlanId=plan_id,
        BackupSelection={"SelectionName": "stores", "IamRoleArn": ROLE, "Resources": [DB, CLUSTER]},
        CreatorRequestId="req-1",
    )
    assert created["BackupPlanId"] == plan_id and created["SelectionId"] and created["CreationDate"]
    listed = backup.list_backup_selections(BackupPlanId=plan_id)["BackupSelectionsList"]
    assert [(s["SelectionId"], s["SelectionName"], s["IamRoleArn"], s["CreatorRequestId"]) for s in listed] == [
        (created["SelectionId"], "stores", ROLE, "req-1")]
    got = backup.get_backup_selection(BackupPlanId=plan_id, SelectionId=created["SelectionId"])
    assert got["BackupSelection"] == {
        "SelectionName": "stores", "IamRoleArn": ROLE, "Resources": [DB, CLUSTER], "ListOfTags": [],
        "NotResources": [],
        "Conditions": {"StringEquals": [], "StringLike": [], "StringNotEquals": [], "StringNotLike": []},
    }
    assert (got["SelectionId"], got["BackupPlanId"], got["CreatorRequestId"]) == (created["SelectionId"], plan_id,
                                                                                  "req-1")
    backup.delete_backup_selection(BackupPlanId=plan_id, SelectionId=created["SelectionId"])
    assert backup.list_backup_selections(BackupPlanId=plan_id)["BackupSelectionsList"] == []
    with pytest.raises(backup.exceptions.ResourceNotFoundException):
        backup.get_backup_selection(BackupPlanId=plan_id, SelectionId=created["SelectionId"])


def test_selection_by_tag_conditions_keeps_them(backup):
    plan_id = _plan(backup, "sel-tags")
    conditions = {"StringEquals": [{"ConditionKey": "aws:ResourceTag/Project", "ConditionValue": "shop"}],
                  "StringLike": [], "StringNotEquals": [], "StringNotLike": []}
    sid = backup.create_backup_selection(BackupPlanId=plan_id, BackupSelection={
        "SelectionName": "tagged", "IamRoleArn": ROLE, "Resources": ["arn:aws:rds:*:*:db:*"],
        "ListOfTags": [{"ConditionType": "STRINGEQUALS", "ConditionKey": "Backup", "ConditionValue": "daily"}],
        "Conditions": conditions})["SelectionId"]
    doc = backup.get_backup_selection(BackupPlanId=plan_id, SelectionId=sid)["BackupSelection"]
    assert doc["Conditions"] == conditions
    assert doc["ListOfTags"] == [{"ConditionType": "STRINGEQUALS", "ConditionKey": "Backup", "ConditionValue": "daily"}]
    assert doc["Resources"] == ["arn:aws:rds:*:*:db:*"]


@pytest.mark.parametrize("document", [
    {"SelectionName": "bad name", "IamRoleArn": ROLE, "Resources": [DB]},
    {"SelectionName": "x" * 51, "IamRoleArn": ROLE, "Resources": [DB]},
    {"SelectionName": "ok", "IamRoleArn": "backup-role", "Resources": [DB]},
    {"SelectionName": "ok", "IamRoleArn": ROLE, "Resources": ["arn:aws:rds:*:*:db:*-prod"]},
    {"SelectionName": "ok", "IamRoleArn": ROLE, "Resources": ["shop-postgres"]},
    {"SelectionName": "ok", "IamRoleArn": ROLE,
     "ListOfTags": [{"ConditionType": "STRINGLIKE", "ConditionKey": "a", "ConditionValue": "b"}]},
])
def test_selection_documents_aws_refuses(backup, document):
    plan_id = _plan(backup, f"sel-bad-{abs(hash(str(document))) % 10**6}")
    with pytest.raises(backup.exceptions.InvalidParameterValueException):
        backup.create_backup_selection(BackupPlanId=plan_id, BackupSelection=document)


def test_selections_of_an_unknown_plan_are_not_found(backup):
    with pytest.raises(backup.exceptions.ResourceNotFoundException):
        backup.list_backup_selections(BackupPlanId="00000000-0000-0000-0000-000000000000")
    with pytest.raises(backup.exceptions.ResourceNotFoundException):
        backup.create_backup_selection(BackupPlanId="00000000-0000-0000-0000-000000000000",
                                       BackupSelection={"SelectionName": "s", "IamRoleArn": ROLE, "Resources": [DB]})


def test_update_backup_plan_new_version_and_rules(backup):
    plan_id = _plan(backup, "upd-plan")
    before = backup.get_backup_plan(BackupPlanId=plan_id)
    out = backup.update_backup_plan(BackupPlanId=plan_id, BackupPlan={
        "BackupPlanName": "upd-plan",
        "Rules": [{"RuleName": "upd-plan", "TargetBackupVaultName": "v-plans",
                   "ScheduleExpression": "cron(0 3 * * ? *)", "Lifecycle": {"DeleteAfterDays": 35}}]})
    assert out["BackupPlanId"] == plan_id and out["VersionId"] != before["VersionId"]
    after = backup.get_backup_plan(BackupPlanId=plan_id)
    rule = after["BackupPlan"]["Rules"][0]
    assert (rule["ScheduleExpression"], rule["Lifecycle"], rule["StartWindowMinutes"],
            rule["CompletionWindowMinutes"], rule["ScheduleExpressionTimezone"]) == (
        "cron(0 3 * * ? *)", {"DeleteAfterDays": 35}, 480, 10080, "Etc/UTC")
    assert after["VersionId"] == out["VersionId"]
    listed = [p for p in backup.list_backup_plans()["BackupPlansList"] if p["BackupPlanId"] == plan_id]
    assert listed[0]["VersionId"] == out["VersionId"]


def test_delete_plan_refused_with_selections_then_frees_its_name(backup):
    plan_id = _plan(backup, "del-plan")
    sid = backup.create_backup_selection(BackupPlanId=plan_id, BackupSelection={
        "SelectionName": "s", "IamRoleArn": ROLE, "Resources": [DB]})["SelectionId"]
    with pytest.raises(backup.exceptions.InvalidRequestException):
        backup.delete_backup_plan(BackupPlanId=plan_id)
    backup.delete_backup_selection(BackupPlanId=plan_id, SelectionId=sid)
    assert backup.delete_backup_plan(BackupPlanId=plan_id)["DeletionDate"]
    assert plan_id not in [p["BackupPlanId"] for p in backup.list_backup_plans()["BackupPlansList"]]
    with pytest.raises(backup.exceptions.ResourceNotFoundException):
        backup.delete_backup_plan(BackupPlanId=plan_id)
    with pytest.raises(backup.exceptions.ResourceNotFoundException):
        backup.list_backup_selections(BackupPlanId=plan_id)
    assert _plan(backup, "del-plan") != plan_id
    with pytest.raises(backup.exceptions.AlreadyExistsException):
        _plan(backup, "del-plan")


@pytest.mark.parametrize("rule", [
    {"RuleName": "r", "TargetBackupVaultName": "v", "StartWindowMinutes": 30},
    {"RuleName": "r", "TargetBackupVaultName": "v", "Lifecycle": {"DeleteAfterDays": 0}},
    {"RuleName": "r", "TargetBackupVaultName": "v", "Lifecycle": {"DeleteAfterDays": 36501}},
    {"RuleName": "r", "TargetBackupVaultName": "v",
     "Lifecycle": {"MoveToColdStorageAfterDays": 30, "DeleteAfterDays": 100}},
    {"RuleName": "bad rule", "TargetBackupVaultName": "v"},
])
def test_plan_rules_aws_refuses(backup, rule):
    with pytest.raises(backup.exceptions.InvalidParameterValueException):
        backup.create_backup_plan(BackupPlan={"BackupPlanName": "bad-rules", "Rules": [rule]})


def test_missing_vault_is_access_denied_and_vault_reports_recovery_points(backup):
    for call in (backup.describe_backup_vault, backup.delete_backup_vault):
        with pytest.raises(ClientError) as err:
            call(BackupVaultName="no-such-vault")
        assert _code(err) == "AccessDeniedException"
        assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    key = aws_client(backup.meta.endpoint_url, "kms").create_key()["KeyMetadata"]["Arn"]
    backup.create_backup_vault(BackupVaultName="shop-backup", EncryptionKeyArn=key, BackupVaultTags={"Layer": "data"})
    vault = backup.describe_backup_vault(BackupVaultName="shop-backup")
    assert (vault["EncryptionKeyArn"], vault["NumberOfRecoveryPoints"]) == (key, 0)
    backup.delete_backup_vault(BackupVaultName="shop-backup")
    with pytest.raises(ClientError) as err:
        backup.describe_backup_vault(BackupVaultName="shop-backup")
    assert _code(err) == "AccessDeniedException"


@pytest.mark.parametrize("name", ["a", "has.dot", "x" * 51, "with space"])
def test_vault_names_aws_refuses(backup, name):
    with pytest.raises(backup.exceptions.InvalidParameterValueException):
        backup.create_backup_vault(BackupVaultName=name)
