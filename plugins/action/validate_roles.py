# Copyright: cloudops.eks_platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validate the inputs of several roles in one task, with the roles' own rules.

For each role this does what ``include_role: tasks_from: validate`` does, on the controller, without a
task per check: the role's defaults under the play's variables, its vars on top; the ``validate`` entry
point of meta/argument_specs.yml checked as ``validate_argument_spec`` checks it; then every assert of
tasks/validate.yml evaluated in order. The rules stay in the roles (tasks/validate.yml, which a role run
on its own still includes from tasks/main.yml); this plugin only runs them for many roles at once, and
reports the problems of every role instead of stopping at the first.

Every message names what the user wrote: a role option mapped in defaults/main.yml from an inventory
variable (``aws_rds_instances: "{{ platform_rds_instances | default([]) }}"``) is reported under that
``platform_*`` name, read from the raw defaults text; a list entry by its index and its name or suffix
(``platform_rds_instances[0] (postgres).port``). Argument-spec problems (type, choices, required, the
fields of list entries) are one line each, worded here instead of Ansible's spec dump; a value whose
type cannot be right is refused before Ansible would convert it (a comma string split into a list, a
number with a unit). Each problem an assert's problem list holds becomes a line of its own.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import yaml
from ansible.errors import AnsibleError
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase
from ansible_collections.cloudops.eks_platform.plugins.module_utils.list_entries import type_name

DOCUMENTATION = r"""
---
module: validate_roles
short_description: Validate the inputs of roles of this collection in one task, before any API call
description:
  - For each role, checks the C(validate) entry point of its C(meta/argument_specs.yml) against the
    variables the role would see (its defaults under the play's variables and its vars), then evaluates
    every C(ansible.builtin.assert) of its C(tasks/validate.yml).
  - Fails with one line per problem, naming the inventory variable (C(platform_*)) a role option is mapped
    from in the role's C(defaults/main.yml) (the role variable itself when it has no such source or is set
    directly), the list entry (index and name) and the field; reports every failing role, not only the first.
    Runs on the controller; makes no API call.
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
  description: "One line per problem, C(<role>: <variable>[<index>] (<name>).<field>: <what is wrong>)."
  returned: failed
  type: list
  elements: str
"""

COLLECTION = "cloudops.eks_platform"
ROLES_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "roles")
ASSERT_NAMES = ("ansible.builtin.assert", "assert")
ASSERT_TASK_KEYS = {"name", "vars", "tags"}
ASSERT_ARG_KEYS = {"that", "fail_msg", "msg", "quiet", "success_msg"}

#: ``{{ expression }}`` filling a whole default, the inventory variables it reads, and the expressions that ARE the
#: inventory variable (``platform_x`` or ``platform_x | default(...)``) rather than something derived from it.
WHOLE_EXPRESSION = re.compile(r"^\s*\{\{(?P<expr>.*?)\}\}\s*$", re.S)
JINJA_EXPRESSION = re.compile(r"\{\{(.*?)\}\}", re.S)
PLATFORM_NAME = re.compile(r"(?<![\w.'\"])(platform_[a-z0-9_]+)\b")
DIRECT = re.compile(r"^\s*platform_[a-z0-9_]+\s*(\|\s*(default|d)\s*\((?:[^()]|\([^()]*\))*\)\s*)?$", re.S)
#: The fields that name a list entry (docs/ROLE_CONVENTIONS.md, List entries; ECR calls its suffix service).
NAME_FIELDS = ("name", "suffix", "service")
BOOLEANS = frozenset(("y", "yes", "on", "1", "true", "t", "n", "no", "off", "0", "false", "f"))
WHOLE_NUMBER = re.compile(r"^[+-]?\d+$")
NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
#: An assert over a problem list (``__x | length == 0``): each problem of the list is reported on a line of its own.
#: What an option of an argument spec may say that :func:`spec_problems` checks itself; a spec using anything else
#: (mutually_exclusive, aliases, ...) is also checked by Ansible's ArgumentSpecValidator.
SPEC_KEYS = frozenset(("description", "type", "default", "required", "elements", "choices", "options"))
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
PROBLEM_LIST_CONDITION = re.compile(r"^\s*(?P<var>[A-Za-z_]\w*)\s*\|\s*length\s*==\s*0\s*$")
#: ``k8s_istio_routes[0] (platform_istio_routes)`` -> ``platform_istio_routes[0]``; an entry without its name yet.
ROLE_ENTRY_OF = re.compile(r"\b[a-z][a-z0-9_]*\[(?P<index>\d+)\] \((?P<var>platform_[a-z0-9_]+)\)")
PLATFORM_ENTRY = re.compile(r"\b(?P<var>platform_[a-z0-9_]+)\[(?P<index>\d+)\](?! \()")


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


# --- where a role option comes from -------------------------------------------------------------------------------


def option_sources(defaults_text: str) -> dict[str, tuple[str, bool]]:
    """Role option -> (the inventory variable its default reads, whether the default IS that variable), from the
    raw text of a role's defaults/main.yml (before any templating). ``aws_rds_instances: "{{ platform_rds_instances
    | default([]) }}"`` gives ``('platform_rds_instances', True)``; ``aws_rds_tags: "{{ platform_tags |
    combine(...) }}"`` gives ``('platform_tags', False)`` (derived: the first inventory variable read). Options
    without a ``platform_*`` variable in a string default have no source."""
    return sources_of(yaml.load(defaults_text, Loader=SAFE_LOADER) or {})


def sources_of(defaults: Any) -> dict[str, tuple[str, bool]]:
    """:func:`option_sources` of the parsed (untemplated) defaults."""
    sources: dict[str, tuple[str, bool]] = {}
    if not isinstance(defaults, Mapping):
        return sources
    for name, value in defaults.items():
        if not isinstance(value, str):
            continue
        names = [ref for expr in JINJA_EXPRESSION.findall(value) for ref in PLATFORM_NAME.findall(expr)]
        if names:
            whole = WHOLE_EXPRESSION.match(value)
            sources[str(name)] = (names[0], bool(whole and DIRECT.match(whole.group("expr"))))
    return sources


# --- argument spec, worded for the user ---------------------------------------------------------------------------


def describe(value: Any) -> str:
    """A value as a message shows it: ``'20GB'``, ``the number 3``, ``a list``, ``true``."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return repr(str(value))
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, Mapping):
        return "a dict"
    if isinstance(value, Sequence):
        return "a list"
    return f"a {type_name(value)}"


def _is_list(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, (str, bytes))


def _key_value_list(value: Any) -> bool:
    return (
        _is_list(value)
        and len(value) > 0
        and all(isinstance(item, Mapping) and {str(k).lower() for k in item} == {"key", "value"} for item in value)
    )


def type_problem(value: Any, wanted: str | None) -> str | None:
    """What is wrong with ``value`` for an argument-spec type, or None. Stricter than Ansible's conversions where
    they hide a mistake: a string for a list (Ansible splits it at commas), a number with a unit or a boolean
    for an integer, a list or dict for a string, a Key/Value list for a dict. A string of digits stays an
    integer, as in Ansible."""
    wanted = wanted or "str"
    if value is None or wanted not in ("str", "path", "int", "float", "bool", "list", "dict"):
        return None
    if wanted in ("str", "path"):
        return f"expected a string, got {describe(value)}" if isinstance(value, Mapping) or _is_list(value) else None
    if wanted == "int":
        if isinstance(value, bool) or not (
            isinstance(value, int)
            or (isinstance(value, float) and value.is_integer())
            or (isinstance(value, str) and WHOLE_NUMBER.match(value.strip()))
        ):
            return f"expected an integer, got {describe(value)}"
        return None
    if wanted == "float":
        if isinstance(value, bool) or not (
            isinstance(value, (int, float)) or (isinstance(value, str) and NUMBER.match(value.strip()))
        ):
            return f"expected a number, got {describe(value)}"
        return None
    if wanted == "bool":
        if isinstance(value, bool) or (isinstance(value, str) and value.strip().lower() in BOOLEANS):
            return None
        if isinstance(value, (int, float)) and value in (0, 1):
            return None
        return f"expected true or false, got {describe(value)}"
    if wanted == "list":
        if _is_list(value):
            return None
        if isinstance(value, str):
            return f"is a string ({describe(value)}), expected a list"
        return f"expected a list, got {describe(value)}"
    if isinstance(value, Mapping):
        return None
    if _key_value_list(value):
        return "is a list of Key/Value pairs, expected a dict (write each tag as key: value)"
    return f"expected a dict, got {describe(value)}"


def choice_problem(value: Any, choices: Any, wanted: str | None) -> str | None:
    """``'single-az' is not one of single, per_az`` (each element of a list), or None."""
    if value is None or not choices:
        return None
    allowed = [str(choice) for choice in choices]
    for item in value if wanted == "list" and _is_list(value) else [value]:
        if item not in choices and (isinstance(item, bool) or str(item) not in allowed):
            return f"{describe(item)} is not one of {', '.join(allowed)}"
    return None


def entry_name(entry: Any) -> str | None:
    """The name a list entry goes by (its name, suffix or service), or None."""
    if isinstance(entry, Mapping):
        for field in NAME_FIELDS:
            value = entry.get(field)
            if isinstance(value, str) and value.strip():
                return value
    return None


def entry_label(label: str, index: int, entry: Any) -> str:
    """``platform_rds_instances[0] (postgres)``, or ``platform_azs[1]`` for an entry without a name."""
    name = entry_name(entry)
    return f"{label}[{index}]" + (f" ({name})" if name else "")


def option_problems(label: str, value: Any, option: Mapping[str, Any]) -> list[str]:
    """The problems of one value against one option of an argument spec (its type, choices, elements and, for
    dicts and lists of dicts with ``options``, their fields), one line each, under ``label``."""
    wanted = option.get("type") or "str"
    problem = type_problem(value, wanted) or choice_problem(value, option.get("choices"), wanted)
    if problem:
        return [f"{label}: {problem}"]
    problems: list[str] = []
    fields = option.get("options")
    if wanted == "list" and value is not None:
        elements = option.get("elements")
        for index, item in enumerate(value):
            where = entry_label(label, index, item)
            item_problem = type_problem(item, elements) if elements else None
            if item_problem:
                problems.append(f"{where}: {item_problem}")
            elif elements == "dict" and fields:
                problems += field_problems(where, item, fields)
    elif wanted == "dict" and fields and value is not None:
        problems += field_problems(label, value, fields)
    return problems


def field_problems(label: str, entry: Mapping[str, Any], fields: Mapping[str, Any]) -> list[str]:
    """Unknown fields, missing required fields and each field's own problems of one dict."""
    known = ", ".join(sorted(fields))
    problems = [f"{label}.{key}: unknown field (allowed: {known})" for key in entry if key not in fields]
    for field, option in fields.items():
        if entry.get(field) is None:
            if option.get("required"):
                problems.append(f"{label}.{field}: required field missing")
            continue
        problems += option_problems(f"{label}.{field}", entry[field], option)
    return problems


def spec_keys(options: Mapping[str, Any]) -> set[str]:
    """Every key the options (and their nested options) use."""
    keys: set[str] = set()
    for option in options.values():
        keys |= set(option)
        keys |= spec_keys(option.get("options") or {})
    return keys


def spec_problems(options: Mapping[str, Any], provided: Mapping[str, Any], label: Callable[[str], str]) -> list[str]:
    """Every problem of the provided values against the options of an entry point, one line each; ``label``
    names an option as the user knows it (its inventory variable)."""
    problems: list[str] = []
    for name, option in options.items():
        value = provided.get(name)
        if value is None or (option.get("required") and isinstance(value, str) and not value.strip()):
            if option.get("required"):
                problems.append(f"{label(name)}: required, but {'empty' if value is not None else 'not set'}")
            continue
        problems += option_problems(label(name), value, option)
    return problems


# --- the lines, as the user reads them ----------------------------------------------------------------------------


def one_line(text: Any) -> str:
    return " ".join(str(text).split())


def name_entries(line: str, lookup: Callable[[str], Any]) -> str:
    """``k8s_istio_routes[0] (platform_istio_routes)`` and ``platform_istio_routes[0]`` become
    ``platform_istio_routes[0] (auth)``: the entry's name after its index, where the entry has one."""
    line = ROLE_ENTRY_OF.sub(lambda m: f"{m['var']}[{m['index']}]", line)

    def named(match: re.Match) -> str:
        entries = lookup(match["var"])
        index = int(match["index"])
        if _is_list(entries) and index < len(entries):
            return entry_label(match["var"], index, entries[index])
        return match.group(0)

    return PLATFORM_ENTRY.sub(named, line)


def mention_sources(line: str, mapped: Mapping[str, str]) -> str:
    """A role option named in a line whose inventory variable the line does not name gets it:
    ``aws_network_nat_mode`` -> ``aws_network_nat_mode (from platform_nat_mode)``."""
    for option, source in mapped.items():
        if re.search(rf"\b{re.escape(source)}\b", line):
            continue
        line = re.sub(rf"\b{re.escape(option)}\b(?!\s*\(from )", f"{option} (from {source})", line, count=1)
    return line


def merge_lines(found: Sequence[tuple[str, str]]) -> list[str]:
    """``(role, problem)`` pairs as lines ``<role>: <problem>``; a problem several roles report (an inventory
    variable they share, like platform_azs) is one line, under the first of them."""
    roles: dict[str, list[str]] = {}
    for role, problem in found:
        roles.setdefault(problem, []).append(role)
    lines = []
    for problem, names in roles.items():
        others = len(names) - 1
        lines.append(f"{names[0]}" + (f" (and {others} more role{'s' if others > 1 else ''})" if others else "")
                     + f": {problem}")
    return lines


def _first_line(error: BaseException) -> str:
    text = str(getattr(error, "message", "") or error).strip()
    return one_line(text.splitlines()[0] if text else type(error).__name__)


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _VALID_ARGS = frozenset(("roles", "entry_point"))

    def _load(self, path: str, required: bool = True):
        if not os.path.exists(path):
            if required:
                raise AnsibleError(f"validate_roles: {path} not found")
            return None
        # role files are trusted templates, as when Ansible loads the role itself; read only here, so not copied
        return self._loader.load_from_file(path, unsafe=True, trusted_as_template=True)

    def _inventory_value(self, name: str, task_vars: dict, cache: dict) -> Any:
        """An inventory variable, templated (None when it is not set or does not template)."""
        if name not in cache:
            try:
                cache[name] = self._templar.copy_with_new_env(available_variables=task_vars).template(task_vars[name])
            except Exception:  # noqa: BLE001 - unset or broken: the role's own check says why
                cache[name] = None
        return cache[name]

    def _validate_role(self, role: str, entry_point: str, task_vars: dict, cache: dict) -> list[str]:
        path = role_dir(role)
        defaults_path = os.path.join(path, "defaults", "main.yml")
        defaults = self._load(defaults_path, required=False) or {}
        raw_defaults = {}
        sources: dict[str, tuple[str, bool]] = {}
        if os.path.exists(defaults_path):
            with open(defaults_path, encoding="utf-8") as handle:
                text = handle.read()
            raw_defaults = yaml.load(text, Loader=SAFE_LOADER) or {}
            sources = sources_of(raw_defaults)
        role_vars = self._load(os.path.join(path, "vars", "main.yml"), required=False) or {}
        specs = (self._load(os.path.join(path, "meta", "argument_specs.yml")) or {}).get("argument_specs") or {}
        steps = assert_steps(
            self._load(os.path.join(path, "tasks", f"{entry_point}.yml")) or [], f"{role} tasks/{entry_point}.yml"
        )
        # role defaults < the play's variables (inventory, play, extra vars) < role vars; the roles' vars/main.yml
        # hold only their internal __ names, so role vars never shadow what a user set
        variables = {**defaults, **task_vars, **role_vars}
        templar = self._templar.copy_with_new_env(available_variables=variables)
        # an option the play sets itself (role vars of a role run alone, an override) is named as it is
        own = {name for name in sources if name in task_vars and task_vars[name] != raw_defaults.get(name)}
        mapped = {name: source for name, (source, _direct) in sources.items() if name not in own}

        def label(name: str) -> str:
            if name not in mapped:
                return name
            source, direct = sources[name]
            return source if direct else f"{source} (through {name})"

        problems: list[str] = []
        options = (specs.get(entry_point) or {}).get("options") or {}
        provided = {}
        unresolved = set()
        for name in options:
            if name not in variables:
                continue
            try:
                provided[name] = templar.template(variables[name])
            except Exception as error:  # noqa: BLE001 - an undefined or broken inventory value, reported by name
                unresolved.add(name)
                problems.append(f"{label(name)}: cannot be resolved: {_first_line(error)}")
        problems += spec_problems({n: o for n, o in options.items() if n not in unresolved}, provided, label)
        if not problems and options and spec_keys(options) - SPEC_KEYS:
            outcome = ArgumentSpecValidator(options).validate(dict(provided), validate_role_argument_spec=True)
            problems += [f"Validation of arguments failed: {one_line(m)}" for m in outcome.error_messages]
        if not problems:
            # the asserts read the option values as just templated (each step's templar would render them again)
            resolved = {**variables, **provided}
            problems = self._assert_problems(
                steps, resolved, templar.copy_with_new_env(available_variables=resolved), options, label
            )
        return [name_entries(mention_sources(one_line(p), mapped), lambda v: self._inventory_value(v, task_vars, cache))
                for p in problems]

    def _assert_problems(self, steps, variables, templar, options, label) -> list[str]:
        problems: list[str] = []
        for step in steps:
            env = {**variables, **step["vars"]}
            step_templar = templar.copy_with_new_env(available_variables=env)
            try:
                failing = [c for c in step["that"] if not step_templar.evaluate_conditional(c)]
                if not failing:
                    continue
                condition = failing[0]
                message = step["fail_msg"]
                if message is None:
                    problems.append(f"{step['name']}: Assertion failed: {condition}")
                    continue
                listed = PROBLEM_LIST_CONDITION.match(condition)
                items = step_templar.resolve_variable_expression(listed["var"]) if listed else None
                if listed and _is_list(items) and items and all(isinstance(i, str) for i in items):
                    # one line per problem: the task's message rendered around each problem alone
                    for item in items:
                        one = templar.copy_with_new_env(available_variables={**env, listed["var"]: [item]})
                        problems.append(f"{step['name']}: {one_line(one.template(message))}")
                else:
                    problems.append(f"{step['name']}: {one_line(step_templar.template(message))}")
            except Exception as error:  # noqa: BLE001 - a value of a type the rule did not expect
                text = " ".join([str(step["vars"]), str(step["that"]), str(step["fail_msg"])])
                read = [label(name) for name in options if re.search(rf"\b{re.escape(name)}\b", text)]
                problems.append(
                    f"{step['name']}: cannot be checked, a value has a type the check does not expect"
                    + (f" (it reads {', '.join(read)})" if read else "")
                    + f": {_first_line(error)}"
                )
        return problems

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        roles = self._task.args.get("roles")
        entry_point = self._task.args.get("entry_point", "validate")
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            raise AnsibleError("validate_roles: roles must be a list of role names")
        task_vars = task_vars or {}
        cache: dict[str, Any] = {}
        found = [(role, problem) for role in roles
                 for problem in self._validate_role(role, entry_point, task_vars, cache)]
        problems = merge_lines(found)
        result.update(changed=False, validated=list(roles))
        if problems:
            result.update(failed=True, problems=problems, msg="Invalid inputs:\n" + "\n".join(problems))
        else:
            result["msg"] = f"the inputs of {len(roles)} roles are valid"
        return result
