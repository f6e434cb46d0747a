# Copyright: cloudops.eks_platform contributors
# Apache-2.0
"""The list-entry shape every resource kind of an inventory shares (docs/ROLE_CONVENTIONS.md, List entries).

A resource kind is a list (``platform_<kind>``) whose entries are dicts. An entry names its resource
EITHER by ``suffix`` (the final name is derived from the platform's naming pattern) OR by ``name``
(the exact final name); exactly one of the two. Final names are unique within a list. Messages name
the list variable, the entry index and the field: ``platform_s3_buckets[1].name``.

Pure functions (no Ansible, no boto3) so the role filters, the modules and the unit tests share them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any


def field_label(var: str, index: int, field: str | None = None) -> str:
    """``platform_s3_buckets[1].name`` (or ``platform_s3_buckets[1]`` without a field)."""
    return f"{var}[{index}]" + (f".{field}" if field else "")


def is_text(value: Any) -> bool:
    return isinstance(value, str) and value.strip() != ""


def type_name(value: Any) -> str:
    """The plain type name of a value for a message: ``str``, ``list``, ``dict``, ``int`` ... (Ansible 2.19+ hands
    filters its own subclasses, ``_AnsibleTaggedStr`` and the like, whose names mean nothing to the user)."""
    for cls in type(value).__mro__:
        if cls.__module__ == "builtins" and cls is not object:
            return cls.__name__
    return type(value).__name__


def shown(value: Any) -> str:
    """A value as a message shows it, as YAML wrote it: a string quoted (``'20GB'``), ``20``, ``true``, ``null``,
    whatever subclass of the builtin types it is."""
    if isinstance(value, bool):
        return str(value).lower()
    if value is None:
        return "null"
    if isinstance(value, str):
        return repr(str(value))
    return repr(value)


def integer_problem(value: Any) -> str | None:
    """``expected an integer, got '20GB'`` when ``value`` is not a whole number, else None. A whole number is an
    int, a float without a fraction or a string of digits with an optional sign (inventory values may be strings:
    ``"20"``); booleans, units (``20GB``), words (``two``) and fractions are not."""
    if isinstance(value, bool) or not (
        isinstance(value, int)
        or (isinstance(value, float) and value.is_integer())
        or (isinstance(value, str) and re.fullmatch(r"\s*[-+]?\d+\s*", value))
    ):
        return f"expected an integer, got {shown(value)}"
    return None


def as_int(value: Any) -> int | None:
    """A whole-number setting as an int (inventory values may be strings: ``"20"`` -> 20); None when it is not
    one (booleans are not numbers here)."""
    if isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def entry_problems(
    entry: Any,
    var: str,
    index: int,
    allowed: Iterable[str],
    naming: Sequence[str] = ("suffix", "name"),
) -> list[str]:
    """The entry is a dict, gives exactly one of the two naming fields (a non-empty string) and no
    field outside ``allowed`` (a typo would otherwise be ignored silently)."""
    if not isinstance(entry, Mapping):
        return [f"{field_label(var, index)}: each entry must be a dict (got {type_name(entry)})"]
    problems: list[str] = []
    given = [field for field in naming if entry.get(field) is not None]
    if len(given) != 1:
        first, second = naming
        problems.append(
            f"{field_label(var, index, second if len(given) == 2 else first)}: give exactly one of {first} "
            f"(the name is derived from the naming pattern) or {second} (the exact name)"
            + (f", not both (got {first}={entry.get(first)!r}, {second}={entry.get(second)!r})" if given else "")
        )
    for field in given:
        if not is_text(entry.get(field)):
            problems.append(f"{field_label(var, index, field)}: must be a non-empty string (got {entry.get(field)!r})")
    unknown = sorted(str(key) for key in entry if str(key) not in set(allowed) | set(naming))
    known = ", ".join(sorted(set(allowed) | set(naming)))
    for field in unknown:
        problems.append(f"{field_label(var, index, field)}: unknown field (allowed: {known})")
    return problems


def naming_ok(entry: Any, naming: Sequence[str] = ("suffix", "name")) -> bool:
    """Whether the entry gives exactly one naming field, as a non-empty string."""
    if not isinstance(entry, Mapping):
        return False
    given = [field for field in naming if entry.get(field) is not None]
    return len(given) == 1 and is_text(entry.get(given[0]))


def derived_name(
    entry: Mapping[str, Any], derive: Callable[[str], str], naming: Sequence[str] = ("suffix", "name")
) -> str:
    """The final name of a valid entry: ``name`` as given, or ``derive(suffix)``."""
    suffix_field, name_field = naming
    if entry.get(name_field) is not None:
        return str(entry[name_field])
    return derive(str(entry[suffix_field]))


def naming_field(entry: Mapping[str, Any], naming: Sequence[str] = ("suffix", "name")) -> str:
    """The naming field the entry gives (for messages about its final name)."""
    return naming[1] if entry.get(naming[1]) is not None else naming[0]


def duplicate_problems(named: Sequence[tuple[int, str, str]], var: str) -> list[str]:
    """``named`` is (index, field, final name) per entry; every name after the first occurrence is an error."""
    problems: list[str] = []
    first: dict[str, int] = {}
    for index, field, name in named:
        if name in first:
            other = field_label(var, first[name])
            problems.append(f"{field_label(var, index, field)}: the name {name!r} is already used by {other}")
        else:
            first[name] = index
    return problems


def refers_to(entry: Any, reference: Any) -> bool:
    """Whether ``reference`` names ``entry`` (by its suffix or its exact name)."""
    return (
        isinstance(entry, Mapping) and reference is not None and reference in (entry.get("suffix"), entry.get("name"))
    )
