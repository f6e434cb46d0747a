# Copyright: cloudops.eks_platform contributors
# Apache-2.0
"""Aggregate callback: per-task wall times, written as JSON for the benchmarks."""

from __future__ import annotations

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = r"""
name: task_timings
type: aggregate
short_description: Write per-task wall times and result counts as JSON
description:
  - Records the wall time of every task (first start to last result over all hosts) and the play
    recap counts.
  - Writes them to the file named by the environment variable C(CLOUDOPS_TIMINGS_FILE) at the end of
    the run; does nothing when the variable is unset.
requirements:
  - enable in ansible.cfg (callbacks_enabled)
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "cloudops.eks_platform.task_timings"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self) -> None:
        super().__init__()
        self._path = os.environ.get("CLOUDOPS_TIMINGS_FILE")
        self._start = time.monotonic()
        self._tasks: list[dict] = []
        self._current: dict | None = None
        self._play = ""

    def _finish_current(self) -> None:
        if self._current is not None:
            self._current["seconds"] = round(time.monotonic() - self._current.pop("_t0"), 3)
            self._tasks.append(self._current)
            self._current = None

    def v2_playbook_on_play_start(self, play) -> None:
        self._finish_current()
        self._play = play.get_name()

    def v2_playbook_on_task_start(self, task, is_conditional) -> None:  # noqa: ARG002
        self._finish_current()
        role = task._role.get_name() if task._role else None
        self._current = {
            "play": self._play,
            "task": task.get_name(),
            "role": role,
            "action": task.action,
            "_t0": time.monotonic(),
        }

    v2_playbook_on_handler_task_start = v2_playbook_on_task_start

    def v2_playbook_on_stats(self, stats) -> None:
        self._finish_current()
        if not self._path:
            return
        hosts = sorted(stats.processed.keys())
        summary = {h: stats.summarize(h) for h in hosts}
        data = {
            "wall_seconds": round(time.monotonic() - self._start, 3),
            "task_count": len(self._tasks),
            "recap": summary,
            "tasks": self._tasks,
        }
        with open(self._path, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=1)
