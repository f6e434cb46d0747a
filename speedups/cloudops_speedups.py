"""Controller speed-ups for long-lived Python interpreters (the mitogen strategy's workers).

Every AWS module builds a new boto3 session and client; botocore then re-reads and re-parses the service
model JSON (EC2's is several MB) and rebuilds the client's methods, about 0.3-0.4 s per task on this
machine. botocore caches both per session only. Under mitogen the module runs in an interpreter that
stays alive between tasks, so a process-wide cache turns that into a dictionary lookup.

What is cached, process-wide, keyed exactly as botocore's own per-session cache plus the loader's search
paths: the results of ``Loader.load_service_model``, ``Loader.load_data`` and
``Loader.load_data_with_path`` (botocore already shares these dicts between the clients of one session,
read-only), and the per-operation methods ``ClientCreator._create_methods`` builds from a service model
(plain functions that only read their operation name; each client class gets its own copy of the dict, so
``creating-client-class`` handlers still add to their own class).

Installed by ``make setup`` as a ``.pth`` file in the virtual environment; it patches botocore lazily,
when ``botocore.client`` is first imported, so Python processes that never use botocore pay nothing.
``CLOUDOPS_BOTOCORE_CACHE=0`` turns it off. Without mitogen (``ANSIBLE_STRATEGY=linear``) each task is a
new process and the cache changes nothing.
"""

from __future__ import annotations

import os
import sys

_DATA: dict = {}
_METHODS: dict = {}
PATCHED = False


def _cached_loader_method(loader_cls, name):
    original = getattr(loader_cls, name)

    def cached(self, *args, **kwargs):
        key = (name, args, tuple(sorted(kwargs.items())), tuple(self.search_paths))
        try:
            return _DATA[key]
        except KeyError:
            value = _DATA[key] = original(self, *args, **kwargs)
            return value
        except TypeError:  # an unhashable argument: no caching
            return original(self, *args, **kwargs)

    cached.__wrapped__ = original
    cached.__name__ = name
    return cached


def patch_botocore() -> None:
    """Install the caches (idempotent)."""
    global PATCHED
    if PATCHED:
        return
    from botocore import client, loaders

    for name in ("load_service_model", "load_data", "load_data_with_path"):
        setattr(loaders.Loader, name, _cached_loader_method(loaders.Loader, name))

    original = client.ClientCreator._create_methods

    def create_methods(self, service_model):
        description = service_model._service_description
        entry = _METHODS.get(id(description))
        if entry is None or entry[0] is not description:
            entry = _METHODS[id(description)] = (description, original(self, service_model))
        return dict(entry[1])

    create_methods.__wrapped__ = original
    client.ClientCreator._create_methods = create_methods
    PATCHED = True


class _AfterImport:
    """Patches botocore right after ``botocore.client`` has been imported."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "botocore.client":
            return None
        sys.meta_path.remove(self)
        try:
            import importlib.util

            spec = importlib.util.find_spec(fullname)
        finally:
            sys.meta_path.insert(0, self)
        if spec is None or spec.loader is None:
            return spec
        exec_module = spec.loader.exec_module

        def exec_then_patch(module):
            exec_module(module)
            sys.modules[fullname] = module
            try:
                patch_botocore()
            finally:
                if self in sys.meta_path:
                    sys.meta_path.remove(self)

        spec.loader.exec_module = exec_then_patch
        return spec


def install() -> None:
    """Entry point of the .pth file: patch now if botocore is loaded, else when it is."""
    if os.environ.get("CLOUDOPS_BOTOCORE_CACHE", "1") == "0":
        return
    if "botocore.client" in sys.modules:
        patch_botocore()
    elif not any(isinstance(f, _AfterImport) for f in sys.meta_path):
        sys.meta_path.insert(0, _AfterImport())
