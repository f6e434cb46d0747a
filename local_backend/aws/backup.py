"""AWS Backup fidelity for moto 5.2.5: what ``amazon.aws.backup_vault`` / ``backup_plan`` / ``backup_selection``
(and Prowler's backup checks) call and moto lacks or answers differently. Gaps covered (each checked with boto3):

1. Backup selections are not implemented (CreateBackupSelection, GetBackupSelection, ListBackupSelections,
   DeleteBackupSelection answer HTTP 500 "not yet implemented"). Added in botocore's shapes: ``SelectionId``,
   ``BackupPlanId``, ``CreationDate``, ``CreatorRequestId``; GetBackupSelection returns the selection document
   with ``Resources``/``NotResources``/``ListOfTags`` as sent (``[]`` when left out) and ``Conditions`` with its
   four operators (``{"StringEquals": [], "StringLike": [], "StringNotEquals": [], "StringNotLike": []}`` when
   left out, the value amazon.aws.backup_selection compares with). Checked as AWS documents: the selection name
   (1-50 of ``[a-zA-Z0-9-_.]``), an IAM role ARN, ``ListOfTags`` condition type ``STRINGEQUALS``, a wildcard
   ``*`` in the resource part of an ARN only at its end (``arn:aws:rds:*:*:db:*`` is fine, ``...:db:*-prod``
   is not), at most 500 ARNs (30 with wildcards); an unknown or deleted plan or
   selection is ``ResourceNotFoundException``.
2. UpdateBackupPlan is not implemented: now replaces the rules and settings, gives the plan a new
   ``VersionId`` and ``CreationDate`` (the new version's), the rules new ``RuleId`` s.
3. DeleteBackupPlan deletes a plan that still has selections (AWS: "A backup plan can only be deleted after all
   associated selections of resources have been deleted" -> InvalidRequestException), and a deleted plan keeps
   its name taken: CreateBackupPlan of the same name fails with AlreadyExistsException forever (so a teardown
   followed by a new run fails). Now refused while selections exist; a deleted plan frees its name and is
   ResourceNotFoundException for Update/Delete and for its selections (GetBackupPlan still shows it with
   ``DeletionDate``, as moto did).
4. DescribeBackupVault on a vault that does not exist answers ResourceNotFoundException and DeleteBackupVault
   succeeds silently. AWS answers ``AccessDeniedException`` (HTTP 403) to both - what
   ``amazon.aws.backup_vault`` (and Terraform's backup vault resource) read as "no such vault"; with moto's
   answer the module fails before it can create a vault. DeleteBackupVault also refuses a vault that holds
   recovery points (InvalidRequestException, "A vault can be deleted only if it is empty").
5. DescribeBackupVault leaves out ``NumberOfRecoveryPoints`` (moto's attribute is named differently); now
   reported (always 0: moto runs no backup job).
6. Names and rule settings are not checked. Now InvalidParameterValueException, as AWS documents, for: plan and
   rule names (1-50 of ``[a-zA-Z0-9-_.]``), vault names (2-50 of ``[a-zA-Z0-9-_]``), ``StartWindowMinutes``
   below 60, ``DeleteAfterDays`` outside 1-36500 or less than 90 days after ``MoveToColdStorageAfterDays``.

Not done: backup jobs and recovery points (no scheduler runs the plans), selection by tags is stored, never
evaluated; vault lock, access policies and notifications are moto's.
"""

from __future__ import annotations

import json
import re
from typing import Any

PLAN_OR_RULE_NAME = re.compile(r"^[a-zA-Z0-9\-_.]{1,50}$")
VAULT_NAME = re.compile(r"^[a-zA-Z0-9\-_]{2,50}$")
ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/.+$")
SELECTION_PATH = re.compile(r"/backup/plans/(?P<plan>[^/]+)/selections/?(?P<selection>[^/]*)/?$")
PLAN_PATH = re.compile(r"/backup/plans/(?P<plan>[^/]+)/?$")
NO_CONDITIONS = {"StringEquals": [], "StringLike": [], "StringNotEquals": [], "StringNotLike": []}
MAX_ARNS = 500
MAX_WILDCARD_ARNS = 30


class Selection:
    """One resource selection of a plan (CreateBackupSelection's document plus its ids)."""

    def __init__(self, plan_id: str, document: dict[str, Any], creator_request_id: str | None) -> None:
        from moto.core.utils import unix_time
        from moto.moto_api._internal import mock_random

        self.selection_id = str(mock_random.uuid4())
        self.plan_id = plan_id
        self.creation_date = unix_time()
        self.creator_request_id = creator_request_id
        self.document = {
            "SelectionName": document["SelectionName"],
            "IamRoleArn": document["IamRoleArn"],
            "Resources": list(document.get("Resources") or []),
            "ListOfTags": list(document.get("ListOfTags") or []),
            "NotResources": list(document.get("NotResources") or []),
            "Conditions": {key: list((document.get("Conditions") or {}).get(key) or []) for key in NO_CONDITIONS},
        }

    def summary(self) -> dict[str, Any]:
        out = {
            "SelectionId": self.selection_id,
            "SelectionName": self.document["SelectionName"],
            "BackupPlanId": self.plan_id,
            "CreationDate": self.creation_date,
            "IamRoleArn": self.document["IamRoleArn"],
        }
        if self.creator_request_id:
            out["CreatorRequestId"] = self.creator_request_id
        return out


def selections_of(backend: Any) -> dict[str, dict[str, Selection]]:
    """plan id -> selection id -> Selection, kept on moto's backend (moto's reset drops it with the backend)."""
    found = backend.__dict__.get("_local_backend_selections")
    if found is None:
        found = backend.__dict__["_local_backend_selections"] = {}
    return found


def rule_problems(rules: Any) -> list[str]:
    """What AWS refuses in a plan's rules (InvalidParameterValueException), as messages."""
    problems: list[str] = []
    for rule in rules or []:
        name = str(rule.get("RuleName", ""))
        if not PLAN_OR_RULE_NAME.match(name):
            problems.append(f"Invalid rule name {name!r}: 1 to 50 alphanumeric or '-_.' characters.")
        start = rule.get("StartWindowMinutes")
        if start is not None and int(start) < 60:
            problems.append(f"StartWindowMinutes must be at least 60 minutes (rule {name}: {start}).")
        lifecycle = rule.get("Lifecycle") or {}
        delete = lifecycle.get("DeleteAfterDays")
        cold = lifecycle.get("MoveToColdStorageAfterDays")
        if delete is not None and not 1 <= int(delete) <= 36500:
            problems.append("Invalid lifecycle. DeleteAfterDays cannot be less than 1 or more than 36500 days.")
        if delete is not None and cold is not None and int(delete) < int(cold) + 90:
            problems.append("Invalid lifecycle. DeleteAfterDays must be at least 90 days after "
                            "MoveToColdStorageAfterDays.")
    return problems


def selection_problems(document: dict[str, Any]) -> list[str]:
    """What AWS refuses in a selection document (InvalidParameterValueException), as messages."""
    problems: list[str] = []
    name = str(document.get("SelectionName", ""))
    if not PLAN_OR_RULE_NAME.match(name):
        problems.append(f"Invalid selection name {name!r}: 1 to 50 alphanumeric or '-_.' characters.")
    if not ROLE_ARN.match(str(document.get("IamRoleArn", ""))):
        problems.append(f"Invalid IAM role ARN {document.get('IamRoleArn')!r}.")
    for field in ("Resources", "NotResources"):
        arns = [str(a) for a in document.get(field) or []]
        wild = [a for a in arns if "*" in a]
        for arn in arns:
            if arn != "*" and not arn.startswith("arn:"):
                problems.append(f"{field}: {arn!r} is not an ARN.")
            elif "*" in arn.split(":", 5)[-1].rstrip("*"):
                problems.append(f"{field}: {arn!r}: a wildcard may only end the resource part of an ARN "
                                "(prefix pattern).")
        if len(arns) > MAX_ARNS or (wild and len(arns) > MAX_WILDCARD_ARNS):
            problems.append(f"{field}: at most {MAX_ARNS} ARNs, or {MAX_WILDCARD_ARNS} with wildcards.")
    for condition in document.get("ListOfTags") or []:
        if condition.get("ConditionType") != "STRINGEQUALS":
            problems.append(f"ListOfTags supports only STRINGEQUALS (got {condition.get('ConditionType')!r}).")
    return problems


_installed = False


def install() -> None:  # noqa: C901 - one patch set
    global _installed
    if _installed:
        return
    _installed = True

    from moto.backup import exceptions as exc
    from moto.backup.models import BackupBackend, Plan, Vault
    from moto.backup.responses import BackupResponse
    from moto.core.exceptions import JsonRESTError
    from moto.core.utils import unix_time
    from moto.moto_api._internal import mock_random

    class AccessDeniedException(JsonRESTError):
        code = 403

        def __init__(self, msg: str) -> None:
            super().__init__("AccessDeniedException", msg)

    def invalid(problems: list[str]) -> None:
        if problems:
            raise exc.InvalidParameterValueException(msg=" ".join(problems))

    def live_plan(backend: Any, plan_id: str) -> Any:
        plan = backend.plans.get(plan_id)
        if plan is None or plan.deletion_date is not None:
            raise exc.ResourceNotFoundException(msg=f"Failed reading Backup plan with provided version ({plan_id})")
        return plan

    # -- vaults (gaps 4, 5, 6) ------------------------------------------------------------------------
    Vault.number_of_recovery_points = property(lambda self: self.num_of_recovery_points)  # type: ignore[attr-defined]

    original_create_vault = BackupBackend.create_backup_vault

    def create_backup_vault(self: Any, backup_vault_name: str, *args: Any, **kwargs: Any) -> Any:
        if not VAULT_NAME.match(backup_vault_name or ""):
            invalid([f"Invalid backup vault name {backup_vault_name!r}: 2 to 50 alphanumeric, '-' or '_' characters."])
        return original_create_vault(self, backup_vault_name, *args, **kwargs)

    def describe_backup_vault(self: Any, backup_vault_name: str) -> Any:
        if backup_vault_name not in self.vaults:
            raise AccessDeniedException("Insufficient privileges to perform this action.")
        return self.vaults[backup_vault_name]

    def delete_backup_vault(self: Any, backup_vault_name: str) -> None:
        vault = describe_backup_vault(self, backup_vault_name)
        if vault.num_of_recovery_points:
            raise exc.InvalidRequestException(msg="Backup vault cannot be deleted because it contains recovery "
                                                  "points. A vault can be deleted only if it is empty.")
        self.vaults.pop(backup_vault_name)

    BackupBackend.create_backup_vault = create_backup_vault  # type: ignore[method-assign]
    BackupBackend.describe_backup_vault = describe_backup_vault  # type: ignore[method-assign]
    BackupBackend.delete_backup_vault = delete_backup_vault  # type: ignore[method-assign]

    # -- plans (gaps 2, 3, 6) -------------------------------------------------------------------------
    def create_backup_plan(self: Any, backup_plan: dict[str, Any], backup_plan_tags: Any,
                           creator_request_id: Any) -> Any:
        name = str(backup_plan.get("BackupPlanName", ""))
        problems = [] if PLAN_OR_RULE_NAME.match(name) else [
            f"Invalid backup plan name {name!r}: 1 to 50 alphanumeric or '-_.' characters."]
        invalid(problems + rule_problems(backup_plan.get("Rules")))
        if any(p.backup_plan["BackupPlanName"] == name and p.deletion_date is None for p in self.plans.values()):
            raise exc.AlreadyExistsException(msg="Backup plan with the same plan document already exists")
        plan = Plan(backup_plan=backup_plan, creator_request_id=creator_request_id, backend=self)
        if backup_plan_tags:
            self.tag_resource(plan.backup_plan_arn, backup_plan_tags)
        self.plans[plan.backup_plan_id] = plan
        return plan

    def delete_backup_plan(self: Any, backup_plan_id: str) -> tuple[str, str, float, str]:
        plan = live_plan(self, backup_plan_id)
        if selections_of(self).get(backup_plan_id):
            raise exc.InvalidRequestException(
                msg="Related backup plan selections must be deleted prior to backup plan deletion")
        plan.deletion_date = unix_time()
        return plan.backup_plan_id, plan.backup_plan_arn, plan.deletion_date, plan.version_id

    BackupBackend.create_backup_plan = create_backup_plan  # type: ignore[method-assign]
    BackupBackend.delete_backup_plan = delete_backup_plan  # type: ignore[method-assign]

    def update_backup_plan(self: Any) -> str:
        backend = self.backup_backend
        plan_id = PLAN_PATH.search(self.path).group("plan")  # type: ignore[union-attr]
        plan = live_plan(backend, plan_id)
        document = json.loads(self.body or "{}").get("BackupPlan") or {}
        name = str(document.get("BackupPlanName", ""))
        problems = [] if PLAN_OR_RULE_NAME.match(name) else [
            f"Invalid backup plan name {name!r}: 1 to 50 alphanumeric or '-_.' characters."]
        invalid(problems + rule_problems(document.get("Rules")))
        fresh = Plan(backup_plan=document, creator_request_id=plan.creator_request_id, backend=backend)
        plan.backup_plan = fresh.backup_plan
        plan.advanced_backup_settings = fresh.advanced_backup_settings
        plan.version_id = mock_random.get_random_string(length=48)
        plan.creation_date = unix_time()
        out = {"BackupPlanId": plan.backup_plan_id, "BackupPlanArn": plan.backup_plan_arn,
               "CreationDate": plan.creation_date, "VersionId": plan.version_id}
        if plan.advanced_backup_settings:
            out["AdvancedBackupSettings"] = plan.advanced_backup_settings
        return json.dumps(out)

    # -- selections (gap 1) ---------------------------------------------------------------------------
    def _selection_ids(resp: Any) -> tuple[str, str]:
        match = SELECTION_PATH.search(resp.path)
        if match is None:  # the router matched the operation, so the path has this shape
            raise exc.InvalidRequestException(msg=f"Unexpected path {resp.path}")
        return match.group("plan"), match.group("selection")

    def create_backup_selection(self: Any) -> str:
        backend = self.backup_backend
        plan_id, _ = _selection_ids(self)
        live_plan(backend, plan_id)
        params = json.loads(self.body or "{}")
        document = params.get("BackupSelection") or {}
        invalid(selection_problems(document))
        selection = Selection(plan_id, document, params.get("CreatorRequestId"))
        selections_of(backend).setdefault(plan_id, {})[selection.selection_id] = selection
        return json.dumps({"SelectionId": selection.selection_id, "BackupPlanId": plan_id,
                           "CreationDate": selection.creation_date})

    def _selection(resp: Any) -> Selection:
        backend = resp.backup_backend
        plan_id, selection_id = _selection_ids(resp)
        live_plan(backend, plan_id)
        found = selections_of(backend).get(plan_id, {}).get(selection_id)
        if found is None:
            raise exc.ResourceNotFoundException(msg=f"Selection {selection_id} not found in plan {plan_id}")
        return found

    def get_backup_selection(self: Any) -> str:
        selection = _selection(self)
        out = {"BackupSelection": selection.document, "SelectionId": selection.selection_id,
               "BackupPlanId": selection.plan_id, "CreationDate": selection.creation_date}
        if selection.creator_request_id:
            out["CreatorRequestId"] = selection.creator_request_id
        return json.dumps(out)

    def list_backup_selections(self: Any) -> str:
        backend = self.backup_backend
        plan_id, _ = _selection_ids(self)
        live_plan(backend, plan_id)
        items = sorted(selections_of(backend).get(plan_id, {}).values(), key=lambda s: s.creation_date)
        return json.dumps({"BackupSelectionsList": [s.summary() for s in items]})

    def delete_backup_selection(self: Any) -> str:
        selection = _selection(self)
        del selections_of(self.backup_backend)[selection.plan_id][selection.selection_id]
        return "{}"

    for fn in (update_backup_plan, create_backup_selection, get_backup_selection, list_backup_selections,
               delete_backup_selection):
        setattr(BackupResponse, fn.__name__, fn)
