# Copyright: cloudops.eks_platform contributors
# Apache-2.0
"""The EKS bearer token and a kubeconfig that carries it, without the aws CLI.

The token is what ``aws eks get-token`` prints: ``k8s-aws-v1.`` followed by the URL-safe base64 (no ``=``
padding) of a presigned STS ``GetCallerIdentity`` URL (GET, ``X-Amz-Expires=60``) whose signature covers the
header ``x-k8s-aws-id: <cluster name>``. The cluster's authenticator (aws-iam-authenticator,
``pkg/token/token.go``) accepts it when: the URL is https on an STS host of the partition (``sts.amazonaws.com``
or ``sts.<region>.amazonaws.com``), path ``/``, only the query parameters Action, Version, X-Amz-Algorithm,
X-Amz-Credential, X-Amz-Date, X-Amz-Expires, X-Amz-SignedHeaders, X-Amz-Signature, X-Amz-Security-Token,
Action=GetCallerIdentity, ``x-k8s-aws-id`` among the signed headers, X-Amz-Expires between 0 and 900, and
X-Amz-Date less than 15 minutes old; then it calls the URL with ``x-k8s-aws-id`` set to its own cluster
name, so STS checks the signature. STS ignores X-Amz-Expires: a token is good for :data:`TOKEN_LIFETIME`
seconds after it was signed (the CLI sends 60 for authenticators 0.3.0 and older, which checked 0-60).

The URL is signed for the regional endpoint ``https://sts.<region>.amazonaws.com/`` (what aws-cli uses), never
for a module's ``endpoint_url``: the authenticator only calls STS hosts. Signing makes no network call.
"""

from __future__ import annotations

import base64
import copy
from typing import Any

TOKEN_PREFIX = "k8s-aws-v1."
CLUSTER_ID_HEADER = "x-k8s-aws-id"
#: X-Amz-Expires of the presigned URL, as ``aws eks get-token`` sends it (ignored by STS).
URL_EXPIRES = 60
#: Seconds the authenticator accepts a token after its X-Amz-Date (presigned STS URLs: 15 minutes).
TOKEN_LIFETIME = 900
#: aws-iam-authenticator refuses longer tokens.
MAX_TOKEN_LENGTH = 4096


def sts_endpoint(region: str) -> str:
    """The regional STS endpoint of ``region`` (China regions: ``amazonaws.com.cn``)."""
    if not region:
        raise ValueError("a region is needed to sign the EKS token")
    suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return f"https://sts.{region}.{suffix}"


def _retrieve_cluster_id(params: dict[str, Any], context: dict[str, Any], **kwargs: Any) -> None:
    """``provide-client-params``: move the cluster name out of the API parameters into the request context."""
    if CLUSTER_ID_HEADER in params:
        context[CLUSTER_ID_HEADER] = params.pop(CLUSTER_ID_HEADER)


def _inject_cluster_id(request: Any, **kwargs: Any) -> None:
    """``before-sign``: add the cluster name as the ``x-k8s-aws-id`` header, so the signature covers it."""
    if CLUSTER_ID_HEADER in request.context:
        request.headers[CLUSTER_ID_HEADER] = request.context[CLUSTER_ID_HEADER]


def sts_client(session: Any, region: str) -> Any:
    """An STS client of a boto3 (``client``) or botocore (``create_client``) session, on the regional endpoint."""
    make = getattr(session, "client", None) or session.create_client
    return make("sts", region_name=region, endpoint_url=sts_endpoint(region))


def presigned_url(client: Any, cluster_name: str) -> str:
    """The presigned GetCallerIdentity URL with ``x-k8s-aws-id: cluster_name`` signed (aws-cli's handlers)."""
    events = client.meta.events
    events.register(
        "provide-client-params.sts.GetCallerIdentity", _retrieve_cluster_id, unique_id="eks-token-cluster-id-param"
    )
    events.register("before-sign.sts.GetCallerIdentity", _inject_cluster_id, unique_id="eks-token-cluster-id-header")
    return client.generate_presigned_url(
        "get_caller_identity", Params={CLUSTER_ID_HEADER: cluster_name}, ExpiresIn=URL_EXPIRES, HttpMethod="GET"
    )


def encode_token(url: str) -> str:
    """``k8s-aws-v1.`` + URL-safe base64 of ``url`` without ``=`` padding."""
    return TOKEN_PREFIX + base64.urlsafe_b64encode(url.encode("utf-8")).decode("ascii").rstrip("=")


def bearer_token(session_or_sts_client: Any, cluster_name: str, region: str) -> str:
    """The EKS bearer token of ``cluster_name``.

    ``session_or_sts_client``: a boto3/botocore session (an STS client on :func:`sts_endpoint` of ``region`` is
    made from it) or an STS client, used as is (it must already be on the regional STS endpoint of the
    cluster's region: the authenticator refuses other hosts)."""
    if not cluster_name:
        raise ValueError("cluster_name is needed for the x-k8s-aws-id header")
    if hasattr(session_or_sts_client, "generate_presigned_url"):
        client = session_or_sts_client
    else:
        client = sts_client(session_or_sts_client, region)
    return encode_token(presigned_url(client, cluster_name))


def kubeconfig(
    cluster_name: str,
    endpoint: str,
    ca_data: str,
    token: str | None,
    user_name: str | None = None,
    context_name: str | None = None,
) -> dict[str, Any]:
    """A kubeconfig (``kind: Config``) with one cluster, one user holding ``token`` and one context, current.

    ``cluster_name`` names the cluster entry (aws-cli uses the cluster ARN); the user and the context are named
    like it unless given. ``ca_data`` is EKS's ``certificateAuthority.data`` (already base64 PEM)."""
    user = user_name or cluster_name
    context = context_name or cluster_name
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": cluster_name, "cluster": {"server": endpoint, "certificate-authority-data": ca_data}}],
        "users": [{"name": user, "user": {"token": token}}],
        "contexts": [{"name": context, "context": {"cluster": cluster_name, "user": user}}],
        "current-context": context,
        "preferences": {},
    }


def without_token(config: Any) -> Any:
    """A copy of a kubeconfig with every ``users[].user.token`` removed (what is compared and shown)."""
    if not isinstance(config, dict):
        return config
    clean = copy.deepcopy(config)
    for entry in clean.get("users") or []:
        if isinstance(entry, dict) and isinstance(entry.get("user"), dict):
            entry["user"].pop("token", None)
    return clean
