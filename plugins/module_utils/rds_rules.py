# Copyright: cloudops.eks_platform contributors
# Apache-2.0
"""What RDS allows, in one table: engines and their major versions, default ports, storage ranges, name
and window formats, the statuses in which a change is accepted, and how versions compare. Used by the
input checks (``plugins/filter/rds.py``) and by the compare code of the modules (:mod:`rds_compare`).
Pure: no boto3, no Ansible.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_MINUTES = 24 * 60
WEEK_MINUTES = 7 * DAY_MINUTES
MIN_WINDOW_MINUTES = 30

#: Engines of a standalone DB instance this collection manages, with the major versions RDS offers.
INSTANCE_ENGINES: dict[str, tuple[int, ...]] = {"postgres": (13, 14, 15, 16, 17)}
#: Aurora engines with the major versions offered (aurora-mysql: the MySQL-compatible major 8.0 = "8").
AURORA_ENGINES: dict[str, tuple[int, ...]] = {"aurora-postgresql": (13, 14, 15, 16, 17), "aurora-mysql": (8,)}
#: The parameter (and value) that makes each engine refuse unencrypted connections: RDS for PostgreSQL /
#: Aurora PostgreSQL `rds.force_ssl` (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/PostgreSQL.Concepts.General.SSL.html),
#: RDS for MySQL/MariaDB `require_secure_transport` (boolean 0/1), Aurora MySQL `require_secure_transport` (ON/OFF,
#: a cluster parameter) (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/AuroraMySQL.Security.html).
TLS_PARAMETERS = {
    "postgres": ("rds.force_ssl", "1"),
    "aurora-postgresql": ("rds.force_ssl", "1"),
    "mysql": ("require_secure_transport", "1"),
    "mariadb": ("require_secure_transport", "1"),
    "aurora-mysql": ("require_secure_transport", "ON"),
}
#: The words Ansible reads as booleans (a value given on the command line with -e arrives as a string).
BOOLEAN_WORDS = {"true": True, "yes": True, "on": True, "1": True,
                 "false": False, "no": False, "off": False, "0": False}
#: Values of those parameters that mean "TLS not required".
TLS_OFF_VALUES = frozenset({"0", "off", "false"})


def tls_parameters(engine: str, parameters: Any, require_tls: Any, where: str) -> tuple[dict[str, Any], list[str]]:
    """The parameters to send (``parameters`` with the engine's TLS parameter added when ``require_tls``) and the
    problems: ``parameters`` turning TLS off while ``require_tls`` is on names both fields (``where``: the entry's
    path, e.g. platform_rds_instances[0])."""
    params = dict(parameters) if isinstance(parameters, Mapping) else {}
    if isinstance(require_tls, str) and require_tls.strip().lower() in BOOLEAN_WORDS:  # -e name=false
        require_tls = BOOLEAN_WORDS[require_tls.strip().lower()]
    if not isinstance(require_tls, bool):
        return params, [f"{where}.require_tls: must be true or false (got {require_tls!r})"]
    if not require_tls or engine not in TLS_PARAMETERS:
        return params, []
    name, value = TLS_PARAMETERS[engine]
    if name in params and str(params[name]).strip().lower() in TLS_OFF_VALUES:
        return params, [f"{where}.parameters: {name}={params[name]} turns TLS off while {where}.require_tls is true "
                        "(the default): set require_tls: false to allow unencrypted connections"]
    return {name: value, **params}, []


DEFAULT_PORTS = {"postgres": 5432, "aurora-postgresql": 5432, "aurora-mysql": 3306, "mysql": 3306}
#: Allocated storage range (GiB) per storage type for RDS PostgreSQL.
STORAGE_RANGES: dict[str, tuple[int, int]] = {
    "gp2": (20, 65536),
    "gp3": (20, 65536),
    "io1": (100, 65536),
    "io2": (100, 65536),
    "standard": (5, 3072),
}
INSTANCE_CLASS = re.compile(r"^db\.[a-z][a-z0-9-]*\.[0-9]*[a-z0-9]+$")
DB_NAME_PG = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,62}$")
DB_NAME_MYSQL = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,15}$")
RESERVED_USERNAMES = {"admin", "rdsadmin", "postgres", "root", "rdsrepladmin"}
BACKUP_WINDOW = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")
MAINTENANCE_WINDOW = re.compile(r"^([a-z]{3}):([01]\d|2[0-3]):([0-5]\d)-([a-z]{3}):([01]\d|2[0-3]):([0-5]\d)$")


def parse_backup_window(window: str) -> tuple[int, int]:
    """``hh24:mi-hh24:mi`` (UTC) -> (start, end) in minutes of the day; end may be < start (wraps)."""
    match = BACKUP_WINDOW.match(str(window).strip())
    if not match:
        raise ValueError(f"'{window}' is not hh24:mi-hh24:mi (e.g. 03:00-06:00)")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    return h1 * 60 + m1, h2 * 60 + m2


def parse_maintenance_window(window: str) -> tuple[int, int]:
    """``ddd:hh24:mi-ddd:hh24:mi`` (UTC, any case) -> (start, end) in minutes of the week (Monday 00:00 = 0)."""
    match = MAINTENANCE_WINDOW.match(str(window).strip().lower())
    if not match or match.group(1) not in DAYS or match.group(4) not in DAYS:
        raise ValueError(f"'{window}' is not ddd:hh24:mi-ddd:hh24:mi with ddd one of {', '.join(DAYS)} "
                         "(e.g. mon:00:00-mon:03:00)")
    d1, h1, m1, d2, h2, m2 = match.groups()
    start = DAYS.index(d1) * DAY_MINUTES + int(h1) * 60 + int(m1)
    end = DAYS.index(d2) * DAY_MINUTES + int(h2) * 60 + int(m2)
    return start, end


#: Statuses in which ModifyDBInstance / ModifyDBCluster / CreateDBInstance (member) are accepted.
INSTANCE_MODIFIABLE = frozenset({"available", "backing-up", "storage-optimization", "storage-full"})
CLUSTER_MODIFIABLE = frozenset({"available", "backing-up"})
AVAILABLE = "available"


def version_tuple(version: Any) -> tuple[int, ...]:
    """Numeric components: '17.7' -> (17, 7); '8.0.mysql_aurora.3.08.0' -> (8, 0, 3, 8, 0)."""
    return tuple(int(p) for p in re.findall(r"\d+", str(version or "")))


def major_version(engine: str, version: Any) -> tuple[int, ...]:
    """The components whose change is a major version upgrade: PostgreSQL '17.7' -> (17,); MySQL-compatible
    engines '8.0.mysql_aurora.3.08.0' -> (8, 0)."""
    depth = 2 if engine.endswith("mysql") else 1
    return version_tuple(version)[:depth]
