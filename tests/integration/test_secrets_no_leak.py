"""The aws_secrets role never leaks a generated value and never overwrites a value.

Against a private moto server: run ``site.yml --tags secrets -vvv`` (the checkout's ansible.cfg), read
every value back with boto3 and search the whole log for each generated value and every 12-character
substring of it. Then: a re-run changes nothing (changed=0, same values); a placeholder filled in by
hand survives a re-run; with ``platform_no_log=false`` a freshly generated value still does not reach
the log (the module itself never returns a value); check mode on the converged account changes nothing.
"""

from __future__ import annotations

import base64
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
BIN = REPO / ".venv" / "bin" if (REPO / ".venv" / "bin" / "ansible-playbook").exists() else Path(sys.executable).parent
REGION = "ap-northeast-2"
WINDOW = 12  # no substring of a generated value this long may appear in a log

_inventory = yaml.safe_load((REPO / "inventories/local/group_vars/all/main.yml").read_text())
PREFIX = f"{_inventory['platform_project']}/{_inventory['platform_environment']}"
KMS_ALIAS = f"alias/{_inventory['platform_project']}-{_inventory['platform_environment']}"
# The inventory's secrets (platform_secrets entries name theirs by suffix), names relative to PREFIX.
DEFINITIONS = [dict(d, name=d["suffix"]) for d in _inventory["platform_secrets"]]
GENERATED = [d for d in DEFINITIONS if d["kind"] == "generated"]
PLACEHOLDER_NAME = f"{PREFIX}/oauth/google"
REGENERATED_NAME = f"{PREFIX}/redis/auth-token"

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """A moto server of our own on a free port, a backend.json for the local inventory, and the KMS key
    the aws_kms role would have made (alias/<platform_name>)."""
    port = _free_port()
    state = tmp_path_factory.mktemp("secrets-backend")
    endpoint = f"http://127.0.0.1:{port}"
    env = {**os.environ, "MOTO_IAM_LOAD_MANAGED_POLICIES": "true"}
    with (state / "moto.log").open("wb") as log:
        server = subprocess.Popen(
            [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=log, env=env
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError(f"moto_server did not start on {endpoint}") from None
                time.sleep(0.2)
        config = {
            "endpoint_url": endpoint,
            "region": REGION,
            "aws_access_key_id": "testing",
            "aws_secret_access_key": "testing",
            # Read by inventories/local for the platform layer's repositories; only --tags secrets runs here,
            # but site.yml validates every layer's inputs first, so the URL must be present (never fetched).
            "chart_repository_url": "http://127.0.0.1:9",
        }
        (state / "backend.json").write_text(json.dumps(config))
        session = {
            "endpoint_url": endpoint,
            "region_name": REGION,
            "aws_access_key_id": "testing",
            "aws_secret_access_key": "testing",
        }
        kms = boto3.client("kms", **session)
        key = kms.create_key(Description="test key of aws_secrets")["KeyMetadata"]
        kms.create_alias(AliasName=KMS_ALIAS, TargetKeyId=key["KeyId"])
        yield {
            "dir": state,
            "key_arn": key["Arn"],
            "secretsmanager": boto3.client("secretsmanager", **session),
        }
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def run_playbook(backend: dict, *extra: str) -> tuple[int, str]:
    env = {key: value for key, value in os.environ.items() if key != "ANSIBLE_CONFIG"}
    env.update(LOCAL_BACKEND_DIR=str(backend["dir"]), ANSIBLE_FORCE_COLOR="0", ANSIBLE_NOCOLOR="1")
    done = subprocess.run(
        [str(BIN / "ansible-playbook"), "site.yml", "-i", "inventories/local", "--tags", "secrets", "-vvv", *extra],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=1800,  # safety net only
        check=False,
    )
    return done.returncode, done.stdout


def changed_count(log: str) -> int:
    match = re.search(r"local-controller\s*:\s*ok=\d+\s+changed=(\d+)\s+unreachable=0\s+failed=0", log)
    assert match, "no successful PLAY RECAP in the log:\n" + log[-3000:]
    return int(match.group(1))


def read_values(client) -> dict[str, str]:
    """Every secret's value, by full name."""
    names = [f"{PREFIX}/{d['name']}" for d in DEFINITIONS]
    return {name: client.get_secret_value(SecretId=name)["SecretString"] for name in names}


def generated_parts(values: dict[str, str]) -> dict[str, list[str]]:
    """Per generated secret: the random string as stored, and decoded when base64."""
    parts: dict[str, list[str]] = {}
    for definition in GENERATED:
        value = values[f"{PREFIX}/{definition['name']}"]
        if definition.get("json_key"):
            value = json.loads(value)[definition["json_key"]]
        found = [value]
        if definition.get("encoding") == "base64":
            found.append(base64.b64decode(value, validate=True).decode("ascii"))
        parts[definition["name"]] = found
    return parts


def differing(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """Names whose value differs (compared here so that a failing assert never prints a value)."""
    return sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))


def assert_no_leak(log: str, values: dict[str, str]) -> None:
    """Fail, without a traceback (which would show the log and the values), when any generated value or
    any WINDOW-long substring of it is in ``log``."""
    problems = []
    for name, parts in generated_parts(values).items():
        for part in parts:
            if len(part) < WINDOW:
                problems.append(f"{name}: generated value shorter than {WINDOW}")
                continue
            leaked = sum(part[i : i + WINDOW] in log for i in range(len(part) - WINDOW + 1))
            if leaked:
                problems.append(
                    f"{name}: {leaked} substrings of {WINDOW} characters of its generated value are in the log"
                )
    if problems:
        pytest.fail("; ".join(problems), pytrace=False)


def test_secrets_created_once_never_logged_never_overwritten(backend: dict) -> None:
    client = backend["secretsmanager"]

    # 1. Cold run: twelve secrets created, encrypted with the key; no generated value in the -vvv log.
    rc, log = run_playbook(backend)
    assert rc == 0, log[-4000:]
    assert changed_count(log) == 1
    values = read_values(client)
    assert len(values) == len(DEFINITIONS) == 12
    for definition in DEFINITIONS:
        described = client.describe_secret(SecretId=f"{PREFIX}/{definition['name']}")
        assert described["KmsKeyId"] == backend["key_arn"], definition["name"]
    # Sanity of the search itself: the generated parts are real, non-trivial strings.
    assert all(len(p) >= 24 for parts in generated_parts(values).values() for p in parts)
    assert_no_leak(log, values)

    # 2. Re-run: nothing changes, no value changes, still nothing in the log.
    rc, log = run_playbook(backend)
    assert rc == 0, log[-4000:]
    assert changed_count(log) == 0
    assert differing(values, read_values(client)) == []
    assert_no_leak(log, values)

    # 3. A placeholder filled in by hand, and a generated secret removed; re-run with no_log OFF.
    manual = json.dumps({"client_id": "manual-client-id", "client_secret": "manual-client-secret"})
    client.put_secret_value(SecretId=PLACEHOLDER_NAME, SecretString=manual)
    client.delete_secret(SecretId=REGENERATED_NAME, ForceDeleteWithoutRecovery=True)
    rc, log = run_playbook(backend, "-e", "platform_no_log=false")
    assert rc == 0, log[-4000:]
    assert changed_count(log) == 1
    after = read_values(client)
    # Only the re-created secret got a new value; the hand-filled placeholder kept the manual one.
    assert differing(values, after) == sorted([PLACEHOLDER_NAME, REGENERATED_NAME])
    assert differing({PLACEHOLDER_NAME: manual}, {PLACEHOLDER_NAME: after[PLACEHOLDER_NAME]}) == []
    # The module's own output is visible now (metadata only), and the new value is not in the log.
    assert re.search(r"changes:\n\s+- create\n\s+created: true", log), "module result not in the log"
    assert_no_leak(log, after)

    # 4. Check mode with diff on the converged account: nothing would change.
    rc, log = run_playbook(backend, "--check", "--diff")
    assert rc == 0, log[-4000:]
    assert changed_count(log) == 0
    assert differing(after, read_values(client)) == []
    assert_no_leak(log, after)
