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
    from ansible_mitogen.plugins.strategy.mitogen_linear import StrategyModule as _MitogenLinear
except ImportError as exc:  # pragma: no cover - only without the pinned package
    from ansible.errors import AnsibleError

    raise AnsibleError(
        "ansible.cfg selects the mitogen_linear strategy but the mitogen package is not importable "
        f"({exc}): run make setup (requirements.txt pins mitogen), or run with ANSIBLE_STRATEGY=linear."
    ) from exc


# Warm-ups done once in the controller, before the workers fork (each task runs in a forked worker, so
# anything a worker computes is lost with it; what the parent has computed is inherited for free).
# Measured on 40 read-only AWS tasks: without them every task's worker re-scans every installed collection
# (mitogen's planner calls list_collection_dirs() for each collection module) and re-parses the
# collections' meta/runtime.yml; together about 0.1-0.15 s of controller CPU per task. The collections'
# filter, test and action plugins are imported here too (a worker re-imports each one it uses otherwise).
WARM_COLLECTIONS = ("amazon.aws", "community.aws", "kubernetes.core", "cloudops.eks_platform")


def _memoize_collection_dirs():
    import ansible.collections.list as collection_list

    original = collection_list.list_collection_dirs
    if getattr(original, "_cloudops_memoized", False):
        return
    memo = {}

    def list_collection_dirs(search_paths=None, coll_filter=None, artifacts_manager=None, dedupe=True):
        if artifacts_manager is not None:  # a galaxy CLI call, not the planner's: no caching
            return original(search_paths, coll_filter, artifacts_manager=artifacts_manager, dedupe=dedupe)
        filt = tuple(coll_filter) if isinstance(coll_filter, list) else coll_filter
        key = (tuple(search_paths or ()), filt, dedupe)
        if key not in memo:
            memo[key] = list(original(search_paths, coll_filter, dedupe=dedupe))
        return iter(memo[key])

    list_collection_dirs._cloudops_memoized = True
    collection_list.list_collection_dirs = list_collection_dirs


def _memoize_jinja_plugin_lookups():
    """A collection filter or test (``cloudops.eks_platform.x``) is looked up by importing and listing every
    module of the collection's plugin package (ansible-core's Jinja2Loader does not cache it: "FUTURE: ...
    cache the collection results properly here"), and every template environment - a new one per templated
    task argument - looks it up again: about 4 % of a no-change site.yml run's controller time. The answer
    for one name does not change during a run; found plugins are kept per loader type and name.

    Jinja's own filters and tests that Ansible has no plugin for (``length``, ``first``, ``string``, ``none``,
    ...) are asked for first as ``ansible.builtin.<name>`` too, which lists ansible.builtin's plugin package
    every time without finding anything (about 1 ms each, in most ``when:`` of every task); that "not a plugin"
    answer is kept as well, for those names only (a role's own ``filter_plugins/`` defining one of Jinja's names,
    loaded by an ``include_role`` after the plays started, would not be seen). Any other name that is not found is
    looked up again each time, as without the memo."""
    import jinja2.filters
    import jinja2.tests
    from ansible.plugins.loader import Jinja2Loader

    original = Jinja2Loader.get_with_context
    if getattr(original, "_cloudops_memoized", False):
        return
    memo = {}
    jinja_builtins = {"filter": frozenset(jinja2.filters.FILTERS), "test": frozenset(jinja2.tests.TESTS)}

    def get_with_context(self, name, *args, **kwargs):
        if args or kwargs or not isinstance(name, str):
            return original(self, name, *args, **kwargs)
        builtin = name in jinja_builtins.get(self.type, ())
        if "." not in name and not builtin:
            return original(self, name)
        key = (self.type, self.package, name)
        found = memo.get(key)
        if found is None:
            found = original(self, name)
            if found.object is not None or builtin:
                memo[key] = found
        return found

    get_with_context._cloudops_memoized = True
    Jinja2Loader.get_with_context = get_with_context


def _warm_jinja_plugin_lookups(collection):
    """Resolve a collection's filters and tests by their fully qualified names in the controller, so that
    every forked worker inherits the answers (see _memoize_jinja_plugin_lookups)."""
    from ansible.plugins.loader import filter_loader, test_loader

    for loader, kind, class_name, method in (
        (filter_loader, "filter", "FilterModule", "filters"),
        (test_loader, "test", "TestModule", "tests"),
    ):
        for module in _plugin_modules(collection, kind):
            try:
                for name in getattr(getattr(module, class_name)(), method)():
                    loader.get_with_context(f"{collection}.{name}")
            except Exception:  # noqa: BLE001 - a plugin that fails here fails the same way in its task
                continue


def _warm_jinja_builtin_lookups():
    """Ask once, in the controller, for each of Jinja's own filters and tests (see
    _memoize_jinja_plugin_lookups): the workers inherit the answers."""
    import jinja2.filters
    import jinja2.tests
    from ansible.plugins.loader import filter_loader, test_loader

    for loader, names in ((filter_loader, jinja2.filters.FILTERS), (test_loader, jinja2.tests.TESTS)):
        for name in names:
            try:
                loader.get_with_context(name)
            except Exception:  # noqa: BLE001 - asked again in the task, which reports it
                continue


class StrategyModule(_MitogenLinear):
    def run(self, iterator, play_context):
        import importlib

        _memoize_collection_dirs()
        _memoize_jinja_plugin_lookups()
        import ansible.collections.list as collection_list

        for _ in collection_list.list_collection_dirs():
            pass
        for name in WARM_COLLECTIONS:
            _import_plugins(importlib, name)
            _warm_jinja_plugin_lookups(name)
        _warm_jinja_builtin_lookups()
        _warm_templating()
        return super().run(iterator, play_context)


def _warm_templating():
    """ansible-core's own filters and tests (filter/core.py imports the crypt helpers) are loaded by the
    first template of each worker otherwise; and compiled templates and mitogen's import scans are kept
    on disk (speedups/cloudops_speedups.py, installed into the virtualenv by make setup)."""
    from ansible.plugins.loader import filter_loader, test_loader

    for loader in (filter_loader, test_loader):
        ensure = getattr(loader, "_ensure_non_collection_wrappers", None)
        if ensure is not None:
            ensure()
    try:
        import cloudops_speedups
    except ImportError:  # an install without make setup: templates are compiled by each worker
        return
    for name in ("install_template_cache", "install_import_scan_cache"):
        install = getattr(cloudops_speedups, name, None)
        if install is not None:
            install()


def _plugin_modules(collection, kind):
    """The imported modules of a collection's plugins of one kind (filter, test, action); a module that fails to
    import is left out (it fails the same way in its task)."""
    import importlib
    import pkgutil

    package = f"ansible_collections.{collection}.plugins.{kind}"
    try:
        paths = importlib.import_module(package).__path__
    except ImportError:
        return []
    modules = []
    for info in pkgutil.iter_modules(paths):
        try:
            modules.append(importlib.import_module(f"{package}.{info.name}"))
        except Exception:  # noqa: BLE001 - see the docstring
            continue
    return modules


def _import_plugins(importlib, collection):
    """Import a collection's package (its meta/runtime.yml) and its filter, test and action plugins under
    the module names the workers' plugin loader looks for in sys.modules first."""
    try:
        importlib.import_module(f"ansible_collections.{collection}")
    except ImportError:
        return
    for kind in ("filter", "test", "action"):
        _plugin_modules(collection, kind)
