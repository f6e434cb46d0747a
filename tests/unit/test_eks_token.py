"""Unit tests of the EKS bearer token (module_utils/eks_token.py) and of eks_kubeconfig's pure functions.

The token is checked by :func:`authenticator_verify`, written here from aws-iam-authenticator's
``pkg/token/token.go`` ``Verify`` (the checks it makes before calling STS), plus the SigV4 query-string
signature check STS then makes (AWS General Reference, "Create a signed AWS API request" / presigned URL),
recomputed here with hmac - so a token whose signature does not cover ``x-k8s-aws-id: <cluster>`` fails.
Credentials and the signing clock are fixed; no AWS call is made (presigning is local).
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import os
import re
import secrets
import stat
import string
import sys
from pathlib import Path
from urllib.parse import parse_qs, quote, urlencode, urlsplit, urlunsplit

import boto3
import botocore.auth
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "collections"))

from ansible_collections.cloudops.eks_platform.plugins.module_utils.eks_token import (  # noqa: E402
    bearer_token,
    kubeconfig,
    sts_client,
    sts_endpoint,
    without_token,
)
from ansible_collections.cloudops.eks_platform.plugins.modules.eks_kubeconfig import (  # noqa: E402
    plan_changes,
    read_kubeconfig,
    shown,
    wanted_config,
    write_kubeconfig,
)

REGION = "ap-northeast-2"
CLUSTER = "wealist-prod"
# Throwaway credentials made at run time (nothing secret in the file); shaped like AWS's: an AKIA id, a
# 40-character secret, and a session token with the "/", "+" and "=" characters the URL must encode.
ACCESS_KEY = "AKIA" + "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(16))
SECRET_KEY = base64.b64encode(secrets.token_bytes(30)).decode()
SESSION_TOKEN = base64.b64encode(secrets.token_bytes(47)).decode() + "/+="
SIGNED_AT = datetime.datetime(2025, 3, 4, 5, 6, 7)  # botocore signs with a naive UTC datetime

# --- the authenticator's checks (token.go), our own implementation -------------------------------------------
PREFIX = "k8s-aws-v1."
ALLOWED_PARAMS = {
    "action", "version", "x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-expires",
    "x-amz-security-token", "x-amz-signature", "x-amz-signedheaders",
}  # fmt: skip
# sts.amazonaws.com and the regional hosts of the aws partition (stsHostsForPartition, regional option)
STS_HOST = re.compile(r"^sts(\.(us|eu|ap|sa|ca|me|af|il|mx)(-gov)?-[a-z]+-\d)?\.amazonaws\.com$")
URL_LIFETIME = datetime.timedelta(minutes=15)


class Rejected(Exception):
    pass


def _b64url_raw_decode(data: str) -> bytes:
    """Go's base64.RawURLEncoding: URL alphabet, no padding accepted."""
    if not re.fullmatch(r"[A-Za-z0-9_-]*", data) or len(data) % 4 == 1:
        raise Rejected("illegal base64 data")
    return base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))


def _signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    key = ("AWS4" + secret).encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def _sts_signature_ok(url, raw_params: dict[str, str], cluster_id: str, secret: str) -> bool:
    """What STS does with the GET the authenticator sends (header x-k8s-aws-id = the authenticator's cluster)."""
    akid, date, region, service, terminator = raw_params["X-Amz-Credential"].split("/")
    header_values = {"host": url.hostname, "x-k8s-aws-id": cluster_id}
    signed = raw_params["X-Amz-SignedHeaders"].split(";")
    if any(h not in header_values for h in signed):
        return False
    query = "&".join(
        f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}"
        for k, v in sorted(raw_params.items())
        if k != "X-Amz-Signature"
    )
    canonical = "\n".join(
        ["GET", "/", query, "".join(f"{h}:{header_values[h]}\n" for h in signed), ";".join(signed),
         hashlib.sha256(b"").hexdigest()]
    )  # fmt: skip
    to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", raw_params["X-Amz-Date"], f"{date}/{region}/{service}/{terminator}",
         hashlib.sha256(canonical.encode()).hexdigest()]
    )  # fmt: skip
    expected = hmac.new(_signing_key(secret, date, region, service), to_sign.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, raw_params["X-Amz-Signature"])


def authenticator_verify(token: str, cluster_id: str, now: datetime.datetime, secret: str = SECRET_KEY) -> dict:
    """Raise :class:`Rejected` where aws-iam-authenticator (or then STS) would refuse the token; else the query."""
    if len(token) > 4096:
        raise Rejected("token is too large")
    if not token.startswith(PREFIX):
        raise Rejected("token is missing expected prefix")
    url = urlsplit(_b64url_raw_decode(token[len(PREFIX) :]).decode())
    if url.scheme != "https":
        raise Rejected(f"unexpected scheme {url.scheme!r}")
    if not STS_HOST.match(url.netloc):
        raise Rejected(f"unexpected hostname {url.netloc!r}")
    if url.path != "/":
        raise Rejected("unexpected path")
    query = parse_qs(url.query, keep_blank_values=True)
    for key, values in query.items():
        if key.lower() not in ALLOWED_PARAMS:
            raise Rejected(f"non-whitelisted query parameter {key!r}")
        if len(values) != 1:
            raise Rejected("query parameter with multiple values")
    params = {k.lower(): v[0] for k, v in query.items()}
    if params.get("action") != "GetCallerIdentity":
        raise Rejected("unexpected action parameter")
    if "x-k8s-aws-id" not in [h.lower() for h in params.get("x-amz-signedheaders", "").split(";")]:
        raise Rejected("client did not sign the x-k8s-aws-id header")
    try:
        expires = int(params.get("x-amz-expires", ""))
    except ValueError:
        raise Rejected("invalid X-Amz-Expires") from None
    if not 0 <= expires <= 900:
        raise Rejected("invalid X-Amz-Expires")
    if not params.get("x-amz-date"):
        raise Rejected("X-Amz-Date parameter must be present")
    try:
        date = datetime.datetime.strptime(params["x-amz-date"], "%Y%m%dT%H%M%SZ")
    except ValueError:
        raise Rejected("error parsing X-Amz-Date") from None
    if now > date + URL_LIFETIME:
        raise Rejected("X-Amz-Date parameter is expired")
    if not _sts_signature_ok(url, {k: v[0] for k, v in query.items()}, cluster_id, secret):
        raise Rejected("SignatureDoesNotMatch")
    return params


def _url(token: str) -> str:
    return _b64url_raw_decode(token[len(PREFIX) :]).decode()


def _token(url: str) -> str:
    return PREFIX + base64.urlsafe_b64encode(url.encode()).decode().rstrip("=")


def _edit_query(token: str, **changes: str | None) -> str:
    parts = urlsplit(_url(token))
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    for key, value in changes.items():
        key = key.replace("_", "-")
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    return _token(urlunsplit(parts._replace(query=urlencode(query))))


@pytest.fixture
def fixed_clock(monkeypatch):
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda *a, **k: SIGNED_AT)


def _session(token: str | None = None) -> boto3.Session:
    return boto3.Session(
        aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, aws_session_token=token, region_name=REGION
    )


@pytest.fixture
def token(fixed_clock) -> str:
    return bearer_token(_session(), CLUSTER, REGION)


# --- the token ------------------------------------------------------------------------------------------------
def test_token_passes_the_authenticator(token):
    params = authenticator_verify(token, CLUSTER, SIGNED_AT + datetime.timedelta(minutes=14))
    assert "=" not in token and len(token) < 4096
    assert urlsplit(_url(token)).netloc == f"sts.{REGION}.amazonaws.com"  # the regional endpoint, like aws-cli
    assert params["x-amz-expires"] == "60"
    assert params["version"] == "2011-06-15"
    assert params["x-amz-algorithm"] == "AWS4-HMAC-SHA256"
    assert params["x-amz-date"] == "20250304T050607Z"
    assert params["x-amz-credential"] == f"{ACCESS_KEY}/20250304/{REGION}/sts/aws4_request"
    assert params["x-amz-signedheaders"] == "host;x-k8s-aws-id"
    assert "x-amz-security-token" not in params


def test_token_is_deterministic_with_fixed_credentials_and_clock(token):
    assert bearer_token(_session(), CLUSTER, REGION) == token


def test_temporary_credentials_carry_the_session_token(fixed_clock):
    token = bearer_token(_session(SESSION_TOKEN), CLUSTER, REGION)
    params = authenticator_verify(token, CLUSTER, SIGNED_AT)
    assert params["x-amz-security-token"] == SESSION_TOKEN


def test_an_sts_client_is_used_as_given(fixed_clock):
    client = sts_client(_session(), REGION)
    token = bearer_token(client, CLUSTER, REGION)
    authenticator_verify(token, CLUSTER, SIGNED_AT)
    # registering the handlers twice on one client does not add the header twice
    assert bearer_token(client, CLUSTER, REGION) == token


def test_regional_endpoints():
    assert sts_endpoint("ap-northeast-2") == "https://sts.ap-northeast-2.amazonaws.com"
    assert sts_endpoint("cn-north-1") == "https://sts.cn-north-1.amazonaws.com.cn"
    with pytest.raises(ValueError):
        sts_endpoint("")


def test_cluster_name_is_required(fixed_clock):
    with pytest.raises(ValueError):
        bearer_token(_session(), "", REGION)


@pytest.mark.parametrize(
    "tamper, reason",
    [
        (lambda t: t[len(PREFIX) :], "prefix"),
        (lambda t: t + "=" * (-(len(t) - len(PREFIX)) % 4 or 4), "base64"),
        (lambda t: _token(_url(t).replace("https://", "http://")), "scheme"),
        (lambda t: _token(_url(t).replace(f"sts.{REGION}.amazonaws.com", "sts.evil.example.com")), "hostname"),
        (lambda t: _token(_url(t).replace(".com/?", ".com/x?")), "path"),
        (lambda t: _edit_query(t, Action="AssumeRole"), "action"),
        (lambda t: _edit_query(t, Extra="1"), "non-whitelisted"),
        (lambda t: _edit_query(t, X_Amz_SignedHeaders="host"), "x-k8s-aws-id"),
        (lambda t: _edit_query(t, X_Amz_Expires="901"), "X-Amz-Expires"),
        (lambda t: _edit_query(t, X_Amz_Date=None), "X-Amz-Date"),
        (lambda t: _edit_query(t, X_Amz_Date="2025-03-04"), "X-Amz-Date"),
        (lambda t: _edit_query(t, X_Amz_Date="20250304T050608Z"), "Signature"),
        (lambda t: _edit_query(t, X_Amz_Signature="0" * 64), "Signature"),
    ],
)
def test_a_tampered_token_is_rejected(token, tamper, reason):
    with pytest.raises(Rejected, match=reason):
        authenticator_verify(tamper(token), CLUSTER, SIGNED_AT)


def test_a_token_for_another_cluster_is_rejected(token):
    with pytest.raises(Rejected, match="Signature"):
        authenticator_verify(token, "another-cluster", SIGNED_AT)


def test_a_token_older_than_15_minutes_is_rejected(token):
    authenticator_verify(token, CLUSTER, SIGNED_AT + datetime.timedelta(minutes=15))
    with pytest.raises(Rejected, match="expired"):
        authenticator_verify(token, CLUSTER, SIGNED_AT + datetime.timedelta(minutes=15, seconds=1))


def test_wrong_secret_is_rejected(token):
    with pytest.raises(Rejected, match="Signature"):
        authenticator_verify(token, CLUSTER, SIGNED_AT, secret="not-the-secret")


# --- the kubeconfig -------------------------------------------------------------------------------------------
ARN = f"arn:aws:eks:{REGION}:123456789012:cluster/{CLUSTER}"
SERVER = "https://0123456789ABCDEF.gr7.ap-northeast-2.eks.amazonaws.com"
CA = base64.b64encode(b"-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n").decode()
CLUSTER_DESC = {"name": CLUSTER, "arn": ARN, "endpoint": SERVER, "certificateAuthority": {"data": CA}}


def test_kubeconfig_shape():
    config = kubeconfig(ARN, SERVER, CA, "k8s-aws-v1.abc")
    assert config["apiVersion"] == "v1" and config["kind"] == "Config"
    assert config["clusters"] == [{"name": ARN, "cluster": {"server": SERVER, "certificate-authority-data": CA}}]
    assert config["users"] == [{"name": ARN, "user": {"token": "k8s-aws-v1.abc"}}]
    assert config["contexts"] == [{"name": ARN, "context": {"cluster": ARN, "user": ARN}}]
    assert config["current-context"] == ARN


def test_kubeconfig_names():
    config = kubeconfig("c", SERVER, CA, "t", user_name="u", context_name="ctx")
    assert config["contexts"] == [{"name": "ctx", "context": {"cluster": "c", "user": "u"}}]
    assert config["users"][0]["name"] == "u" and config["current-context"] == "ctx"


def test_without_token_leaves_the_rest():
    config = kubeconfig(ARN, SERVER, CA, "secret-token")
    clean = without_token(config)
    assert clean["users"] == [{"name": ARN, "user": {}}]
    assert config["users"][0]["user"]["token"] == "secret-token"  # a copy
    assert without_token(None) is None


def test_diff_shows_no_credential_of_an_existing_file():
    existing = kubeconfig(ARN, SERVER, CA, "k8s-aws-v1.abc")
    existing["users"][0]["user"]["client-key-data"] = "PRIVATE"
    assert shown(existing)["users"] == [
        {"name": ARN, "user": {"client-key-data": "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"}}
    ]
    assert shown(None) is None


def test_wanted_config_names_entries_after_the_arn_or_the_context_name():
    assert wanted_config(CLUSTER_DESC, None)["current-context"] == ARN
    assert wanted_config({**CLUSTER_DESC, "arn": None}, None)["current-context"] == CLUSTER
    wanted = wanted_config(CLUSTER_DESC, "prod")
    assert wanted["current-context"] == "prod" and wanted["clusters"][0]["name"] == "prod"
    assert "token" not in wanted["users"][0]["user"]


def test_only_the_token_changing_is_not_a_change():
    wanted = wanted_config(CLUSTER_DESC, None)
    assert plan_changes(None, None, wanted) == ["file missing"]
    assert plan_changes(kubeconfig(ARN, SERVER, CA, "old-token"), 0o600, wanted) == []
    assert plan_changes(kubeconfig(ARN, SERVER, CA, "old-token"), 0o644, wanted) == ["mode 0644 -> 0600"]
    assert plan_changes(kubeconfig(ARN, SERVER + "x", CA, "t"), 0o600, wanted) == ["content"]
    assert plan_changes(kubeconfig(ARN, SERVER, "other-ca", "t"), 0o600, wanted) == ["content"]
    assert plan_changes(None, 0o600, wanted) == ["content"]  # unreadable


def test_write_helper_mode_0600_and_parent_0700(tmp_path):
    old = os.umask(0o022)
    try:
        path = tmp_path / "kube" / "config"
        config = kubeconfig(ARN, SERVER, CA, "k8s-aws-v1.first")
        write_kubeconfig(str(path), config)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        assert read_kubeconfig(str(path)) == (config, 0o600)
        # an existing file with a loose mode is replaced by a 0600 one, nothing left behind
        path.chmod(0o644)
        write_kubeconfig(str(path), kubeconfig(ARN, SERVER, CA, "k8s-aws-v1.second"))
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert read_kubeconfig(str(path))[0]["users"][0]["user"]["token"] == "k8s-aws-v1.second"
        assert [p.name for p in path.parent.iterdir()] == ["config"]
    finally:
        os.umask(old)


def test_read_kubeconfig_missing_and_unreadable(tmp_path):
    assert read_kubeconfig(str(tmp_path / "absent")) == (None, None)
    bad = tmp_path / "bad"
    bad.write_text("clusters: [unclosed\n")
    bad.chmod(0o640)
    assert read_kubeconfig(str(bad)) == (None, 0o640)
