# Copyright: cloudops.eks_platform contributors
# Apache-2.0
"""Argument-spec pieces the modules share: an option that several modules have is declared here once, with
the same type, aliases and default everywhere. Each call returns new dicts (AnsibleModule may keep them).

A module's ``argument_spec()`` is its own options plus these::

    dict(name=dict(type="str", required=True), **optional("int", "port"), state=state_option(),
         **tag_options(), **wait_options(1800))

The documentation of every option stays in the module's ``DOCUMENTATION`` (``tags`` / ``purge_tags`` come
from the ``amazon.aws.tags`` fragment).
"""

from __future__ import annotations

from typing import Any

Spec = dict[str, dict[str, Any]]


def optional(kind: str, *names: str) -> Spec:
    """Options of one type without a default or other settings: unset means the module leaves that setting
    alone. ``optional("int", "port")`` is ``{"port": {"type": "int"}}``."""
    return {name: {"type": kind} for name in names}


def state_option() -> dict[str, Any]:
    """``state``: ``present`` (default) or ``absent``."""
    return dict(type="str", default="present", choices=["present", "absent"])


def tag_options() -> Spec:
    """``tags`` (alias ``resource_tags``; omitted = tags not managed) and ``purge_tags`` (default true)."""
    return dict(
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )


def wait_options(timeout: int) -> Spec:
    """``wait`` (default true) and ``wait_timeout``: seconds, one budget for every wait of the run."""
    return dict(
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=timeout),
    )
