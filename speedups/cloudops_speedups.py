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

``patch_action_resolution`` (same hook, when ``ansible.playbook.base`` is imported) memoizes where the playbook
parser finds each fully qualified module of a ``module_defaults`` group: ansible-core caches a group per play
only (``CLOUDOPS_ACTION_CACHE=0`` turns it off).

The second cache is for the controller's Jinja templates (``install_template_cache``, called by the
project's strategy plugin, strategy_plugins/mitogen_linear.py, in the controller before the workers
fork). Ansible runs every task in a freshly forked worker and compiles each template the task uses there
(Jinja's parse and code generation, about half of a worker's CPU on this project's validation tasks); the
worker's in-memory caches die with it. Compiled templates are kept on disk instead, as marshalled code
objects, like Python's own ``__pycache__``: the key is the template source and everything code generation
reads (Python, ansible-core and Jinja versions, the environment's syntax settings, the filter and test
plugin files of every search path and collection). ``CLOUDOPS_TEMPLATE_CACHE=0`` turns it off;
``CLOUDOPS_TEMPLATE_CACHE_DIR`` moves it (default ``$XDG_CACHE_HOME`` or ``~/.cache``, then
``cloudops-eks-platform/jinja``); a directory not owned by the user or writable by others is not used.

The third (``install_import_scan_cache``, called by the same strategy plugin) keeps on disk the import lists
mitogen's module responder computes by compiling each module it serves and, recursively, everything that
module imports (``cloudops-eks-platform/imports`` beside the template cache; ``CLOUDOPS_IMPORT_SCAN_CACHE=0``
turns it off).
"""

from __future__ import annotations

import contextvars
import hashlib
import marshal
import os
import sys
import time

_DATA: dict = {}
_METHODS: dict = {}
_ALIASES: dict = {}  # event name -> name after botocore's default aliases
_VARKW: dict = {}  # handler code object -> the name of its **kwargs parameter (or None)
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
    _patch_botocore_hooks()
    PATCHED = True


def _patch_botocore_hooks() -> None:
    """Every botocore session registers ~130 built-in handlers; for each one botocore rewrites the event name
    through its alias table (cached per session only) and inspects the handler's signature for ``**kwargs``.
    That was half of the ~13 ms a boto3 session and client cost here, paid for every AWS module run. Both
    answers depend only on the event name (with botocore's own alias table) and on the handler's code, so
    they are kept for the process. Sessions built with another alias table, and callables that are not
    plain functions or methods (or that carry a ``__signature__``), are answered by botocore as before."""
    import types

    from botocore import hooks

    original_alias = hooks.EventAliaser._alias_event_name
    default_aliases = hooks.EVENT_ALIASES

    def alias_event_name(self, event_name):
        if self._event_aliases is not default_aliases:
            return original_alias(self, event_name)
        try:
            return _ALIASES[event_name]
        except KeyError:
            name = _ALIASES[event_name] = original_alias(self, event_name)
            return name

    alias_event_name.__wrapped__ = original_alias
    hooks.EventAliaser._alias_event_name = alias_event_name

    original_accepts = hooks.accepts_kwargs

    def accepts_kwargs(func):
        function = getattr(func, "__func__", func)
        if not isinstance(function, types.FunctionType) or hasattr(function, "__signature__"):
            return original_accepts(func)
        try:
            return _VARKW[function.__code__]
        except KeyError:
            value = _VARKW[function.__code__] = original_accepts(func)
            return value

    accepts_kwargs.__wrapped__ = original_accepts
    hooks.accepts_kwargs = accepts_kwargs


_ACTIONS: dict = {}
ACTIONS_PATCHED = False


def patch_action_resolution() -> None:
    """Memoize the module_defaults action lookups of the playbook parser (idempotent).

    ``module_defaults: {group/amazon.aws.aws: ...}`` makes ansible-core resolve every action of the group
    (and of the groups it extends) through the module and action plugin loaders, and it caches the result per
    play only: site.yml's plays resolved the same ~380 names 2,364 times, 1.1 s of every ansible-playbook
    start on this machine. A collection's fully qualified name resolves the same way for the whole process
    (its collection paths are fixed at start), so those are kept process-wide; ``ansible.legacy`` names,
    which a role's ``library/`` can change, and names that did not resolve are looked up again every time.
    """
    global ACTIONS_PATCHED
    if ACTIONS_PATCHED:
        return
    from ansible.playbook import base

    original = base.FieldAttributeBase._resolve_action

    def resolve_action(self, action_name, mandatory=True):
        key = (action_name, mandatory)
        try:
            return _ACTIONS[key]
        except KeyError:
            pass
        resolved = original(self, action_name, mandatory)
        if resolved and not action_name.startswith("ansible.legacy.") and action_name.count(".") >= 2:
            _ACTIONS[key] = resolved
        return resolved

    resolve_action.__wrapped__ = original
    base.FieldAttributeBase._resolve_action = resolve_action
    ACTIONS_PATCHED = True


class _AfterImport:
    """Patches a module right after it has been imported: botocore.client, ansible.playbook.base."""

    def __init__(self, patches: dict):
        self.patches = patches  # module name -> function that patches it

    def find_spec(self, fullname, path=None, target=None):
        patch = self.patches.get(fullname)
        if patch is None:
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
                patch()
            finally:
                self.patches.pop(fullname, None)
                if not self.patches and self in sys.meta_path:
                    sys.meta_path.remove(self)

        spec.loader.exec_module = exec_then_patch
        return spec


def install() -> None:
    """Entry point of the .pth file: patch what is loaded now, the rest when it is imported.

    CLOUDOPS_BOTOCORE_CACHE=0 turns the botocore caches off, CLOUDOPS_ACTION_CACHE=0 the action memo.
    """
    if any(isinstance(f, _AfterImport) for f in sys.meta_path):
        return
    pending = {}
    for switch, module, patch in (
        ("CLOUDOPS_BOTOCORE_CACHE", "botocore.client", patch_botocore),
        ("CLOUDOPS_ACTION_CACHE", "ansible.playbook.base", patch_action_resolution),
    ):
        if os.environ.get(switch, "1") == "0":
            continue
        if module in sys.modules:
            patch()
        else:
            pending[module] = patch
    if pending:
        sys.meta_path.insert(0, _AfterImport(pending))


# --- compiled Jinja templates, cached on disk ------------------------------------------------------------

TEMPLATE_CACHE_VERSION = "1"
TEMPLATE_CACHE_MAX_ENTRIES = 20000  # a bound on the directory (templates are the playbooks' own strings)
_TEMPLATE_CACHE: dict = {"dir": None, "salt": b"", "hits": 0, "misses": 0, "memory_hits": 0}
# Code objects are immutable: one compiled template serves every environment of the process (a task's worker
# templates the same expressions again for each role or loop item; the validation, hundreds of times).
_TEMPLATE_MEMORY: dict = {}
TEMPLATE_MEMORY_MAX_ENTRIES = 5000
_EXPRESSION = contextvars.ContextVar("cloudops_expression_source", default=None)


def template_cache_dir() -> str:
    explicit = os.environ.get("CLOUDOPS_TEMPLATE_CACHE_DIR")
    if explicit:
        return explicit
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "cloudops-eks-platform", "jinja")


def _private_dir(path: str) -> bool:
    """Create ``path`` (mode 0700) if needed; True only if it is a directory this user owns that nobody
    else can write (its files are code the controller runs)."""
    try:
        os.makedirs(path, mode=0o700, exist_ok=True)
        st = os.stat(path)
    except OSError:
        return False
    import stat

    return stat.S_ISDIR(st.st_mode) and st.st_uid == os.getuid() and not st.st_mode & 0o022


def _plugin_fingerprint() -> bytes:
    """What Jinja's code generation reads besides the source: the filter and test plugins (a filter's
    pass_context/pass_environment marker changes the generated call). Every filter/test plugin file on
    the loaders' search paths and in every collection path, by path, size and modification time."""
    import glob

    import ansible
    import jinja2
    from ansible.plugins.loader import filter_loader, test_loader

    try:
        from ansible.utils.collection_loader import AnsibleCollectionConfig

        collection_paths = list(AnsibleCollectionConfig.collection_paths or [])
    except Exception:  # noqa: BLE001 - no collection finder: the loaders' paths are still fingerprinted
        collection_paths = []
    files = set()
    for loader in (filter_loader, test_loader):
        for directory in loader._get_paths():
            files.update(glob.glob(os.path.join(directory, "*.py")))
    for root in collection_paths:
        for kind in ("filter", "test"):
            files.update(glob.glob(os.path.join(root, "ansible_collections", "*", "*", "plugins", kind, "*.py")))
    digest = hashlib.sha256()
    for item in (TEMPLATE_CACHE_VERSION, sys.implementation.cache_tag, ansible.__version__, jinja2.__version__):
        digest.update(f"{item}\0".encode())
    for path in sorted(files):
        try:
            st = os.stat(path)
        except OSError:
            continue
        digest.update(f"{path}\0{st.st_size}\0{st.st_mtime_ns}\0".encode())
    return digest.digest()


def install_template_cache(cache_dir: str | None = None) -> bool:
    """Patch ansible-core's Jinja environment to keep compiled templates on disk (idempotent). Call it in
    the controller before the workers fork. False (nothing patched) when turned off, when ansible-core's
    templating internals are not the ones this was written for, or when the directory is not private."""
    if os.environ.get("CLOUDOPS_TEMPLATE_CACHE", "1") == "0":
        return False
    try:
        import jinja2
        from ansible._internal._templating import _jinja_bits
        from ansible._internal._templating._jinja_common import _TemplateConfig
    except ImportError:
        return False
    env_cls = getattr(_jinja_bits, "AnsibleEnvironment", None)
    if env_cls is not None and getattr(env_cls.compile, "_cloudops_cached", False) and cache_dir is None:
        return _TEMPLATE_CACHE["dir"] is not None  # installed by an earlier play of this run
    compile_context = getattr(_jinja_bits, "_TemplateCompileContext", None)
    field_names = getattr(_jinja_bits, "_TEMPLATE_OVERRIDE_FIELD_NAMES", None)
    if env_cls is None or compile_context is None or field_names is None:
        return False
    root = cache_dir or template_cache_dir()
    salt = _plugin_fingerprint()
    directory = os.path.join(root, salt.hex()[:16])
    if not (_private_dir(root) and _private_dir(directory)):
        return False
    _TEMPLATE_CACHE.update(dir=directory, salt=salt)
    _prune_other_generations(root, directory)
    if getattr(env_cls.compile, "_cloudops_cached", False):
        return True

    base_compile = jinja2.Environment.compile
    base_compile_expression = env_cls.compile_expression

    def compile_expression(self, source, *args, **kwargs):
        token = _EXPRESSION.set(str.__str__(source) if isinstance(source, str) else None)
        try:
            return base_compile_expression(self, source, *args, **kwargs)
        finally:
            _EXPRESSION.reset(token)

    def compile(self, source, name=None, filename=None, raw=False, defer_init=False):  # noqa: A001
        directory = _TEMPLATE_CACHE["dir"]
        if raw or directory is None or getattr(self, "_debuggable_template_source", False):
            return base_compile(self, source, name, filename, raw, defer_init)
        if isinstance(source, str):
            kind, text = "template", str.__str__(source)
        elif isinstance(source, jinja2.nodes.Template) and _EXPRESSION.get() is not None:
            kind, text = "expression", _EXPRESSION.get()
        else:
            return base_compile(self, source, name, filename, raw, defer_init)
        tcc = compile_context.current(optional=True)
        settings = (
            type(self).__module__,
            type(self).__qualname__,
            tuple(repr(getattr(self, field, None)) for field in field_names),
            bool(tcc and tcc.escape_backslashes),
            bool(_TemplateConfig.allow_embedded_templates),
            tuple(_TemplateConfig.jinja_extensions or ()),
            self.is_async,
            self.optimized,
            name,
            filename,
            defer_init,
        )
        key = (kind, settings, text)
        code = _TEMPLATE_MEMORY.get(key)
        if code is not None:  # compiled earlier in this process (or in the controller before the fork)
            _TEMPLATE_CACHE["memory_hits"] += 1
            return code
        digest = hashlib.sha256(_TEMPLATE_CACHE["salt"])
        digest.update(repr((kind, settings)).encode())
        digest.update(b"\0")
        digest.update(text.encode("utf-8", "surrogatepass"))
        path = os.path.join(directory, digest.hexdigest() + ".code")
        code = _load_or_make(
            path, directory, _TEMPLATE_CACHE, lambda: base_compile(self, source, name, filename, raw, defer_init)
        )
        if len(_TEMPLATE_MEMORY) >= TEMPLATE_MEMORY_MAX_ENTRIES:
            _TEMPLATE_MEMORY.clear()
        _TEMPLATE_MEMORY[key] = code
        return code

    compile._cloudops_cached = True
    compile.__wrapped__ = base_compile
    compile_expression.__wrapped__ = base_compile_expression
    env_cls.compile = compile
    env_cls.compile_expression = compile_expression
    return True


def _load_or_make(path: str, directory: str, counters: dict, make):
    """The marshalled value at ``path``; else ``make()``, stored there. Counts hits and misses."""
    try:
        with open(path, "rb") as handle:
            value = marshal.loads(handle.read())
        counters["hits"] += 1
        return value
    except (OSError, EOFError, ValueError, TypeError):
        pass
    value = make()
    counters["misses"] += 1
    _store(path, directory, value)
    return value


def _store(path: str, directory: str, code) -> None:
    try:
        data = marshal.dumps(code)
    except ValueError:  # a constant marshal cannot write: that template is compiled each time
        return
    try:
        if len(os.listdir(directory)) >= TEMPLATE_CACHE_MAX_ENTRIES:
            return
        tmp = f"{path}.{os.getpid()}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)  # atomic: a concurrent reader sees the whole file or none
    except OSError:
        pass


def _prune_other_generations(root: str, keep: str, max_age_days: int = 7) -> None:
    """Remove cache generations (other plugin fingerprints) untouched for a week."""
    import shutil

    cutoff = time.time() - max_age_days * 86400
    try:
        entries = list(os.scandir(root))
    except OSError:
        return
    for entry in entries:
        if entry.path != keep and entry.is_dir(follow_symlinks=False):
            try:
                if entry.stat(follow_symlinks=False).st_mtime < cutoff:
                    shutil.rmtree(entry.path, ignore_errors=True)
            except OSError:
                pass


# --- mitogen's import scans, cached on disk ---------------------------------------------------------------

IMPORT_SCAN_CACHE_VERSION = "1"
_IMPORT_SCAN: dict = {"dir": None, "salt": b"", "hits": 0, "misses": 0}


class _PendingScan:
    """What the patched ``compile`` in mitogen.master returns: the source, scanned for imports only when
    the patched ``codeobj_imports`` asks (from disk when this source was scanned before)."""

    __slots__ = ("source", "filename")

    def __init__(self, source, filename):
        self.source, self.filename = source, filename


def _scan_imports(pending: _PendingScan, scan) -> list:
    source = pending.source if isinstance(pending.source, bytes) else pending.source.encode("utf-8", "surrogatepass")
    digest = hashlib.sha256(_IMPORT_SCAN["salt"])
    digest.update(source)
    path = os.path.join(_IMPORT_SCAN["dir"], digest.hexdigest() + ".imports")

    def make() -> list:
        code = compile(pending.source, pending.filename, "exec")
        return [(level, name, tuple(names)) for level, name, names in scan(code)]

    return _load_or_make(path, _IMPORT_SCAN["dir"], _IMPORT_SCAN, make)


def install_import_scan_cache(cache_dir: str | None = None) -> bool:
    """Keep the import lists mitogen's module responder computes on disk (idempotent; call it in the
    controller before mitogen's multiplexer forks).

    To serve a module to the interpreter that runs the tasks, mitogen compiles the module's source and
    every module it imports, recursively (botocore, the kubernetes client: thousands of files), to list
    their imports; nothing of that survives the run. Only the import list of a source is cached, keyed by
    the source and the Python/mitogen versions; which of those modules are sent is still decided by
    mitogen, live. False (nothing patched) when turned off (``CLOUDOPS_IMPORT_SCAN_CACHE=0``), when
    mitogen's ``ModuleFinder.find_related_imports`` is not the code this was written for (it must compile
    the source and pass the code object to ``mitogen.imports.codeobj_imports``), or when the directory is
    not private."""
    if os.environ.get("CLOUDOPS_IMPORT_SCAN_CACHE", "1") == "0":
        return False
    try:
        import inspect

        import mitogen
        import mitogen.imports
        import mitogen.master
    except ImportError:
        return False
    scan = mitogen.imports.codeobj_imports
    if getattr(scan, "_cloudops_cached", False):
        return _IMPORT_SCAN["dir"] is not None
    try:
        body = inspect.getsource(mitogen.master.ModuleFinder.find_related_imports)
    except (OSError, TypeError):
        return False
    if "compile(src, modpath, 'exec')" not in body or "mitogen.imports.codeobj_imports(co)" not in body:
        return False
    if "compile" in vars(mitogen.master):  # the module defines its own compile: not the code we know
        return False
    salt = hashlib.sha256(
        f"{IMPORT_SCAN_CACHE_VERSION}\0{sys.implementation.cache_tag}\0{mitogen.__version__}".encode()
    ).digest()
    root = cache_dir or os.path.join(os.path.dirname(template_cache_dir()), "imports")
    directory = os.path.join(root, salt.hex()[:16])
    if not (_private_dir(root) and _private_dir(directory)):
        return False
    _IMPORT_SCAN.update(dir=directory, salt=salt)
    _prune_other_generations(root, directory)

    def pending_compile(source, filename, mode, *args, **kwargs):
        if mode != "exec" or args or kwargs:
            return compile(source, filename, mode, *args, **kwargs)
        return _PendingScan(source, filename)

    def codeobj_imports(co):
        if isinstance(co, _PendingScan):
            return iter(_scan_imports(co, scan))
        return scan(co)

    codeobj_imports._cloudops_cached = True
    codeobj_imports.__wrapped__ = scan
    mitogen.imports.codeobj_imports = codeobj_imports
    mitogen.master.compile = pending_compile  # only find_related_imports calls compile in mitogen.master
    return True
