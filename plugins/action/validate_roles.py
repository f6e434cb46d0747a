# Copyright: cloudops.eks_platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validate the inputs of several roles in one task, with the roles' own rules.

For each role this does what ``include_role: tasks_from: validate`` does, on the controller, without a
task per check: the role's defaults under the play's variables, its vars on top; the ``validate`` entry
point of meta/argument_specs.yml checked as ``validate_argument_spec`` checks it; then every assert of
tasks/validate.yml evaluated in order. The rules stay in the roles (tasks/validate.yml, which a role run
on its own still includes from tasks/main.yml); this plugin only runs them for many roles at once, and
reports the problems of every role instead of stopping at the first.
"""

from __future__ import annotations

import os

from ansible.errors import AnsibleError
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase

DOCUMENTATION = r"""
---
module: validate_roles
short_description: Validate the inputs of roles of this collection in one task, before any API call
description:
  - For each role, checks the C(validate) entry point of its C(meta/argument_specs.yml) against the
    variables the role would see (its defaults under the play's variables and its vars), then evaluates
    every C(ansible.builtin.assert) of its C(tasks/validate.yml).
  - Fails with one message per failing role, naming the role and the variable, and reports every failing
    role, not only the first. Runs on the controller; makes no API call.
  - C(tasks/validate.yml) may hold only C(ansible.builtin.assert) tasks (with C(that), C(fail_msg),
    C(quiet) and task C(vars)); anything else is refused, so that a role run on its own and this
    plugin check the same rules.
options:
  roles:
    description: Roles to validate, by fully qualified name (C(cloudops.eks_platform.aws_rds)) or short name.
    type: list
    elements: str
    required: true
  entry_point:
    description: The argument spec entry point and the tasks file (C(tasks/<entry_point>.yml)).
    type: str
    default: validate
author:
  - cloudops.eks_platform contributors
"""

EXAMPLES = r"""
- name: Validate every role of every layer before any AWS call
  cloudops.eks_platform.validate_roles:
    roles: "{{ platform_layer_roles.values() | flatten }}"
"""

RETURN = r"""
validated:
  description: The roles whose inputs were checked.
  returned: always
  type: list
  elements: str
problems:
  description: One message per failing role.
  returned: failed
  type: list
  elements: str
"""

COLLECTION = "cloudops.eks_platform"
ROLES_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "roles")
ASSERT_NAMES = ("ansible.builtin.assert", "assert")
ASSERT_TASK_KEYS = {"name", "vars", "tags"}
ASSERT_ARG_KEYS = {"that", "fail_msg", "msg", "quiet", "success_msg"}


def role_dir(role: str) -> str:
    """The directory of one of this collection's roles, from its fully qualified or short name."""
    prefix = COLLECTION + "."
    short = role[len(prefix):] if role.startswith(prefix) else role
    if "." in short or not short:
        raise AnsibleError(f"validate_roles: {role!r} is not a role of {COLLECTION}")
    path = os.path.join(ROLES_DIR, short)
    if not os.path.isdir(path):
        raise AnsibleError(f"validate_roles: role {role!r} not found in {ROLES_DIR}")
    return path


def assert_steps(tasks, source: str) -> list[dict]:
    """The assert tasks of a validate file as (name, vars, that, fail_msg); any other task is refused."""
    if not isinstance(tasks, list):
        raise AnsibleError(f"validate_roles: {source} must be a list of tasks")
    steps = []
    for task in tasks:
        action = [key for key in task if key in ASSERT_NAMES] if isinstance(task, dict) else []
        extra = set(task) - ASSERT_TASK_KEYS - set(action) if isinstance(task, dict) else {"?"}
        args = task.get(action[0]) if len(action) == 1 else None
        if len(action) != 1 or extra or not isinstance(args, dict) or set(args) - ASSERT_ARG_KEYS:
            name = task.get("name", "?") if isinstance(task, dict) else task
            raise AnsibleError(
                f"validate_roles: {source} task {name!r}: only ansible.builtin.assert tasks (that, fail_msg, quiet, "
                "vars) can be validated in one step"
            )
        that = args.get("that")
        steps.append(
            {
                "name": task.get("name", ""),
                "vars": task.get("vars") or {},
                "that": that if isinstance(that, list) else [that],
                "fail_msg": args.get("fail_msg", args.get("msg")),
            }
        )
    return steps


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _VALID_ARGS = frozenset(("roles", "entry_point"))

    def _load(self, path: str, required: bool = True):
        if not os.path.exists(path):
            if required:
                raise AnsibleError(f"validate_roles: {path} not found")
            return None
        # role files are trusted templates, as when Ansible loads the role itself
        return self._loader.load_from_file(path, trusted_as_template=True)

    def _validate_role(self, role: str, entry_point: str, task_vars: dict) -> str | None:
        path = role_dir(role)
        defaults = self._load(os.path.join(path, "defaults", "main.yml"), required=False) or {}
        role_vars = self._load(os.path.join(path, "vars", "main.yml"), required=False) or {}
        specs = (self._load(os.path.join(path, "meta", "argument_specs.yml")) or {}).get("argument_specs") or {}
        steps = assert_steps(
            self._load(os.path.join(path, "tasks", f"{entry_point}.yml")) or [], f"{role} tasks/{entry_point}.yml"
        )
        # role defaults < the play's variables (inventory, play, extra vars) < role vars; the roles' vars/main.yml
        # hold only their internal __ names, so role vars never shadow what a user set
        variables = {**defaults, **task_vars, **role_vars}
        templar = self._templar.copy_with_new_env(available_variables=variables)

        options = (specs.get(entry_point) or {}).get("options") or {}
        if options:
            provided = templar.template({name: variables[name] for name in options if name in variables})
            outcome = ArgumentSpecValidator(options).validate(provided, validate_role_argument_spec=True)
            if outcome.error_messages:
                return f"{role}: Validation of arguments failed: " + "; ".join(outcome.error_messages)

        for step in steps:
            step_templar = templar.copy_with_new_env(available_variables={**variables, **step["vars"]})
            for condition in step["that"]:
                if not step_templar.evaluate_conditional(condition):
                    message = step["fail_msg"]
                    text = step_templar.template(message) if message is not None else f"Assertion failed: {condition}"
                    return f"{role}: {step['name']}: {text}"
        return None

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        roles = self._task.args.get("roles")
        entry_point = self._task.args.get("entry_point", "validate")
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            raise AnsibleError("validate_roles: roles must be a list of role names")
        problems = [p for p in (self._validate_role(r, entry_point, task_vars or {}) for r in roles) if p]
        result.update(changed=False, validated=list(roles))
        if problems:
            result.update(failed=True, problems=problems, msg="Invalid inputs:\n" + "\n".join(problems))
        else:
            result["msg"] = f"the inputs of {len(roles)} roles are valid"
        return result
