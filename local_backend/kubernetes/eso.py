"""Simulated External Secrets Operator (and the EndpointSlice controller its webhook gate reads).

A plug-in of the stand-in (``controllers.register_controller``), loaded by default in the process
``python -m local_backend up`` starts (``LOCAL_K8S_CONTROLLERS``, see ``__main__.py``; set it to an
empty string to serve without it). It does what the real operator (external-secrets 1.2, AWS provider)
does with the objects the platform layer writes, reading the AWS emulator's Secrets Manager:

* ``ClusterSecretStore`` / ``SecretStore`` (``external-secrets.io``) with ``spec.provider.aws``:
  ``status.conditions[Ready]`` True (reason ``Valid``) once the store's service is ``SecretsManager``,
  a region is set and the emulator answers ``ListSecrets``; False (``InvalidProviderConfig`` /
  ``ValidationFailed``) with the reason otherwise. Checked once per store generation.
* ``ExternalSecret``: for each ``spec.data`` entry (``secretKey``, ``remoteRef.key`` and optional
  ``remoteRef.property``: a top-level key of the JSON value, or a dotted path) and each
  ``spec.dataFrom[].extract.key`` (every top-level JSON key), the value is read with
  ``GetSecretValue`` and written into the target Secret (``spec.target.name``, default the
  ExternalSecret's name; ``creationPolicy`` Owner = owner reference, Orphan = none, Merge = into an
  existing Secret, None = nothing written; ``target.template.type`` and ``template.metadata``
  labels/annotations; template ``data`` expressions are not evaluated). ``status``: ``Ready`` True
  (``SecretSynced``) with ``refreshTime``, ``syncedResourceVersion`` and ``binding``, or False
  (``SecretSyncedError``) naming the key that failed - never a value. Synced again when the spec
  changes, when the target Secret disappears, or when ``refreshInterval`` has passed on the
  stand-in's clock (tests move it with ``POST /_local/clock``).
* ``Service``: an ``EndpointSlice`` ``<service>-local`` (label ``kubernetes.io/service-name``) with one
  endpoint per available replica of the Deployments whose pod labels match the selector, ``ready``
  only while the Deployment is Available - so a fault-switched Deployment (``--unready``) has no
  ready webhook endpoints, as on a real cluster. The stand-in has no pods; the addresses are made up
  (``10.244.x.y``).

The AWS endpoint and the emulator's fake credentials come from ``<state dir>/backend.json`` (written
by ``up`` after this process starts; read when first needed), else from ``AWS_ENDPOINT_URL`` and the
usual boto3 chain - like the real operator, which takes a custom endpoint from its environment.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import time
from pathlib import Path
from typing import Any

from . import controllers

GROUP = "external-secrets.io"
MANAGER = "local-external-secrets"
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(h|m|s|ms)")
_UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}

# per object uid: (marker, result) of the last validation / sync, and the clock time of the sync
_store_checks: dict[str, tuple[str, dict[str, Any]]] = {}
_last_sync: dict[str, tuple[str, float]] = {}


# --------------------------------------------------------------------------------------- AWS access
def _aws_settings(ctx: controllers.Context) -> dict[str, Any] | None:
    state_dir = ctx.extra.get("state_dir") or os.environ.get("LOCAL_BACKEND_DIR")
    if state_dir:
        try:
            info = json.loads((Path(state_dir) / "backend.json").read_text())
        except (OSError, ValueError):
            info = {}
        if info.get("endpoint_url"):
            return {
                "endpoint_url": info["endpoint_url"],
                "aws_access_key_id": info.get("aws_access_key_id"),
                "aws_secret_access_key": info.get("aws_secret_access_key"),
            }
    if os.environ.get("AWS_ENDPOINT_URL"):
        return {"endpoint_url": os.environ["AWS_ENDPOINT_URL"]}
    return None


def _client(ctx: controllers.Context, region: str) -> Any:
    import boto3

    settings = _aws_settings(ctx)
    if settings is None:
        raise LookupError("no AWS endpoint: backend.json not written yet and AWS_ENDPOINT_URL unset")
    return boto3.client("secretsmanager", region_name=region, **settings)


def _error(exc: Exception) -> str:
    code = getattr(exc, "response", {}).get("Error", {}).get("Code") if hasattr(exc, "response") else None
    return code or type(exc).__name__


# --------------------------------------------------------------------------------------- helpers
def _cond(status: bool, reason: str, message: str, old: dict[str, Any] | None) -> dict[str, Any]:
    value = "True" if status else "False"
    prev = next((c for c in (old or {}).get("conditions", []) if c.get("type") == "Ready"), None)
    stamp = prev.get("lastTransitionTime") if prev and prev.get("status") == value else _stamp()
    return {"type": "Ready", "status": value, "reason": reason, "message": message, "lastTransitionTime": stamp}


def _stamp() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _marker(obj: dict[str, Any]) -> str:
    spec = json.dumps(obj.get("spec") or {}, sort_keys=True)
    return f"{obj['metadata'].get('generation', 1)}-{hashlib.sha256(spec.encode()).hexdigest()[:10]}"


def parse_duration(text: str | None, default: float = 3600.0) -> float:
    """Go duration (``1h``, ``15m``, ``1h30m``, ``0`` = never refresh) in seconds."""
    if text is None or text == "":
        return default
    if str(text) == "0":
        return 0.0
    parts = _DURATION.findall(str(text))
    if not parts or "".join(n + u for n, u in parts) != str(text):
        return default
    return sum(float(n) * _UNITS[u] for n, u in parts)


def _rt(ctx: controllers.Context, group: str, plural: str) -> Any:
    return ctx.cluster.types.get((group, plural))


# --------------------------------------------------------------------------------------- stores
def secret_store(obj: dict[str, Any], ctx: controllers.Context) -> dict[str, Any] | None:
    meta, old = obj["metadata"], obj.get("status") or {}
    marker = _marker(obj)
    cached = _store_checks.get(meta["uid"])
    if cached and cached[0] == marker:
        return cached[1] if old != cached[1] else None
    aws = ((obj.get("spec") or {}).get("provider") or {}).get("aws")
    if not aws:
        status = {"conditions": [_cond(False, "InvalidProviderConfig", "only the aws provider is simulated", old)]}
    elif aws.get("service") != "SecretsManager":
        msg = f"service {aws.get('service')!r} is not simulated (SecretsManager only)"
        status = {"conditions": [_cond(False, "InvalidProviderConfig", msg, old)]}
    elif not aws.get("region"):
        status = {"conditions": [_cond(False, "InvalidProviderConfig", "missing region", old)]}
    else:
        try:
            _client(ctx, aws["region"]).list_secrets(MaxResults=1)
        except LookupError as exc:
            return {"conditions": [_cond(False, "ValidationFailed", str(exc), old)]}  # retried next tick
        except Exception as exc:  # noqa: BLE001 - any provider error is reported in the status, like ESO
            status = {"conditions": [_cond(False, "ValidationFailed", f"unable to validate store: {_error(exc)}", old)]}
        else:
            status = {"capabilities": "ReadWrite", "conditions": [_cond(True, "Valid", "store validated", old)]}
    _store_checks[meta["uid"]] = (marker, status)
    return status if status != old else None


def _find_store(obj: dict[str, Any], ctx: controllers.Context) -> tuple[dict[str, Any] | None, str]:
    ref = (obj.get("spec") or {}).get("secretStoreRef") or {}
    kind = ref.get("kind") or "SecretStore"
    plural = "clustersecretstores" if kind == "ClusterSecretStore" else "secretstores"
    rt = _rt(ctx, GROUP, plural)
    ns = None if kind == "ClusterSecretStore" else obj["metadata"].get("namespace")
    store = ctx.cluster.get(rt, ns, ref.get("name", "")) if rt is not None else None
    return store, f"{kind} {ref.get('name')!r}"


def _value(client: Any, key: str, prop: str | None, cache: dict[str, str]) -> str:
    if key not in cache:
        cache[key] = client.get_secret_value(SecretId=key).get("SecretString") or ""
    raw = cache[key]
    if not prop:
        return raw
    doc = json.loads(raw)
    if prop in doc:
        found = doc[prop]
    else:
        found = doc
        for part in prop.split("."):
            found = found[part]
    return found if isinstance(found, str) else json.dumps(found)


# --------------------------------------------------------------------------------------- external secrets
def external_secret(obj: dict[str, Any], ctx: controllers.Context) -> dict[str, Any] | None:
    meta, spec, old = obj["metadata"], obj.get("spec") or {}, obj.get("status") or {}
    target = spec.get("target") or {}
    target_name = target.get("name") or meta["name"]
    policy = target.get("creationPolicy") or "Owner"
    srt = ctx.cluster.types[("", "secrets")]
    existing = ctx.cluster.get(srt, meta.get("namespace"), target_name)
    marker = _marker(obj)
    last = _last_sync.get(meta["uid"])
    interval = parse_duration(spec.get("refreshInterval"))
    ready = any(c.get("type") == "Ready" and c.get("status") == "True" for c in old.get("conditions", []))
    due = last is None or last[0] != marker or (interval > 0 and ctx.now - last[1] >= interval)
    if ready and not due and (existing is not None or policy == "None"):
        return None
    store, what = _find_store(obj, ctx)
    conditions = (store.get("status") or {}).get("conditions", []) if store is not None else []
    ready_store = any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)
    if not ready_store:
        return _failed(obj, old, f"{what} is not ready" if store is not None else f"{what} not found")
    aws = store["spec"]["provider"]["aws"]
    data: dict[str, str] = {}
    cache: dict[str, str] = {}
    try:
        client = _client(ctx, aws["region"])
        for item in spec.get("data") or []:
            ref = item.get("remoteRef") or {}
            try:
                data[item["secretKey"]] = _value(client, ref["key"], ref.get("property"), cache)
            except (KeyError, TypeError, ValueError) as exc:
                return _failed(obj, old, f"key {ref.get('key')!r} property {ref.get('property')!r}: {_missing(exc)}")
        for item in spec.get("dataFrom") or []:
            key = (item.get("extract") or {}).get("key")
            if key:
                doc = json.loads(_value(client, key, None, cache))
                data.update({k: v if isinstance(v, str) else json.dumps(v) for k, v in doc.items()})
    except LookupError as exc:
        return _failed(obj, old, str(exc))
    except Exception as exc:  # noqa: BLE001 - a provider error becomes the status, as in ESO
        return _failed(obj, old, f"could not get secret data from provider: {_error(exc)}")
    if policy != "None":
        problem = _write_target(obj, ctx, srt, existing, target_name, policy, data)
        if problem:
            return _failed(obj, old, problem)
    _last_sync[meta["uid"]] = (marker, ctx.now)
    return {
        "refreshTime": _stamp(),
        "syncedResourceVersion": marker,
        "binding": {"name": target_name},
        "conditions": [_cond(True, "SecretSynced", "secret synced", old)],
    }


def _missing(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return "property not found in the secret's JSON value"
    if isinstance(exc, ValueError):
        return "the secret's value is not JSON"
    return type(exc).__name__


def _failed(obj: dict[str, Any], old: dict[str, Any], message: str) -> dict[str, Any]:
    status = {
        **{k: v for k, v in old.items() if k in ("refreshTime", "syncedResourceVersion", "binding")},
        "conditions": [_cond(False, "SecretSyncedError", message, old)],
    }
    return status if status != old else None  # type: ignore[return-value]


def _write_target(
    obj: dict[str, Any],
    ctx: controllers.Context,
    srt: Any,
    existing: dict[str, Any] | None,
    name: str,
    policy: str,
    data: dict[str, str],
) -> str | None:
    meta = obj["metadata"]
    template = (obj.get("spec") or {}).get("target", {}).get("template") or {}
    tmeta = template.get("metadata") or {}
    encoded = {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}
    digest = hashlib.sha256(json.dumps(encoded, sort_keys=True).encode()).hexdigest()[:32]
    if policy == "Merge":
        if existing is None:
            return f"creationPolicy Merge: Secret {name!r} does not exist"
        want = json.loads(json.dumps(existing))
        want["data"] = {**(existing.get("data") or {}), **encoded}
    else:
        want = {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {
                "name": name,
                "namespace": meta.get("namespace"),
                "labels": {**(tmeta.get("labels") or {}), "reconcile.external-secrets.io/managed": "true"},
                "annotations": {**(tmeta.get("annotations") or {}), "reconcile.external-secrets.io/data-hash": digest},
            },
            "type": template.get("type") or "Opaque",
            "data": encoded,
        }
        if policy == "Owner":
            want["metadata"]["ownerReferences"] = [
                {
                    "apiVersion": f"{GROUP}/v1",
                    "kind": "ExternalSecret",
                    "name": meta["name"],
                    "uid": meta["uid"],
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ]
        if existing is not None:
            merged = json.loads(json.dumps(existing))
            merged["metadata"].update({k: v for k, v in want["metadata"].items() if k not in ("name", "namespace")})
            merged["type"], merged["data"] = want["type"], want["data"]
            merged.pop("stringData", None)
            want = merged
    if existing is not None and {k: want.get(k) for k in ("metadata", "type", "data")} == {
        k: existing.get(k) for k in ("metadata", "type", "data")
    }:
        return None
    ctx.cluster.write(srt, want, existing, "v1", MANAGER, "Update", field_validation="Ignore")
    return None


# --------------------------------------------------------------------------------------- endpoints
def service_endpoints(obj: dict[str, Any], ctx: controllers.Context) -> None:
    spec, meta = obj.get("spec") or {}, obj["metadata"]
    selector = spec.get("selector")
    if not selector or spec.get("type") == "ExternalName":
        return None
    cluster, ns = ctx.cluster, meta.get("namespace")
    drt = cluster.types[("apps", "deployments")]
    endpoints: list[dict[str, Any]] = []
    for dep in cluster.list(drt, ns):
        labels = ((dep.get("spec") or {}).get("template") or {}).get("metadata", {}).get("labels") or {}
        if not all(labels.get(k) == v for k, v in selector.items()):
            continue
        status = dep.get("status") or {}
        conditions = status.get("conditions", [])
        available = any(c.get("type") == "Available" and c.get("status") == "True" for c in conditions)
        count = max(int(status.get("replicas") or (dep.get("spec") or {}).get("replicas", 1) or 0), 0)
        seed = int(hashlib.sha256(dep["metadata"]["uid"].encode()).hexdigest()[:4], 16)
        for i in range(count):
            endpoints.append(
                {
                    "addresses": [f"10.244.{seed % 250}.{(i + 2) % 250}"],
                    "conditions": {"ready": available, "serving": available, "terminating": False},
                    "targetRef": {"kind": "Pod", "namespace": ns, "name": f"{dep['metadata']['name']}-{i}"},
                }
            )
    ports = []
    for port in spec.get("ports") or []:
        target = port.get("targetPort", port.get("port"))
        number = target if isinstance(target, int) else port.get("port")
        entry = {"port": number, "protocol": port.get("protocol", "TCP")}
        if port.get("name"):
            entry["name"] = port["name"]
        ports.append(entry)
    ert = cluster.types[("discovery.k8s.io", "endpointslices")]
    name = f"{meta['name']}-local"
    current = cluster.get(ert, ns, name)
    want = {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {
            "name": name,
            "namespace": ns,
            "labels": {
                "kubernetes.io/service-name": meta["name"],
                "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
            },
            "ownerReferences": [
                {
                    "apiVersion": "v1",
                    "kind": "Service",
                    "name": meta["name"],
                    "uid": meta["uid"],
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
        },
        "addressType": "IPv4",
        "endpoints": endpoints,
        "ports": ports,
    }
    if current is None:
        cluster.write(ert, want, None, "v1", "local-endpointslice-controller", "Update", field_validation="Ignore")
    elif (current.get("endpoints") or []) != endpoints or (current.get("ports") or []) != ports:
        new = {**current, "endpoints": endpoints, "ports": ports}
        cluster.write(ert, new, current, "v1", "local-endpointslice-controller", "Update", field_validation="Ignore")
    return None


def install() -> None:
    for group, kind, fn in (
        (GROUP, "ClusterSecretStore", secret_store),
        (GROUP, "SecretStore", secret_store),
        (GROUP, "ExternalSecret", external_secret),
        ("", "Service", service_endpoints),
    ):
        if fn not in controllers.controllers_for(group, kind):
            controllers.register_controller(kind, fn, group)  # type: ignore[arg-type]


install()
