#!/usr/bin/python
# Copyright: cloudops.eks_platform contributors
# Apache-2.0

DOCUMENTATION = r"""
module: eks_kubeconfig
short_description: Write a kubeconfig with a fresh EKS bearer token, without the aws CLI
version_added: 0.1.0
description:
  - Describes an EKS cluster (endpoint and certificate authority) and writes a kubeconfig for it at O(path) -
    one cluster, one user and one context, the context current. The user holds a bearer token built in
    Python the way C(aws eks get-token) builds it, so neither the aws CLI nor an exec plugin is needed where
    the kubeconfig is used (the platform layer's kubernetes.core modules).
  - The token is C(k8s-aws-v1.) followed by the URL-safe base64 (no padding) of a presigned STS
    C(GetCallerIdentity) URL for the regional endpoint C(https://sts.<region>.amazonaws.com/), signed with the
    module's AWS credentials, with the header C(x-k8s-aws-id) set to O(cluster_name) signed and
    C(X-Amz-Expires=60) as the aws CLI sends it. STS ignores X-Amz-Expires; the EKS authenticator
    (aws-iam-authenticator) accepts the token until 15 minutes after its C(X-Amz-Date). Re-run the module
    (or use an exec-based kubeconfig) for work that lasts longer.
  - The token is signed for the public regional STS endpoint whatever O(endpoint_url) is; O(endpoint_url)
    only serves the EKS C(DescribeCluster) call. Signing makes no network call.
  - The file is replaced as a whole (not merged into an existing kubeconfig), atomically, with mode C(0600);
    its directory is created with mode C(0700) when missing.
  - The token differs at every run. C(changed) is true only when the file apart from the token differs (missing
    or unreadable file, server, certificate authority, names, current context) or its mode is not C(0600).
    Outside check mode the token is refreshed at every run, also when nothing else changed.
  - The token is never returned and never shown in a diff; it is registered as a no-log value.
  - In check mode nothing is written and no token is made. A cluster that does not exist yet is a warning in
    check mode (an earlier task of the same run may create it) and a failure otherwise.
options:
  cluster_name:
    description: Name of the EKS cluster.
    type: str
    required: true
  path:
    description: Where to write the kubeconfig (the file is replaced, not merged).
    type: path
    required: true
  context_name:
    description:
      - Name of the cluster, user and context entries of the kubeconfig.
      - Defaults to the cluster ARN (as C(aws eks update-kubeconfig) names them), or O(cluster_name) when the
        ARN is not known.
    type: str
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
author:
  - cloudops platform team
"""

EXAMPLES = r"""
- name: Kubeconfig of the prod cluster for the platform layer
  cloudops.eks_platform.eks_kubeconfig:
    cluster_name: wealist-prod
    path: "{{ playbook_dir }}/.kube/wealist-prod"
  register: kube

- name: Use it
  kubernetes.core.k8s_info:
    kubeconfig: "{{ kube.path }}"
    kind: Namespace
"""

RETURN = r"""
path:
  description: The kubeconfig file.
  returned: always
  type: str
  sample: /home/ops/.kube/wealist-prod
server:
  description: The cluster's API server endpoint (null in check mode when the cluster does not exist yet).
  returned: always
  type: str
  sample: https://0123456789ABCDEF.gr7.ap-northeast-2.eks.amazonaws.com
context:
  description: The kubeconfig's current context (also the cluster and user entry name).
  returned: always
  type: str
  sample: arn:aws:eks:ap-northeast-2:123456789012:cluster/wealist-prod
token_expires_in:
  description:
    - Seconds the written token stays valid - EKS accepts a presigned token for 15 minutes after it was
      signed (the URL's C(X-Amz-Expires=60) is ignored by STS).
  returned: when the kubeconfig was written (not in check mode)
  type: int
  sample: 900
changes:
  description: What differed from the existing file apart from the token (empty when only the token was refreshed).
  returned: always
  type: list
  elements: str
  sample: ["file missing"]
"""

import os
import tempfile
from typing import Any

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.cloudops.eks_platform.plugins.module_utils.api import exit_with
from ansible_collections.cloudops.eks_platform.plugins.module_utils.eks import require_cluster
from ansible_collections.cloudops.eks_platform.plugins.module_utils.eks_token import (
    TOKEN_LIFETIME,
    bearer_token,
    kubeconfig,
    sts_endpoint,
    without_token,
)

try:
    import yaml

    HAS_YAML = True
    PARSE_ERRORS: tuple[type[Exception], ...] = (yaml.YAMLError, ValueError)
except ImportError:  # JSON is YAML too: kubectl and client-go read it
    import json

    HAS_YAML = False
    PARSE_ERRORS = (ValueError,)

FILE_MODE = 0o600
DIR_MODE = 0o700


def ca_data(cluster: dict[str, Any]) -> str | None:
    return (cluster.get("certificateAuthority") or {}).get("data")


def wanted_config(cluster: dict[str, Any], context_name: str | None) -> dict[str, Any]:
    """The kubeconfig for a described cluster, without its token."""
    name = context_name or cluster.get("arn") or cluster["name"]
    return without_token(kubeconfig(name, cluster["endpoint"], ca_data(cluster), None))


def shown(config: Any) -> Any:
    """A kubeconfig as the diff shows it: each user's credentials by key name only (an existing file may hold
    other credentials than a token)."""
    clean = without_token(config)
    if isinstance(clean, dict):
        for entry in clean.get("users") or []:
            if isinstance(entry, dict) and isinstance(entry.get("user"), dict):
                entry["user"] = {key: "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER" for key in entry["user"]}
    return clean


def plan_changes(existing: Any, mode: int | None, wanted: dict[str, Any]) -> list[str]:
    """What makes the run ``changed``: the file missing or different apart from the token, or its mode."""
    if mode is None:
        return ["file missing"]
    changes = []
    if without_token(existing) != wanted:
        changes.append("content")
    if mode != FILE_MODE:
        changes.append(f"mode {mode:04o} -> {FILE_MODE:04o}")
    return changes


def read_kubeconfig(path: str) -> tuple[Any, int | None]:
    """The parsed file (None when unreadable) and its permission bits; ``(None, None)`` when missing."""
    try:
        mode = os.stat(path).st_mode & 0o7777
    except FileNotFoundError:
        return None, None
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
        return (yaml.safe_load(text) if HAS_YAML else json.loads(text)), mode
    except (OSError, UnicodeDecodeError, *PARSE_ERRORS):  # an unreadable file is replaced
        return None, mode


def dump(config: dict[str, Any]) -> str:
    if HAS_YAML:
        return yaml.safe_dump(config, default_flow_style=False, sort_keys=False)
    return json.dumps(config, indent=2) + "\n"


def write_kubeconfig(path: str, config: dict[str, Any]) -> None:
    """Write ``config`` to ``path`` atomically (temporary file in the same directory, renamed) with mode 0600;
    a missing directory is created with mode 0700."""
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        os.makedirs(directory, mode=DIR_MODE, exist_ok=True)
        os.chmod(directory, DIR_MODE)
    fd, tmp = tempfile.mkstemp(prefix=".kubeconfig-", dir=directory)  # created 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(dump(config))
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def argument_spec() -> dict[str, Any]:
    return dict(
        cluster_name=dict(type="str", required=True),
        path=dict(type="path", required=True),
        context_name=dict(type="str"),
    )


def main() -> None:
    module = AnsibleAWSModule(argument_spec=argument_spec(), supports_check_mode=True)
    p = module.params
    region = module.region
    if not region:
        module.fail_json(msg="region (or AWS_REGION) is required: the EKS token is signed for that region's STS")
    path = p["path"]
    existing, mode = read_kubeconfig(path)
    before = {"kubeconfig": shown(existing), "mode": None if mode is None else f"{mode:04o}"}

    cluster = require_cluster(module, module.client("eks"), p["cluster_name"])
    if cluster is not None and not (cluster.get("endpoint") and ca_data(cluster)):
        msg = f"EKS cluster {p['cluster_name']} (cluster_name) has no endpoint yet (status {cluster.get('status')})"
        if not module.check_mode:
            module.fail_json(msg=f"{msg}: wait for it to be ACTIVE")
        module.warn(msg)
        cluster = None
    if cluster is None:  # check mode only: an earlier task of the same run creates it
        context = p["context_name"] or p["cluster_name"]
        exit_with(module, True, {"before": before, "after": {}}, path=path, server=None, context=context,
                  changes=["cluster not found"])  # fmt: skip

    wanted = wanted_config(cluster, p["context_name"])
    changes = plan_changes(existing, mode, wanted)
    results: dict[str, Any] = {"path": path, "server": cluster["endpoint"], "context": wanted["current-context"]}
    if not module.check_mode:
        sts = module.client("sts", endpoint=sts_endpoint(region))
        token = bearer_token(sts, p["cluster_name"], region)
        module.no_log_values.add(token)
        config = wanted_config(cluster, p["context_name"])
        config["users"][0]["user"]["token"] = token
        try:
            write_kubeconfig(path, config)
        except OSError as e:
            module.fail_json(msg=f"Failed to write the kubeconfig {path} (path): {e.strerror}")
        results["token_expires_in"] = TOKEN_LIFETIME
    after = {"kubeconfig": wanted, "mode": f"{FILE_MODE:04o}"}
    exit_with(module, bool(changes), {"before": before, "after": after}, changes=changes, **results)


if __name__ == "__main__":
    main()
