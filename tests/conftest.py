"""Order of the test files for pytest-xdist (make test: ``-n 2 --dist loadfile --no-loadscope-reorder``).

xdist hands out whole files in collection order; its default reorder puts the files with the MOST tests first,
which on this suite queued the long single-test integration files (a whole-site converge each) last, so one
worker ran them alone at the end while the other idled. Here the files start longest first (the order of
their measured wall time in CI, longest first: a scheduling hint only, nothing is asserted on it), and the
many short unit tests fill the gaps at the end. Files not listed keep their place after the listed ones.
"""

from __future__ import annotations

LONGEST_FIRST = (
    "integration/test_site.py",
    "integration/test_migration.py",
    "integration/test_platform.py",
    "integration/test_bad_inputs.py",
    "integration/test_foundation.py",
    "integration/test_modules.py",
    "integration/test_databases.py",
    "integration/test_secrets_no_leak.py",
)


def _rank(item) -> int:
    path = item.nodeid.split("::", 1)[0]
    for rank, name in enumerate(LONGEST_FIRST):
        if path.endswith(name):
            return rank
    return len(LONGEST_FIRST)


def pytest_collection_modifyitems(config, items):
    items.sort(key=_rank)  # stable: the order inside a file and among unlisted files is kept
