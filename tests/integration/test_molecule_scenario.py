"""molecule's default scenario in make test: its create and destroy steps and its syntax check.

The scenario's converge, idempotence, check and verify steps are the site sequence test_site.py runs on its
own converge (the re-run with no write, check mode, and molecule/default/verify.yml itself), so make test
converges the whole site once instead of twice. Here: ``molecule syntax``; ``molecule create`` starts the
scenario's own backend (own state dir under the ephemeral directory, own free port) whose AWS endpoint and
Kubernetes API answer; ``molecule destroy`` stops it and removes its state. ``molecule test`` runs every
step for a user (README, Tests)."""

from __future__ import annotations

import json
import os
import ssl
import subprocess
import urllib.error
import urllib.request

import pytest
import yaml

from .conftest import ROOT, VENV_BIN

pytestmark = [pytest.mark.slow]


def _molecule(step: str, ephemeral) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "PATH": f"{VENV_BIN}:{os.environ.get('PATH', '')}",
        "MOLECULE_EPHEMERAL_DIRECTORY": str(ephemeral),
        "ANSIBLE_NOCOLOR": "1",
        "NO_COLOR": "1",
    }
    for var in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "LOCAL_BACKEND_DIR"):
        env.pop(var, None)
    return subprocess.run(
        [str(VENV_BIN / "molecule"), step], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900
    )


def _answers(url: str) -> bool:
    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE  # the stand-in's self-signed certificate
    try:
        with urllib.request.urlopen(url, timeout=10, context=ctx):
            return True
    except urllib.error.HTTPError:
        return True  # it answered (with an error status)
    except OSError:
        return False


def test_syntax_create_and_destroy(tmp_path):
    ephemeral = tmp_path / "ephemeral"
    syntax = _molecule("syntax", ephemeral)
    assert syntax.returncode == 0, syntax.stdout[-3000:] + syntax.stderr[-3000:]

    info: dict = {}
    created = _molecule("create", ephemeral)
    try:
        assert created.returncode == 0, created.stdout[-3000:] + created.stderr[-3000:]
        state = ephemeral / "backend"
        info = json.loads((state / "backend.json").read_text())
        assert _answers(f"{info['endpoint_url']}/_local/requests"), "the scenario's AWS endpoint does not answer"
        cluster = yaml.safe_load((state / "kubeconfig").read_text())["clusters"][0]["cluster"]
        assert _answers(f"{cluster['server']}/_local/health"), "the scenario's Kubernetes API does not answer"
    finally:
        destroyed = _molecule("destroy", ephemeral)
    assert destroyed.returncode == 0, destroyed.stdout[-3000:] + destroyed.stderr[-3000:]
    assert not (ephemeral / "backend").exists(), "destroy left the backend's state"
    assert info and not _answers(f"{info['endpoint_url']}/_local/requests"), "destroy left the AWS endpoint running"
