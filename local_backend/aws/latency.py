"""Latency mode: slow AWS resources report their creating state for a while, then become available.

moto creates every resource in its final state (RDS ``available``, EKS ``ACTIVE``, NAT ``available``),
so code that must *wait* for slow resources - and start several of them without blocking, as the
project's roles do - is never exercised. With a scale ``F > 0`` each resource below reports its
creating state for ``seconds[kind] * F`` after it was created, then its available state:

==============================  ======================  ============================  ===========
kind                            resource                states                        seconds
==============================  ======================  ============================  ===========
``rds_instance``                RDS DB instance         ``creating`` -> ``available``  600
``rds_cluster``                 RDS DB cluster          ``creating`` -> ``available``  300
``elasticache_replication_group``  ElastiCache RG       ``creating`` -> ``available``  600
``elasticache_cache_cluster``   ElastiCache cluster     ``creating`` -> ``available``  600
``eks_cluster``                 EKS cluster             ``CREATING`` -> ``ACTIVE``     600
``eks_nodegroup``               EKS managed node group  ``CREATING`` -> ``ACTIVE``     240
``eks_addon``                   EKS add-on              ``CREATING`` -> ``ACTIVE``     60
``nat_gateway``                 NAT gateway             ``pending`` -> ``available``   120
==============================  ======================  ============================  ===========

Nothing sleeps: the status attribute of the moto model class is replaced by a descriptor that
computes the state from the creation time whenever a response reads it. Other states a resource is
put into later (``stopped``, ``deleting``, ``deleted`` ...) are reported as they are.

Time is read from one clock, :func:`now`: ``time.monotonic`` plus an offset by default. Tests make it
theirs: in process, :func:`set_clock` with a :class:`ManualClock` (``start_in_thread(clock=...)``) stops
time except when the test calls ``advance``; out of process, ``POST /_local/clock {"advance": S}`` adds
``S`` seconds to the offset (:func:`advance`). So no test needs to sleep or to be fast.

Configuration: ``--latency-scale F`` (``--latency`` alone: ``F = 0.05``) or env
``LOCAL_BACKEND_LATENCY_SCALE``; per-kind seconds with env ``LOCAL_BACKEND_LATENCY_SECONDS`` as JSON,
e.g. ``{"rds_instance": 30}`` (still multiplied by ``F``). The delay of a resource is fixed when it
is created. One configuration per process.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

DEFAULT_SECONDS: dict[str, float] = {
    "rds_instance": 600.0,
    "rds_cluster": 300.0,
    "elasticache_replication_group": 600.0,
    "elasticache_cache_cluster": 600.0,
    "eks_cluster": 600.0,
    "eks_nodegroup": 240.0,
    "eks_addon": 60.0,
    "nat_gateway": 120.0,
}

#: The scale ``--latency`` without a value selects (20x faster than AWS).
DEFAULT_LATENCY_FLAG_SCALE = 0.05

ENV_SCALE = "LOCAL_BACKEND_LATENCY_SCALE"
ENV_SECONDS = "LOCAL_BACKEND_LATENCY_SECONDS"

#: Attribute on a model object holding the clock time (:func:`now`) at which it becomes available.
READY_AT = "_local_backend_ready_at"


@dataclass(frozen=True)
class LatencyConfig:
    """Scale factor and realistic creation seconds per resource kind."""

    scale: float = 0.0
    seconds: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_SECONDS))

    def delay(self, kind: str) -> float:
        """Seconds a resource of ``kind`` created now reports its creating state."""
        if self.scale <= 0:
            return 0.0
        return max(0.0, float(self.seconds.get(kind, 0.0)) * self.scale)

    def as_dict(self) -> dict[str, Any]:
        return {"scale": self.scale, "seconds": dict(self.seconds)}


def parse_seconds(raw: str | Mapping[str, Any] | None) -> dict[str, float]:
    """Merge per-kind overrides (JSON text or mapping) into :data:`DEFAULT_SECONDS`; reject unknown kinds."""
    seconds = dict(DEFAULT_SECONDS)
    if raw in (None, ""):
        return seconds
    overrides = json.loads(raw) if isinstance(raw, str) else dict(raw)  # type: ignore[arg-type]
    if not isinstance(overrides, dict):
        raise ValueError(f"{ENV_SECONDS} must be a JSON object, got {raw!r}")
    unknown = sorted(set(overrides) - set(DEFAULT_SECONDS))
    if unknown:
        raise ValueError(f"{ENV_SECONDS}: unknown kinds {unknown}; known: {sorted(DEFAULT_SECONDS)}")
    for kind, value in overrides.items():
        seconds[kind] = float(value)
    return seconds


def config_from(
    scale: float | None = None,
    seconds: str | Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> LatencyConfig:
    """Explicit values win; otherwise ``LOCAL_BACKEND_LATENCY_SCALE`` / ``LOCAL_BACKEND_LATENCY_SECONDS``."""
    env = os.environ if environ is None else environ
    if scale is None:
        scale = float(env.get(ENV_SCALE) or 0.0)
    if seconds is None:
        seconds = env.get(ENV_SECONDS)
    if scale < 0:
        raise ValueError(f"latency scale must be >= 0, got {scale}")
    return LatencyConfig(scale=float(scale), seconds=parse_seconds(seconds))


class ManualClock:
    """A clock that only moves when told to (for tests): ``clock()`` -> seconds, ``clock.advance(s)``.

    It starts at ``time.monotonic()`` so that swapping it in does not move time backwards."""

    def __init__(self, start: float | None = None) -> None:
        self._now = time.monotonic() if start is None else float(start)
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> float:
        if seconds < 0:
            raise ValueError(f"a clock only moves forward, got {seconds}")
        with self._lock:
            self._now += float(seconds)
            return self._now


_lock = threading.Lock()
_current = LatencyConfig()
_clock: Callable[[], float] = time.monotonic
_offset = 0.0


def now() -> float:
    """The latency clock: the installed clock (``time.monotonic`` by default) plus :func:`advance`'s offset."""
    return _clock() + _offset


def offset() -> float:
    """Seconds :func:`advance` has added so far."""
    return _offset


def set_clock(clock: Callable[[], float]) -> Callable[[], float]:
    """Install ``clock`` (seconds, never decreasing) as the time source; return the previous one."""
    global _clock
    with _lock:
        previous, _clock = _clock, clock
    return previous


def advance(seconds: float) -> float:
    """Move the latency clock ``seconds`` forward (whatever clock is installed); return the total offset."""
    global _offset
    if seconds < 0:
        raise ValueError(f"the clock only moves forward, got {seconds}")
    with _lock:
        _offset += float(seconds)
        return _offset


def current() -> LatencyConfig:
    return _current


def set_config(config: LatencyConfig) -> LatencyConfig:
    """Install ``config`` for resources created from now on; return the previous one."""
    global _current
    with _lock:
        previous, _current = _current, config
    return previous


def stamp(obj: Any, kind: str) -> None:
    """Record when ``obj`` (just created) becomes available under the current configuration."""
    delay = _current.delay(kind)
    if delay > 0:
        obj.__dict__[READY_AT] = now() + delay
    else:
        obj.__dict__.pop(READY_AT, None)


def is_pending(obj: Any) -> bool:
    return now() < obj.__dict__.get(READY_AT, float("-inf"))


class TimedStatus:
    """Data descriptor that replaces a moto model's plain status attribute.

    Stores the value moto assigns under ``storage``; reads return ``pending`` instead of ``ready`` until
    the object's ready time (see :func:`stamp`). ``one_shot`` is a stored value moto itself reports once
    and then replaces with ``ready`` (moto's ``DBCluster`` starts at ``creating`` and flips to
    ``available`` on its first read); that behaviour is kept, after the pending window.
    """

    def __init__(self, storage: str, ready: str, pending: str, one_shot: str | None = None) -> None:
        self.storage = storage
        self.ready = ready
        self.pending = pending
        self.one_shot = one_shot
        self.seen = f"{storage}_seen"

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self
        value = obj.__dict__.get(self.storage)
        pending = is_pending(obj)
        if self.one_shot is not None and value == self.one_shot:
            first_read = not obj.__dict__.get(self.seen)
            obj.__dict__[self.seen] = True
            if pending:
                return self.pending
            obj.__dict__[self.storage] = self.ready
            return value if first_read else self.ready
        if value == self.ready and pending:
            return self.pending
        return value

    def __set__(self, obj: Any, value: Any) -> None:
        obj.__dict__[self.storage] = value


class BusyStatus:
    """Data descriptor over a model's status (a descriptor such as :class:`TimedStatus`, or None: the value kept in
    the instance's ``_local_status``): ``available`` reads as what ``busy(obj)`` answers (``modifying``,
    ``upgrading``) while a started change applies; None from ``busy`` leaves the status as it is."""

    def __init__(self, inner: Any, busy: Any) -> None:
        self.inner = inner
        self.busy = busy

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self
        value = self.inner.__get__(obj, owner) if self.inner is not None else obj.__dict__.get("_local_status")
        if value == "available":
            return self.busy(obj) or value
        return value

    def __set__(self, obj: Any, value: Any) -> None:
        if self.inner is not None:
            self.inner.__set__(obj, value)
        else:
            obj.__dict__["_local_status"] = value


def _wrap_init(cls: type, kind: str) -> None:
    original = cls.__init__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        stamp(self, kind)

    __init__.__wrapped__ = original  # type: ignore[attr-defined]
    cls.__init__ = __init__  # type: ignore[misc]


_installed = False


def install() -> None:
    """Patch the moto model classes once per process (idempotent). Delay 0 keeps moto's behaviour."""
    global _installed
    if _installed:
        return
    from moto.ec2.models.nat_gateways import NatGateway
    from moto.eks.models import Cluster, Nodegroup
    from moto.elasticache.models import CacheCluster, ReplicationGroup
    from moto.rds.models import DBCluster, DBInstance

    DBInstance.status = TimedStatus("_local_backend_status", "available", "creating")  # type: ignore[assignment]
    _wrap_init(DBInstance, "rds_instance")
    DBCluster.status = TimedStatus("_status", "available", "creating", one_shot="creating")  # type: ignore[assignment]
    _wrap_init(DBCluster, "rds_cluster")
    ReplicationGroup.status = TimedStatus("_local_backend_status", "available", "creating")  # type: ignore[attr-defined]
    _wrap_init(ReplicationGroup, "elasticache_replication_group")
    CacheCluster.status = TimedStatus("_local_backend_status", "available", "creating")  # type: ignore[attr-defined]
    CacheCluster.cache_cluster_status = TimedStatus(  # type: ignore[attr-defined]
        "_local_backend_cache_cluster_status", "available", "creating"
    )
    _wrap_init(CacheCluster, "elasticache_cache_cluster")
    Cluster.status = TimedStatus("_local_backend_status", "ACTIVE", "CREATING")  # type: ignore[attr-defined]
    _wrap_init(Cluster, "eks_cluster")
    Nodegroup.status = TimedStatus("_local_backend_status", "ACTIVE", "CREATING")  # type: ignore[attr-defined]
    _wrap_init(Nodegroup, "eks_nodegroup")
    NatGateway.state = TimedStatus("_local_backend_state", "available", "pending")  # type: ignore[attr-defined]
    _wrap_init(NatGateway, "nat_gateway")
    _installed = True
