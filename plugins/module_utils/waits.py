# Copyright: cloudops.eks_platform contributors
# Apache-2.0
"""One bounded time budget per module run (``wait_timeout``) and the one polling loop every wait uses.

A module makes one :class:`Budget` when it starts and hands it to every :func:`wait_until` of the run,
so several waits together never take longer than ``wait_timeout``. No fixed sleeps: each wait polls a
condition, 2 s first, doubling to 10 s, and never sleeps past the budget.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

FIRST_DELAY = 2.0
MAX_DELAY = 10.0


class Budget:
    """The time every wait of one module run shares (seconds from its creation)."""

    def __init__(self, seconds: int | None, clock: Callable[[], float] = time.monotonic) -> None:
        self.total = int(seconds or 0)
        self._clock = clock
        self.end = clock() + self.total

    def remaining(self) -> float:
        return max(0.0, self.end - self._clock())


def wait_until(
    module: Any,
    fetch: Callable[[], Any],
    ready: Callable[[Any], bool],
    budget: Budget,
    what: str,
    status: Callable[[Any], str] = str,
    failed: Callable[[Any], Mapping[str, Any] | None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Any:
    """Poll ``fetch`` until ``ready``; fail at once when ``failed`` returns fail_json arguments, or with
    ``Timed out waiting for <what>`` and the last status when the budget is spent."""
    delay = FIRST_DELAY
    while True:
        item = fetch()
        if ready(item):
            return item
        problem = failed(item) if failed else None
        if problem:
            module.fail_json(**problem)
        remaining = budget.remaining()
        if remaining <= 0:
            module.fail_json(
                msg=f"Timed out waiting for {what} (budget {budget.total} s, wait_timeout); last status: {status(item)}"
            )
        sleep(min(delay, remaining))
        delay = min(delay * 2, MAX_DELAY)
