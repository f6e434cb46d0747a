"""The controller speed-ups: botocore's process-wide model cache (speedups/cloudops_speedups.py, loaded by
make setup's .pth file) and the mitogen strategy shim's warm-ups (strategy_plugins/mitogen_linear.py).

A cache that returned another service's model, shared one client class's methods with another, or ignored
the loader's search paths would break real API calls; these tests call botocore through a Stubber and
compare with an uncached botocore in a fresh interpreter."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "speedups"))

import cloudops_speedups  # noqa: E402


def _run(code: str, **env: str) -> str:
    full_env = {**os.environ, **env}
    out = subprocess.run([sys.executable, "-c", code], env=full_env, capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_make_setup_loads_it_in_every_venv_interpreter_and_the_switch_turns_it_off():
    code = "import boto3, cloudops_speedups; print(cloudops_speedups.PATCHED)"
    assert _run(code) == "True", "the .pth file of make setup is not installed in this venv"
    assert _run(code, CLOUDOPS_BOTOCORE_CACHE="0") == "False"
    # Interpreters that never import botocore do not import it because of the hook.
    assert _run("import sys; print('botocore' in sys.modules)") == "False"


@pytest.fixture(scope="module")
def patched():
    cloudops_speedups.patch_botocore()
    import boto3

    return boto3


def _client(boto3, service: str):
    return boto3.session.Session().client(
        service, region_name="eu-west-1", aws_access_key_id="a", aws_secret_access_key="b"
    )


def test_two_sessions_share_one_parsed_model_and_still_make_correct_calls(patched):
    from botocore.stub import Stubber

    first, second = _client(patched, "ec2"), _client(patched, "ec2")
    assert first.meta.service_model._service_description is second.meta.service_model._service_description
    with Stubber(second) as stub:
        stub.add_response("describe_vpcs", {"Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16"}]})
        assert second.describe_vpcs()["Vpcs"][0]["VpcId"] == "vpc-1"
    # each service keeps its own model and operations
    rds = _client(patched, "rds")
    assert rds.meta.service_model.service_name == "rds"
    assert hasattr(rds, "describe_db_instances") and not hasattr(rds, "describe_vpcs")


def test_operation_list_matches_uncached_botocore(patched):
    cached = sorted(_client(patched, "elasticache").meta.service_model.operation_names)
    uncached = json.loads(
        _run(
            "import boto3, json; c = boto3.session.Session().client('elasticache', region_name='eu-west-1', "
            "aws_access_key_id='a', aws_secret_access_key='b'); "
            "print(json.dumps(sorted(c.meta.service_model.operation_names)))",
            CLOUDOPS_BOTOCORE_CACHE="0",
        )
    )
    assert cached == uncached and "CreateReplicationGroup" in cached


def test_class_customisations_stay_on_their_own_class(patched):
    # boto3 adds upload_file to S3 clients through creating-client-class; a shared methods dict would leak it
    s3, ec2 = _client(patched, "s3"), _client(patched, "ec2")
    assert hasattr(s3, "upload_file") and not hasattr(ec2, "upload_file")
    session = patched.session.Session()
    session.events.register("creating-client-class.ec2", lambda class_attributes, **_: class_attributes.update(x=1))
    marked = session.client("ec2", region_name="eu-west-1", aws_access_key_id="a", aws_secret_access_key="b")
    assert getattr(marked, "x", None) == 1 and not hasattr(_client(patched, "ec2"), "x")


HANDLERS_PROBE = """
import boto3, json
s = boto3.session.Session(region_name='eu-west-1', aws_access_key_id='a', aws_secret_access_key='b')
for service in ('s3', 'ec2', 'autoscaling', 'rds'):
    s.client(service)
trie = s._session._events._emitter._handlers
events = ['before-parameter-build.s3.PutObject', 'before-call.s3.PutObject', 'before-sign.s3.PutObject',
          'before-parameter-build.ec2.RunInstances', 'after-call.ec2.DescribeVpcs', 'choose-signer.sts.AssumeRole',
          'before-parameter-build.auto-scaling.CreateLaunchConfiguration', 'before-call.rds.CopyDBSnapshot',
          'before-parameter-build.rds.CreateDBInstance', 'creating-client-class.s3', 'request-created.s3.PutObject']
print(json.dumps({e: [getattr(h, '__qualname__', type(h).__name__) for h in trie.prefix_search(e)] for e in events}))
"""


def test_event_handlers_are_registered_under_the_same_names_as_without_the_cache(patched):
    # the alias table and the **kwargs check are answered from process-wide memos; what a session registers,
    # under which event names and in which order, must not change
    cached, uncached = (json.loads(_run(HANDLERS_PROBE, CLOUDOPS_BOTOCORE_CACHE=switch)) for switch in ("1", "0"))
    assert cached == uncached
    assert sum(len(handlers) for handlers in cached.values()) > 20, cached
    assert cached["before-parameter-build.auto-scaling.CreateLaunchConfiguration"], cached  # registered as autoscaling
    from botocore import hooks

    aliaser = hooks.EventAliaser(hooks.HierarchicalEmitter(), {"old-name": "new-name"})
    assert aliaser._alias_event_name("before-call.old-name.Op") == "before-call.new-name.Op"
    assert cloudops_speedups._ALIASES.get("before-call.old-name.Op") is None  # another table: not memoized
    default = hooks.EventAliaser(hooks.HierarchicalEmitter())
    assert default._alias_event_name("before-call.autoscaling.DescribeAutoScalingGroups") == (
        "before-call.auto-scaling.DescribeAutoScalingGroups"
    )

    def positional(a, b):
        return a

    def with_kwargs(a, **kwargs):
        return a

    with pytest.raises(ValueError):  # botocore refuses a handler without **kwargs, memo or not
        hooks.HierarchicalEmitter().register("x", positional)
    with pytest.raises(ValueError):
        hooks.HierarchicalEmitter().register("x", positional)
    hooks.HierarchicalEmitter().register("x", with_kwargs)


def test_loader_search_paths_are_part_of_the_key(patched, tmp_path):
    import botocore.loaders

    model = {
        "version": "2.0",
        "metadata": {
            "apiVersion": "2099-01-01",
            "endpointPrefix": "fake",
            "protocol": "json",
            "serviceId": "Fake",
            "signatureVersion": "v4",
        },
        "operations": {},
        "shapes": {},
    }
    (tmp_path / "fake" / "2099-01-01").mkdir(parents=True)
    (tmp_path / "fake" / "2099-01-01" / "service-2.json").write_text(json.dumps(model))
    plain = botocore.loaders.Loader()
    extra = botocore.loaders.Loader(extra_search_paths=[str(tmp_path)])
    assert extra.load_service_model("fake", "service-2")["metadata"]["serviceId"] == "Fake"
    with pytest.raises(botocore.exceptions.UnknownServiceError):
        plain.load_service_model("fake", "service-2")


def test_strategy_memoizes_collection_dirs_with_the_same_answer():
    code = (
        "import sys; sys.path.insert(0, 'strategy_plugins'); from ansible.plugins.loader import init_plugin_loader; "
        "init_plugin_loader(); import ansible.collections.list as l; "
        "before = list(l.list_collection_dirs()); import mitogen_linear as m; m._memoize_collection_dirs(); "
        "after = list(l.list_collection_dirs()); again = list(l.list_collection_dirs()); "
        "print(before == after == again and len(before) > 3, l.list_collection_dirs._cloudops_memoized)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split()[-2:] == ["True", "True"], out.stdout + out.stderr



JINJA_LOOKUP_PROBE = """
import json, sys
sys.path.insert(0, 'strategy_plugins')
from ansible.plugins.loader import init_plugin_loader, filter_loader, test_loader, Jinja2Loader
init_plugin_loader()
name = 'cloudops.eks_platform.data_resource_names'
plain = filter_loader.get_with_context(name).object
import mitogen_linear as m
original = Jinja2Loader.get_with_context
calls = []
def counting(self, *args, **kwargs):
    calls.append(args[0])
    return original(self, *args, **kwargs)
Jinja2Loader.get_with_context = counting
m._memoize_jinja_plugin_lookups()
m._warm_jinja_plugin_lookups('cloudops.eks_platform')
warmed = len(calls)
first = filter_loader.get_with_context(name).object
second = filter_loader.get_with_context(name).object
unknown = 'cloudops.eks_platform.no_such_filter'
missing = [filter_loader.get_with_context(unknown).object for _ in range(2)]
after_warm, missing_calls = len(calls) - warmed, calls[warmed:].count(unknown)
before_builtins = len(calls)
m._warm_jinja_builtin_lookups()
warmed_builtins = len(calls) - before_builtins
builtin_answers = [filter_loader.get_with_context('length').object, test_loader.get_with_context('string').object]
from ansible.template import Templar, trust_as_template
from ansible.parsing.dataloader import DataLoader
condition = trust_as_template('x | length == 3 and x | first is number and "a" is string and not (x | first is string)')
rendered = Templar(loader=DataLoader(), variables={'x': [1, 2, 3]}).evaluate_conditional(condition)
after_builtins = len(calls) - before_builtins - warmed_builtins
print(json.dumps({
    "warmed": warmed, "after_warm": after_warm, "missing_calls": missing_calls,
    "same_function": first._function is plain._function and second is first,
    "missing": missing == [None, None],
    "test_plugin": test_loader.get_with_context('ansible.builtin.truthy').object is not None,
    "warmed_builtins": warmed_builtins, "after_builtins": after_builtins,
    "builtin_answers": builtin_answers == [None, None], "rendered": rendered,
}))
"""


def test_strategy_memoizes_collection_jinja_plugin_lookups_with_the_same_answer():
    # the warm-up resolves the collection's filters in the controller; the workers' lookups are then answered
    # without ansible-core's scan of the plugin package, with the same function; a name that is not found is
    # looked up again each time (as without the memo)
    probe = [sys.executable, "-c", JINJA_LOOKUP_PROBE]
    out = subprocess.run(probe, cwd=ROOT, capture_output=True, text=True, check=True)
    found = json.loads(out.stdout.splitlines()[-1])
    assert found["warmed"] > 10, found
    assert found["after_warm"] == 2 and found["missing_calls"] == 2, found  # only the two lookups of the unknown name
    assert found["same_function"] and found["missing"] and found["test_plugin"], found
    # Jinja's own filters and tests (no Ansible plugin of that name): asked once in the warm-up, then answered
    # "not a plugin" from the memo, and Jinja still renders them
    assert found["warmed_builtins"] > 50 and found["after_builtins"] == 0 and found["builtin_answers"], found
    assert found["rendered"] is True, found

# --- module_defaults action groups resolved once per process (patch_action_resolution) ----------------------

ACTION_GROUP_PROBE = """
import json, sys
from ansible.playbook import base
from ansible.plugins.loader import module_loader
lookups = []
find = module_loader.find_plugin_with_context
def counting(name, *args, **kwargs):
    lookups.append(name)
    return find(name, *args, **kwargs)
module_loader.find_plugin_with_context = counting
groups = []
resolve_group = base.FieldAttributeBase._resolve_group
def recording(self, name, mandatory=True):
    fq_name, actions = resolve_group(self, name, mandatory)
    groups.append([fq_name, sorted(actions)])
    return fq_name, actions
base.FieldAttributeBase._resolve_group = recording
from ansible.cli.playbook import PlaybookCLI
rc = PlaybookCLI(['ansible-playbook', '-i', 'localhost,', '--list-tasks', sys.argv[1]]).run()
import cloudops_speedups
print(json.dumps({"rc": rc, "lookups": len(lookups), "groups": groups, "patched": cloudops_speedups.ACTIONS_PATCHED}))
"""

TWO_PLAYS = """
- hosts: all
  gather_facts: false
  module_defaults:
    group/amazon.aws.aws: {region: eu-west-1}
    group/cloudops.eks_platform.aws: {region: eu-west-1}
  tasks:
    - ansible.builtin.debug: {msg: one}
- hosts: all
  gather_facts: false
  module_defaults:
    group/amazon.aws.aws: {region: eu-west-1}
    ansible.builtin.debug: {msg: legacy names are looked up every time}
  tasks:
    - ansible.builtin.debug: {msg: two}
"""


def test_module_defaults_groups_resolve_to_the_same_actions_once_per_process(tmp_path):
    # ansible-core caches a group's resolution per play only; the memo keeps fully qualified names for the
    # process. The second play's group must come out the same (same actions), from the memo.
    playbook = tmp_path / "two_plays.yml"
    playbook.write_text(TWO_PLAYS)

    def probe(**env: str) -> dict:
        out = subprocess.run([sys.executable, "-c", ACTION_GROUP_PROBE, str(playbook)], cwd=ROOT, check=True,
                             env={**os.environ, **env}, capture_output=True, text=True)
        return json.loads(out.stdout.splitlines()[-1])

    memo, plain = probe(), probe(CLOUDOPS_ACTION_CACHE="0")
    assert memo["rc"] == plain["rc"] == 0
    assert memo["patched"] and not plain["patched"]
    assert memo["groups"] == plain["groups"]
    aws = [actions for name, actions in memo["groups"] if name == "amazon.aws.aws"]
    assert len(aws) >= 2 and len(aws[0]) > 50 and "amazon.aws.ec2_vpc_net" in aws[0], aws[:1]
    # without the memo the second play looks every action of the group up again (twice: module, action)
    assert plain["lookups"] > memo["lookups"] + len(aws[0]), (plain["lookups"], memo["lookups"])


# --- compiled Jinja templates kept on disk (install_template_cache) ----------------------------------------

TEMPLATE_PROBE = """
import json
import cloudops_speedups
from ansible._internal._datatag._tags import TrustedAsTemplate
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar

installed = cloudops_speedups.install_template_cache()
templar = Templar(loader=DataLoader(), variables={"xs": [3, 1, 2], "name": "db", "n": 2})
trusted = TrustedAsTemplate().tag
print(json.dumps({
    "installed": installed,
    "template": templar.template(trusted("{{ xs | sort | join(',') }}-{{ name | upper }}")),
    "expression": templar.evaluate_conditional(trusted("xs | length > n")),
    "native": templar.template(trusted("{{ xs | length > n }}")),
    "hits": cloudops_speedups._TEMPLATE_CACHE["hits"],
    "misses": cloudops_speedups._TEMPLATE_CACHE["misses"],
    # the same sources in another environment with other values: compiled code from memory, their own results
    "again": templar.copy_with_new_env(available_variables={"xs": [9, 8], "name": "x", "n": 5}).template(
        trusted("{{ xs | sort | join(',') }}-{{ name | upper }}")),
    "again_expression": templar.copy_with_new_env(available_variables={"xs": [9, 8], "n": 5}).evaluate_conditional(
        trusted("xs | length > n")),
    "memory_hits": cloudops_speedups._TEMPLATE_CACHE["memory_hits"],
}))
"""


def _probe(cache: Path, **env: str) -> dict:
    return json.loads(_run(TEMPLATE_PROBE, CLOUDOPS_TEMPLATE_CACHE_DIR=str(cache), **env).splitlines()[-1])


def _entries(cache: Path) -> list[Path]:
    return sorted(cache.glob("*/*.code"))


def test_compiled_templates_are_reused_from_disk_by_the_next_process_with_the_same_results(tmp_path):
    cache = tmp_path / "jinja"
    first = _probe(cache)
    assert first["installed"] and (first["hits"], first["misses"]) == (0, 3)
    assert len(_entries(cache)) == 3
    second = _probe(cache)
    assert (second["hits"], second["misses"]) == (3, 0)
    results = ("template", "expression", "native")
    off = _probe(cache, CLOUDOPS_TEMPLATE_CACHE="0")
    assert not off["installed"] and (off["hits"], off["misses"]) == (0, 0)
    # the same answers (and types) with and without the cache
    assert [first[k] for k in results] == [second[k] for k in results] == [off[k] for k in results]
    assert (first["template"], first["expression"], first["native"]) == ("1,2,3-DB", True, True)
    assert (first["again"], first["again_expression"], first["memory_hits"]) == ("8,9-X", False, 2)
    assert off["memory_hits"] == 0 and (off["again"], off["again_expression"]) == ("8,9-X", False)
    for entry in _entries(cache):
        assert entry.stat().st_mode & 0o777 == 0o600


def test_a_changed_filter_plugin_starts_a_new_generation(tmp_path):
    plugins = tmp_path / "filter_plugins"
    plugins.mkdir()
    (plugins / "extra.py").write_text("class FilterModule:\n    def filters(self):\n        return {}\n")
    code = (
        "import cloudops_speedups; from ansible.plugins.loader import init_plugin_loader; init_plugin_loader(); "
        "print(cloudops_speedups._plugin_fingerprint().hex())"
    )
    env = {"ANSIBLE_FILTER_PLUGINS": str(plugins)}
    before, same = _run(code, **env), _run(code, **env)
    (plugins / "extra.py").write_text("class FilterModule:\n    def filters(self):\n        return {'x': str}\n")
    assert before == same != _run(code, **env)


def test_a_cache_directory_others_can_write_is_not_used(tmp_path):
    cache = tmp_path / "jinja"
    cache.mkdir()
    cache.chmod(0o777)
    probe = _probe(cache)
    assert not probe["installed"] and probe["template"] == "1,2,3-DB"
    assert _entries(cache) == []


# --- mitogen's import scans kept on disk (install_import_scan_cache) ----------------------------------------

IMPORT_PROBE = """
import json, sys
sys.path.insert(0, sys.argv[1])
import cloudops_speedups
installed = cloudops_speedups.install_import_scan_cache(sys.argv[2])
import mitogen.master
import botocore.session, probe_pkg.mod
finder = mitogen.master.ModuleFinder()
print(json.dumps({
    "installed": installed,
    "related": {name: finder.find_related_imports(name) for name in ("botocore.session", "probe_pkg.mod")},
    "hits": cloudops_speedups._IMPORT_SCAN["hits"],
    "misses": cloudops_speedups._IMPORT_SCAN["misses"],
}))
"""


def _import_probe(src: Path, cache: Path, **env: str) -> dict:
    full_env = {**os.environ, **env}
    cmd = [sys.executable, "-c", IMPORT_PROBE, str(src), str(cache)]
    out = subprocess.run(cmd, env=full_env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.splitlines()[-1])


def test_import_scans_are_reused_by_the_next_process_and_follow_the_source(tmp_path):
    src, cache = tmp_path / "src", tmp_path / "imports"
    (src / "probe_pkg").mkdir(parents=True)
    (src / "probe_pkg/__init__.py").write_text("")
    (src / "probe_pkg/mod.py").write_text("import botocore.session\n")
    first = _import_probe(src, cache)
    assert first["installed"] and (first["hits"], first["misses"]) == (0, 2)
    assert "botocore.session" in first["related"]["probe_pkg.mod"]
    assert len(list(cache.glob("*/*.imports"))) == 2
    second = _import_probe(src, cache)
    assert (second["hits"], second["misses"]) == (2, 0)
    off = _import_probe(src, cache, CLOUDOPS_IMPORT_SCAN_CACHE="0")
    assert not off["installed"] and (off["hits"], off["misses"]) == (0, 0)
    # the same answers with and without the cache
    assert first["related"] == second["related"] == off["related"]
    assert "botocore.hooks" in first["related"]["botocore.session"]
    # a changed source is scanned again: a cached answer never outlives the source it came from
    (src / "probe_pkg/mod.py").write_text("import botocore.loaders\n")
    changed = _import_probe(src, cache)
    assert (changed["hits"], changed["misses"]) == (1, 1)
    assert "botocore.loaders" in changed["related"]["probe_pkg.mod"]
    assert "botocore.session" not in changed["related"]["probe_pkg.mod"]
