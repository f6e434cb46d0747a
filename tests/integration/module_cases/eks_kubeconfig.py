"""Four-run case of eks_kubeconfig: a kubeconfig for the base cluster (``modtest-base``, eks_common.py) written
to ``<backend state dir>/modtest-kubeconfig/kube/config`` (the ``kube`` directory does not exist: the module
makes it 0700). The file is read with PyYAML; the expected server, CA and ARN come from boto3's
DescribeCluster in the prerequisites, the token is only checked for its form (it differs at every run, and
its value is never compared or kept)."""

from __future__ import annotations

import base64
import os
import stat
from typing import Any
from urllib.parse import parse_qs, urlsplit

import yaml

from . import Case, P

TOKEN_PREFIX = "k8s-aws-v1."  # aws-iam-authenticator's v1 token prefix


def prerequisites(b: Any, pre: dict) -> dict:
    cluster = b.client("eks").describe_cluster(name=pre["eks_base_cluster"])["cluster"]
    tmp = b.state_dir / f"{P}-kubeconfig"
    tmp.mkdir(mode=0o700, exist_ok=True)
    return {
        "kubeconfig_path": str(tmp / "kube" / "config"),
        "kubeconfig_region": b.info["region"],
        "kubeconfig_server": cluster["endpoint"],
        "kubeconfig_ca": cluster["certificateAuthority"]["data"],
    }


def _token_form(token: Any) -> Any:
    """What a bearer token decodes to (host, action, signed headers), never the token itself."""
    if not isinstance(token, str) or not token.startswith(TOKEN_PREFIX):
        return "not a k8s-aws-v1 token"
    data = token[len(TOKEN_PREFIX) :]
    url = urlsplit(base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)).decode())
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    return {
        "url": f"{url.scheme}://{url.netloc}{url.path}",
        "action": query.get("Action"),
        "expires": query.get("X-Amz-Expires"),
        "signed_headers": query.get("X-Amz-SignedHeaders"),
        "padded": "=" in data,
    }


def read_kubeconfig(b: Any, pre: dict) -> Any:
    path = pre["kubeconfig_path"]
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as fh:
        config = yaml.safe_load(fh)
    return {
        "mode": stat.S_IMODE(os.stat(path).st_mode),
        "dir_mode": stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode),
        "clusters": [
            (c["name"], c["cluster"]["server"], c["cluster"]["certificate-authority-data"]) for c in config["clusters"]
        ],
        "contexts": [(c["name"], c["context"]["cluster"], c["context"]["user"]) for c in config["contexts"]],
        "users": [(u["name"], sorted(u["user"])) for u in config["users"]],
        "current": config["current-context"],
        "token": [_token_form(u["user"].get("token")) for u in config["users"]],
    }


def _after(pre: dict) -> dict:
    arn = pre["eks_base_cluster_arn"]  # aws eks update-kubeconfig names every entry after the cluster ARN
    return {
        "mode": 0o600,
        "dir_mode": 0o700,
        "clusters": [(arn, pre["kubeconfig_server"], pre["kubeconfig_ca"])],
        "contexts": [(arn, arn, arn)],
        "users": [(arn, ["token"])],
        "current": arn,
        "token": [
            {
                "url": f"https://sts.{pre['kubeconfig_region']}.amazonaws.com/",
                "action": "GetCallerIdentity",
                "expires": "60",
                "signed_headers": "host;x-k8s-aws-id",
                "padded": False,
            }
        ],
    }


CASES = [
    Case(
        id="eks_kubeconfig",
        module="eks_kubeconfig",
        args=lambda pre: {"cluster_name": pre["eks_base_cluster"], "path": pre["kubeconfig_path"]},
        read=read_kubeconfig,
        before=lambda pre: None,
        after=_after,
    ),
]
