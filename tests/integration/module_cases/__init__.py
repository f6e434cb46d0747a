"""Four-run cases of test_modules.py kept in files of their own (one file per module family).

Each ``<family>.py`` here defines ``CASES`` (a list of :class:`Case`) and ``prerequisites(backend, pre)``,
which makes with boto3 what its cases need and returns the values to add to ``pre`` (the dict every case's
``args`` / ``read`` / ``before`` / ``after`` receives). test_modules.py runs them with its own cases, in the
same two playbooks (so a new case costs no ansible-playbook process of its own). Names start with
:data:`P`; tags are :data:`TAGS`.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

P = "modtest"  # prefix of every name made by the four-run cases
TAGS = {"Project": "modtest", "Environment": "test"}
STEPS = ("check1", "apply1", "apply2", "check2")


@dataclass
class Case:
    """One four-run case: the module, its options (a function of the prerequisites), a boto3 read of
    what the module manages, and the state that read must return before (unchanged by check mode) and
    after the apply runs."""

    id: str
    module: str
    args: Callable[[dict], dict]
    read: Callable[[Any, dict], Any]
    before: Callable[[dict], Any]
    after: Callable[[dict], Any]
    steps: tuple[str, ...] = STEPS
    extra: dict = field(default_factory=dict)


def tag_map(tag_list: list[dict] | dict | None) -> dict:
    """A boto3 Key/Value tag list (or an EKS tag map) as a dict."""
    if isinstance(tag_list, dict):
        return dict(tag_list)
    return {t["Key"]: t["Value"] for t in tag_list or []}


def families() -> list[ModuleType]:
    """The case files of this package: by ``ORDER`` (default 50; a file whose prerequisites others use sets a
    lower one, e.g. eks_common's 0), then by name."""
    found = [
        importlib.import_module(f"{__name__}.{info.name}")
        for info in pkgutil.iter_modules(__path__)
        if not info.name.startswith("_")
    ]
    return sorted(found, key=lambda m: (getattr(m, "ORDER", 50), m.__name__))
