# The default strategy of this project (ansible.cfg: strategy = mitogen_linear): mitogen's linear strategy,
# which keeps one Python interpreter per host for the whole run instead of starting one and re-importing
# boto3 / the kubernetes client for every task (figures: benchmarks/README.md).
#
# mitogen is a pinned pip package (requirements.txt), so its strategy plugins live in the venv's
# site-packages, whose path differs between a venv, a user install and the execution environment; this
# file makes ansible.cfg's `strategy_plugins = ./strategy_plugins` find it wherever the package is.
#
# Switch back to the stock strategy for one run with ANSIBLE_STRATEGY=linear, or for good by removing the
# `strategy` line from ansible.cfg (see README, "Strategy").
from __future__ import annotations

DOCUMENTATION = """
name: mitogen_linear
short_description: mitogen's linear strategy (ansible_mitogen), found through the installed package
description:
  - Loads C(ansible_mitogen.plugins.strategy.mitogen_linear) from the installed mitogen package.
  - Set ANSIBLE_STRATEGY=linear to run without mitogen.
"""

try:
    from ansible_mitogen.plugins.strategy.mitogen_linear import StrategyModule  # noqa: F401
except ImportError as exc:  # pragma: no cover - only without the pinned package
    from ansible.errors import AnsibleError

    raise AnsibleError(
        "ansible.cfg selects the mitogen_linear strategy but the mitogen package is not importable "
        f"({exc}): run make setup (requirements.txt pins mitogen), or run with ANSIBLE_STRATEGY=linear."
    ) from exc
