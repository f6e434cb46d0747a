"""HTTPS front of the stand-in: token auth, REST routing, discovery, OpenAPI, watch, request log.

``/_local/health`` is open; everything else needs ``Authorization: Bearer <token>``. Test/ops
endpoints (token required): ``GET|DELETE /_local/requests`` (request log), ``POST /_local/clock``
``{"advance": s}``, ``GET|PUT /_local/faults`` ``{"unready": ["ns/name"]}``, ``PUT /_local/config``
``{"ready_delay": s}``, ``GET /_local/watches`` ``{"active": n}`` (open watch streams; one whose client
disconnected ends at once).
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import importlib
import json
import os
import re
import secrets
import socket
import threading
import time
from pathlib import Path
from typing import Any

import yaml
from aiohttp import web

from . import api, charts, protobuf, schema, tls
from .api import ApiError, Cluster

SERVER_VERSION = {
    "major": "1",
    "minor": "34",
    "gitVersion": "v1.34.0-local",
    "gitCommit": "local",
    "gitTreeState": "clean",
    "buildDate": "2025-08-27T00:00:00Z",
    "goVersion": "go1.24",
    "compiler": "gc",
    "platform": "linux/amd64",
}
KUBECONFIG = "kubeconfig"
STATE_FILE = "kubernetes.json"
TICK = 0.1
MUTATING = ("POST", "PUT", "PATCH", "DELETE")
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(body=json.dumps(data).encode(), status=status, content_type="application/json", headers=headers)


def _error(exc: ApiError) -> web.Response:
    return _json(exc.status(), exc.code)


class Server:
    def __init__(self, cluster: Cluster, token: str) -> None:
        self.cluster = cluster
        self.token = token
        self.requests: list[dict[str, Any]] = []
        self.watches = 0  # open watch streams (GET /_local/watches)
        # Watches wait on the current Event; a change sets it and installs a fresh one, so a watch that
        # takes the Event before scanning the event log can never miss a change made while it scans.
        self.changed = asyncio.Event()
        self._openapi_cache: dict[Any, Any] = {}
        cluster.listeners.append(self._notify)

    def _notify(self) -> None:
        self.changed.set()
        self.changed = asyncio.Event()

    # ---------------------------------------------------------------- app
    def app(self) -> web.Application:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self.dispatch)
        app.on_startup.append(self._start_ticker)
        return app

    async def _start_ticker(self, app: web.Application) -> None:
        async def tick() -> None:
            while True:
                await asyncio.sleep(TICK)
                try:
                    self.cluster.reconcile()
                except ApiError:
                    pass

        task = asyncio.get_running_loop().create_task(tick())

        async def cancel(app: web.Application) -> None:
            task.cancel()

        app.on_cleanup.append(cancel)

    async def dispatch(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        if path == "/_local/health":
            return _json({"status": "ok"})
        if path in ("/healthz", "/livez", "/readyz"):
            return web.Response(text="ok")
        if request.headers.get("Authorization", "") != f"Bearer {self.token}":
            return _json(ApiError(401, "Unauthorized", "Unauthorized").status(), 401)
        if path.startswith("/_local/"):
            return await self.local(request)
        started = time.perf_counter()
        body = await request.read()
        entry = {
            "method": request.method,
            "path": path,
            "query": request.query_string,
            "mutating": request.method in MUTATING and "dryRun" not in request.query,
            "user_agent": request.headers.get("User-Agent", ""),
            "seconds": None,  # time spent serving it (a watch: how long the stream stayed open), set below
        }
        self.requests.append(entry)
        try:
            if request.method == "GET" and request.query.get("watch") in ("1", "true"):
                return await self.watch(request)
            response = self.route(request, body)
            entry["status"] = response.status
            if request.method in MUTATING:
                self.cluster.reconcile()
            return response
        except ApiError as exc:
            entry["status"] = exc.code
            return _error(exc)
        finally:
            entry["seconds"] = round(time.perf_counter() - started, 6)

    # ---------------------------------------------------------------- /_local
    async def local(self, request: web.Request) -> web.Response:
        path, method = request.path, request.method
        data = await request.json() if request.can_read_body else {}
        if path == "/_local/watches":
            return _json({"active": self.watches})
        if path == "/_local/requests":
            if method == "DELETE":
                self.requests.clear()
            return _json({"requests": self.requests})
        if path == "/_local/clock" and method == "POST":
            self.cluster.clock.advance(float(data.get("advance", 0)))
            self.cluster.reconcile()
            return _json({"offset": self.cluster.clock.offset})
        if path == "/_local/faults":
            if method == "PUT":
                self.cluster.faults.clear()
                self.cluster.faults.update({"unready": list(data.get("unready", []))})
                self.cluster.reconcile()
            return _json(self.cluster.faults)
        if path == "/_local/config" and method == "PUT":
            if "ready_delay" in data:
                self.cluster.ready_delay = float(data["ready_delay"])
            self.cluster.reconcile()
            return _json({"ready_delay": self.cluster.ready_delay})
        return _json(ApiError(404, "NotFound", f"no such endpoint {path}").status(), 404)

    # ---------------------------------------------------------------- routing
    def route(self, request: web.Request, body: bytes) -> web.Response:
        path = request.path.rstrip("/") or "/"
        method = request.method
        if method == "GET":
            doc = self.discovery(path)
            if doc is not None:
                return _json(doc)
            if path.startswith("/openapi/"):
                return self.openapi(path, request)
        m = re.fullmatch(r"/api/(v1)(/.*)?|/apis/([^/]+)/([^/]+)(/.*)?", path)
        if not m:
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        if m.group(1):
            group, version, rest = "", "v1", m.group(2) or ""
        else:
            group, version, rest = m.group(3), m.group(4), m.group(5) or ""
        parts = [p for p in rest.split("/") if p]
        namespace: str | None = None
        if parts[:1] == ["namespaces"] and len(parts) >= 3 and parts[2] not in ("status", "finalize"):
            namespace, parts = parts[1], parts[2:]
        if not parts:
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        rt = self.cluster.type_for(group, version, parts[0])
        name = parts[1] if len(parts) > 1 else None
        sub = parts[2] if len(parts) > 2 else ""
        if sub and sub not in rt.subresources:
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        if rt.namespaced and namespace is None and (name or method == "POST"):
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        q = request.query
        warnings: list[str] = []
        dry_run = q.get("dryRun") == "All"
        fv = q.get("fieldValidation", "")
        manager = q.get("fieldManager") or request.headers.get("User-Agent", "unknown").split("/")[0]
        if name is None:
            if method == "GET":
                return self._list(rt, version, namespace, q)
            if method == "POST":
                obj = self._decode(body, request.content_type)
                meta = obj.setdefault("metadata", {}) if isinstance(obj, dict) else None
                if meta is None:
                    raise ApiError(400, "BadRequest", "the body is not an object")
                if rt.namespaced:
                    if meta.get("namespace") and meta["namespace"] != namespace:
                        raise ApiError(
                            400,
                            "BadRequest",
                            "the namespace of the provided object does not match the namespace sent on the request",
                        )
                    meta["namespace"] = namespace
                key_name = meta.get("name")
                if key_name and self.cluster.get(rt, namespace, key_name) is not None:
                    raise ApiError(
                        409,
                        "AlreadyExists",
                        f'{rt.group_resource} "{key_name}" already exists',
                        {"name": key_name, "group": rt.group, "kind": rt.plural},
                    )
                self._check_kind(rt, obj, version)
                out = self.cluster.write(rt, obj, None, version, manager, "Update", "", dry_run, fv, warnings)
                return self._ok(out, 201, warnings)
            if method == "DELETE":
                items = self.cluster.list(rt, namespace, q.get("labelSelector", ""), q.get("fieldSelector", ""))
                for obj in items:
                    self.cluster.delete(rt, obj, version, q.get("propagationPolicy", ""), dry_run)
                return _json({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success"})
            raise ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource")
        current = self.cluster.get(rt, namespace, name)
        if method == "GET":
            if current is None:
                raise self.cluster.not_found(rt, name)
            if sub == "scale":
                return _json(self._scale(rt, current))
            return _json(self.cluster.view(rt, current, version))
        if method == "PUT":
            obj = self._decode(body, request.content_type)
            if current is None:
                raise self.cluster.not_found(rt, name)
            if sub == "scale":
                obj = self._from_scale(current, obj)
                sub = ""
            self._check_kind(rt, obj, version)
            want_rv = (obj.get("metadata") or {}).get("resourceVersion")
            if want_rv and want_rv != current["metadata"]["resourceVersion"]:
                raise ApiError(
                    409,
                    "Conflict",
                    f'Operation cannot be fulfilled on {rt.group_resource} "{name}": the '
                    "object has been modified; please apply your changes to the latest version and try again",
                    {"name": name, "group": rt.group, "kind": rt.plural},
                )
            obj.setdefault("metadata", {})["name"] = name
            if rt.namespaced:
                obj["metadata"]["namespace"] = namespace
            out = self.cluster.write(rt, obj, current, version, manager, "Update", sub, dry_run, fv, warnings)
            return self._ok(out, 200, warnings)
        if method == "PATCH":
            ctype = request.content_type
            if ctype == "application/apply-patch+yaml":
                applied = self._decode(body, ctype)
                if not isinstance(applied, dict):
                    raise ApiError(400, "BadRequest", "the apply configuration is not an object")
                self._check_kind(rt, applied, version)
                out, created = self.cluster.apply(
                    rt,
                    namespace,
                    name,
                    applied,
                    version,
                    q.get("fieldManager", ""),
                    q.get("force") in ("true", "1"),
                    sub,
                    dry_run,
                    fv,
                    warnings,
                )
                return self._ok(out, 201 if created else 200, warnings)
            if current is None:
                raise self.cluster.not_found(rt, name)
            patch = self._decode(body, ctype)
            base = self._scale(rt, current) if sub == "scale" else self.cluster.view(rt, current, version)
            if ctype != "application/json-patch+json":
                base["metadata"].pop("managedFields", None)
            if ctype == "application/merge-patch+json":
                new = api.merge.merge_patch(base, patch)
            elif ctype == "application/strategic-merge-patch+json":
                if rt.crd is not None:
                    raise ApiError(
                        415,
                        "UnsupportedMediaType",
                        "the body of the request was in an unknown format - "
                        "accepted media types include: application/json-patch+json, "
                        "application/merge-patch+json, application/apply-patch+yaml",
                    )
                new = api.merge.strategic_merge(base, patch, self.cluster.schema_for(rt, version))
            elif ctype == "application/json-patch+json":
                import jsonpatch

                try:
                    new = jsonpatch.apply_patch(base, patch)
                except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException) as exc:
                    raise ApiError(
                        422, "Invalid", f"the server rejected our request due to an error in our request: {exc}"
                    ) from exc
            else:
                raise ApiError(
                    415,
                    "UnsupportedMediaType",
                    "the body of the request was in an unknown format - "
                    "accepted media types include: application/json-patch+json, "
                    "application/merge-patch+json, application/apply-patch+yaml",
                )
            new_mf = None
            if isinstance(new, dict) and isinstance(new.get("metadata"), dict):
                new_mf = new["metadata"].pop("managedFields", None)
                if new_mf == base["metadata"].get("managedFields"):
                    new_mf = None  # unchanged: keep what the server tracks
            if sub == "scale":
                new = self._from_scale(current, new)
                sub = ""
            want_rv = (new.get("metadata") or {}).get("resourceVersion")
            if want_rv and want_rv != current["metadata"]["resourceVersion"]:
                raise ApiError(
                    409,
                    "Conflict",
                    f'Operation cannot be fulfilled on {rt.group_resource} "{name}": the '
                    "object has been modified; please apply your changes to the latest version and try again",
                )
            out = self.cluster.write(rt, new, current, version, manager, "Update", sub, dry_run, fv, warnings)
            if new_mf is not None and not dry_run:  # e.g. kubectl's client-side -> server-side apply migration
                self.cluster.replace_managers(out["metadata"]["uid"], new_mf)
                out = self.cluster.view(rt, self.cluster.get(rt, namespace, name), version)
            return self._ok(out, 200, warnings)
        if method == "DELETE":
            if current is None:
                raise self.cluster.not_found(rt, name)
            opts = self._decode(body, "application/json") if body.strip() else {}
            policy = (
                q.get("propagationPolicy")
                or opts.get("propagationPolicy")
                or ("Orphan" if opts.get("orphanDependents") else "")
            )
            dry = dry_run or "All" in (opts.get("dryRun") or [])
            pre = (opts.get("preconditions") or {}).get("resourceVersion")
            if pre and pre != current["metadata"]["resourceVersion"]:
                raise ApiError(
                    409,
                    "Conflict",
                    f'Operation cannot be fulfilled on {rt.group_resource} "{name}": Precondition failed',
                )
            return _json(self.cluster.delete(rt, current, version, policy, dry))
        raise ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource")

    def _ok(self, obj: dict[str, Any], status: int, warnings: list[str]) -> web.Response:
        headers = {"Warning": ", ".join(f'299 - "{w}"' for w in warnings)} if warnings else None
        return _json(obj, status, headers)

    def _check_kind(self, rt: Any, obj: dict[str, Any], version: str) -> None:
        if obj.get("kind") and obj["kind"] != rt.kind:
            raise ApiError(400, "BadRequest", f"the kind {obj['kind']} does not match the URL ({rt.kind})")
        if obj.get("apiVersion") and obj["apiVersion"] != rt.api_version(version):
            raise ApiError(
                400,
                "BadRequest",
                f"the API version in the data ({obj['apiVersion']}) does not match the "
                f"expected API version ({rt.api_version(version)})",
            )

    @staticmethod
    def _decode(body: bytes, ctype: str) -> Any:
        if body[:4] == protobuf.MAGIC:
            try:
                return protobuf.decode(body)
            except protobuf.ProtobufError as exc:
                raise ApiError(415, "UnsupportedMediaType", str(exc)) from exc
        try:
            if ctype == "application/apply-patch+yaml":
                if body.lstrip()[:1] == b"{":  # helm and kubectl send JSON (a YAML subset): 100x faster
                    try:
                        return json.loads(body)
                    except ValueError:
                        pass
                return yaml.load(body, Loader=_YAML_LOADER)  # noqa: S506 - a safe loader
            return json.loads(body)
        except (ValueError, yaml.YAMLError) as exc:
            raise ApiError(400, "BadRequest", f"the body could not be decoded: {exc}") from exc

    def _scale(self, rt: Any, obj: dict[str, Any]) -> dict[str, Any]:
        meta = obj["metadata"]
        return {
            "apiVersion": "autoscaling/v1",
            "kind": "Scale",
            "metadata": {
                k: meta[k] for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp") if k in meta
            },
            "spec": {"replicas": obj.get("spec", {}).get("replicas", 1)},
            "status": {"replicas": (obj.get("status") or {}).get("replicas", 0)},
        }

    @staticmethod
    def _from_scale(current: dict[str, Any], scale: dict[str, Any]) -> dict[str, Any]:
        new = copy.deepcopy(current)
        new["spec"]["replicas"] = (scale.get("spec") or {}).get("replicas", 0)
        if (scale.get("metadata") or {}).get("resourceVersion"):
            new["metadata"]["resourceVersion"] = scale["metadata"]["resourceVersion"]
        return new

    def _list(self, rt: Any, version: str, namespace: str | None, q: Any) -> web.Response:
        items = self.cluster.list(rt, namespace, q.get("labelSelector", ""), q.get("fieldSelector", ""))
        return _json(
            {
                "apiVersion": rt.api_version(version),
                "kind": f"{rt.kind}List",
                "metadata": {"resourceVersion": str(self.cluster.rv)},
                "items": [self.cluster.view(rt, o, version) for o in items],
            }
        )

    # ---------------------------------------------------------------- watch
    async def watch(self, request: web.Request) -> web.StreamResponse:
        m = re.fullmatch(r"/api/(v1)(/.*)?|/apis/([^/]+)/([^/]+)(/.*)?", request.path.rstrip("/"))
        if not m:
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        group, version, rest = (
            ("", "v1", m.group(2) or "") if m.group(1) else (m.group(3), m.group(4), m.group(5) or "")
        )
        parts = [p for p in rest.split("/") if p]
        namespace = None
        if parts[:1] == ["namespaces"] and len(parts) >= 3:
            namespace, parts = parts[1], parts[2:]
        rt = self.cluster.type_for(group, version, parts[0])
        q = request.query
        field_selector = q.get("fieldSelector", "")
        if len(parts) > 1:
            field_selector = ",".join(filter(None, [field_selector, f"metadata.name={parts[1]}"]))
        label_reqs = api.parse_label_selector(q.get("labelSelector", ""))
        timeout = float(q.get("timeoutSeconds") or 1800)
        since = q.get("resourceVersion", "")
        response = web.StreamResponse(headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"})
        await response.prepare(request)

        def matches(obj: dict[str, Any]) -> bool:
            meta = obj.get("metadata", {})
            if namespace and meta.get("namespace") != namespace:
                return False
            if label_reqs and not api.labels_match(meta.get("labels") or {}, label_reqs):
                return False
            return not field_selector or api.fields_match(obj, field_selector)

        async def send(kind: str, obj: dict[str, Any]) -> None:
            await response.write(json.dumps({"type": kind, "object": obj}).encode() + b"\n")

        if since in ("", "0") or q.get("sendInitialEvents") == "true":
            last = self.cluster.rv
            # views taken before the first write (which may yield to other requests): a consistent snapshot
            initial = [self.cluster.view(rt, obj, version) for obj in self.cluster.list(rt, namespace) if matches(obj)]
            for view in initial:
                await send("ADDED", view)
            if q.get("sendInitialEvents") == "true":
                await send(
                    "BOOKMARK",
                    {
                        "apiVersion": rt.api_version(version),
                        "kind": rt.kind,
                        "metadata": {
                            "resourceVersion": str(last),
                            "annotations": {"k8s.io/initial-events-end": "true"},
                        },
                    },
                )
        else:
            last = int(since) if since.isdigit() else 0
            oldest = self.cluster.events[0][0] if self.cluster.events else self.cluster.rv
            if last < oldest - 1 and len(self.cluster.events) == self.cluster.events.maxlen:
                await send("ERROR", ApiError(410, "Expired", f"too old resource version: {last}").status())
                return response
        deadline = time.monotonic() + timeout
        self.watches += 1
        try:
            while time.monotonic() < deadline and not (request.transport is None or request.transport.is_closing()):
                changed = self.changed  # taken before the scan: a change during it wakes the wait below
                for rv, key, kind, obj in self._events_after(last):
                    last = rv
                    if key == rt.key and matches(obj):
                        view = copy.deepcopy(obj)
                        view["apiVersion"], view["kind"] = rt.api_version(version), rt.kind
                        await send(kind, view)
                if changed is not self.changed:
                    continue
                try:
                    await asyncio.wait_for(changed.wait(), timeout=min(1.0, max(0.0, deadline - time.monotonic())))
                except TimeoutError:
                    pass
        except ConnectionResetError:
            return response
        finally:
            self.watches -= 1
        return response

    def _events_after(self, last: int) -> list[tuple[int, tuple[str, str], str, dict[str, Any]]]:
        """Events newer than resourceVersion ``last``, oldest first (the log is in resourceVersion order)."""
        out = []
        for event in reversed(self.cluster.events):
            if event[0] <= last:
                break
            out.append(event)
        out.reverse()
        return out

    # ---------------------------------------------------------------- discovery / openapi
    def discovery(self, path: str) -> dict[str, Any] | None:
        types = list(self.cluster.types.values())
        if path == "/version":
            return SERVER_VERSION
        if path == "/api":
            return {
                "kind": "APIVersions",
                "versions": ["v1"],
                "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}],
            }
        if path == "/":
            return {
                "paths": sorted(
                    {"/api", "/api/v1", "/apis", "/version", "/openapi/v2", "/openapi/v3"}
                    | {f"/apis/{g['name']}" for g in self._groups(types)}
                )
            }
        if path == "/apis":
            return {"kind": "APIGroupList", "apiVersion": "v1", "groups": self._groups(types)}
        m = re.fullmatch(r"/apis/([^/]+)", path)
        if m:
            for g in self._groups(types):
                if g["name"] == m.group(1):
                    return {"kind": "APIGroup", "apiVersion": "v1", **g}
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        m = re.fullmatch(r"/api/(v1)|/apis/([^/]+)/([^/]+)", path)
        if m:
            group, version = ("", "v1") if m.group(1) else (m.group(2), m.group(3))
            served = [rt for rt in types if rt.group == group and version in rt.versions]
            if not served:
                raise ApiError(404, "NotFound", "the server could not find the requested resource")
            resources = []
            for rt in sorted(served, key=lambda r: r.plural):
                resources.append(
                    {
                        "name": rt.plural,
                        "singularName": rt.singular,
                        "namespaced": rt.namespaced,
                        "kind": rt.kind,
                        "verbs": rt.verbs,
                        "shortNames": rt.short_names,
                        "categories": rt.categories,
                        "storageVersionHash": hashlib.sha256(rt.plural.encode()).hexdigest()[:12],
                    }
                )
                for sub in sorted(rt.subresources):
                    kind = "Scale" if sub == "scale" else rt.kind
                    resources.append(
                        {
                            "name": f"{rt.plural}/{sub}",
                            "singularName": "",
                            "namespaced": rt.namespaced,
                            "kind": kind,
                            "verbs": ["get", "patch", "update"],
                            **({"group": "autoscaling", "version": "v1"} if sub == "scale" else {}),
                        }
                    )
            return {
                "kind": "APIResourceList",
                "apiVersion": "v1",
                "groupVersion": f"{group}/{version}" if group else version,
                "resources": resources,
            }
        return None

    @staticmethod
    def _groups(types: list[Any]) -> list[dict[str, Any]]:
        groups: dict[str, list[str]] = {}
        for rt in types:
            if rt.group:
                versions = groups.setdefault(rt.group, [])
                versions += [v for v in rt.versions if v not in versions]
        out = []
        for name, versions in sorted(groups.items()):
            gvs = [{"groupVersion": f"{name}/{v}", "version": v} for v in versions]
            out.append({"name": name, "versions": gvs, "preferredVersion": gvs[0]})
        return out

    def openapi(self, path: str, request: web.Request) -> web.Response:
        types = list(self.cluster.types.values())
        if self._openapi_cache.get("catalog_version") != self.cluster.catalog_version:
            self._openapi_cache.clear()  # documents of an older catalog (before a CRD change) are never served again
            self._openapi_cache["catalog_version"] = self.cluster.catalog_version
        if path == "/openapi/v2":
            accept = request.headers.get("Accept", "")
            if "protobuf" in accept and "json" not in accept:
                raise ApiError(406, "NotAcceptable", "only application/json is served for /openapi/v2")
            return _json(self._openapi_v2(types))
        gvs = sorted({(rt.group, v) for rt in types for v in rt.versions})
        if path == "/openapi/v3":
            key = ("v3-index", self.cluster.catalog_version)
            if key not in self._openapi_cache:  # hashing every group's document costs ~0.2 s: once per catalog
                paths = {}
                for group, version in gvs:
                    rel = f"api/{version}" if not group else f"apis/{group}/{version}"
                    digest = hashlib.sha256(json.dumps(self._openapi_v3(group, version), sort_keys=True).encode())
                    paths[rel] = {"serverRelativeURL": f"/openapi/v3/{rel}?hash={digest.hexdigest()[:32].upper()}"}
                self._openapi_cache[key] = {"paths": paths}
            return _json(self._openapi_cache[key])
        m = re.fullmatch(r"/openapi/v3/api/(v1)|/openapi/v3/apis/([^/]+)/([^/]+)", path)
        if m:
            group, version = ("", "v1") if m.group(1) else (m.group(2), m.group(3))
            if (group, version) in gvs:
                return _json(self._openapi_v3(group, version))
        raise ApiError(404, "NotFound", "the server could not find the requested resource")

    def _openapi_v3(self, group: str, version: str) -> dict[str, Any]:
        key = ("v3", group, version, self.cluster.catalog_version)
        if key in self._openapi_cache:
            return self._openapi_cache[key]
        defs = schema.definitions()
        schemas: dict[str, Any] = {}
        paths: dict[str, Any] = {}
        prefix = f"/api/{version}" if not group else f"/apis/{group}/{version}"
        for rt in self.cluster.types.values():
            if rt.group != group or version not in rt.versions:
                continue
            gvk = {"group": group, "version": version, "kind": rt.kind}
            name = schema.gvk_index().get((group, version, rt.kind))
            if rt.crd is not None:
                node = ((rt.crd_version(version) or {}).get("schema") or {}).get("openAPIV3Schema") or {}
                name = f"{'.'.join(reversed(group.split('.')))}.{version}.{rt.kind}"
                schemas[name] = {**node, "x-kubernetes-group-version-kind": [gvk]}
            elif name:
                _collect(name, defs, schemas)
            params = [
                {"name": "fieldValidation", "in": "query", "schema": {"type": "string", "uniqueItems": True}},
                {"name": "fieldManager", "in": "query", "schema": {"type": "string", "uniqueItems": True}},
                {"name": "dryRun", "in": "query", "schema": {"type": "string", "uniqueItems": True}},
            ]
            base = f"{prefix}/namespaces/{{namespace}}/{rt.plural}" if rt.namespaced else f"{prefix}/{rt.plural}"
            op = {"x-kubernetes-group-version-kind": gvk, "parameters": params, "responses": {}}
            paths[f"{base}/{{name}}"] = {
                "get": {**op, "x-kubernetes-action": "get"},
                "put": {**op, "x-kubernetes-action": "put"},
                "patch": {**op, "x-kubernetes-action": "patch"},
                "delete": {**op, "x-kubernetes-action": "delete"},
            }
            paths[base] = {"get": {**op, "x-kubernetes-action": "list"}, "post": {**op, "x-kubernetes-action": "post"}}
        doc = json.loads(
            json.dumps(
                {
                    "openapi": "3.0.0",
                    "info": {"title": "Kubernetes", "version": "v1.34.0"},
                    "paths": paths,
                    "components": {"schemas": schemas},
                }
            ).replace("#/$defs/", "#/components/schemas/")
        )
        self._openapi_cache[key] = doc
        return doc

    def _openapi_v2(self, types: list[Any]) -> dict[str, Any]:
        key = ("v2", self.cluster.catalog_version)
        if key not in self._openapi_cache:
            definitions = dict(schema.definitions())
            for rt in types:
                if rt.crd is None:
                    continue
                for version in rt.versions:
                    node = ((rt.crd_version(version) or {}).get("schema") or {}).get("openAPIV3Schema") or {}
                    name = f"{'.'.join(reversed(rt.group.split('.')))}.{version}.{rt.kind}"
                    definitions[name] = {
                        **node,
                        "x-kubernetes-group-version-kind": [{"group": rt.group, "version": version, "kind": rt.kind}],
                    }
            self._openapi_cache[key] = json.loads(
                json.dumps(
                    {
                        "swagger": "2.0",
                        "info": {"title": "Kubernetes", "version": "v1.34.0"},
                        "paths": {},
                        "definitions": definitions,
                    }
                ).replace("#/$defs/", "#/definitions/")
            )
        return self._openapi_cache[key]


def _collect(name: str, defs: dict[str, Any], out: dict[str, Any]) -> None:
    if name in out or name not in defs:
        return
    out[name] = defs[name]
    for ref in re.findall(r'"\$ref": "#/\$defs/([^"]+)"', json.dumps(defs[name])):
        _collect(ref, defs, out)


# --------------------------------------------------------------------------------------------------
# running it


def kubeconfig_text(server_url: str, ca_pem: bytes, token: str) -> str:
    import base64

    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "current-context": "local",
        "clusters": [
            {
                "name": "local",
                "cluster": {"server": server_url, "certificate-authority-data": base64.b64encode(ca_pem).decode()},
            }
        ],
        "users": [{"name": "local", "user": {"token": token}}],
        "contexts": [{"name": "local", "context": {"cluster": "local", "user": "local", "namespace": "default"}}],
    }
    return yaml.safe_dump(doc, sort_keys=False)


def load_plugins(spec: str) -> None:
    for name in filter(None, (s.strip() for s in spec.split(","))):
        importlib.import_module(name)


class Running:
    """A stand-in served from a background thread (tests, benchmarks): ``url``, ``token``, ``kubeconfig``."""

    def __init__(self, state_dir: Path, ready_delay: float = 0.0, unready: list[str] | None = None) -> None:
        self.state_dir = state_dir
        self.cluster = Cluster(ready_delay=ready_delay, faults={"unready": list(unready or [])})
        self.token = secrets.token_urlsafe(32)
        self.certs = tls.generate()
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"https://127.0.0.1:{self.port}"
        self.kubeconfig = write_kubeconfig(state_dir, self.url, self.certs.ca_pem, self.token)
        self.ca_file = state_dir / "kubernetes-ca.crt"
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._started = threading.Event()
        self._thread.start()
        self._started.wait(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.server = Server(self.cluster, self.token)
        # handler_cancellation: a watch whose client went away ends at once instead of at its timeout
        runner = web.AppRunner(self.server.app(), access_log=None, handler_cancellation=True, shutdown_timeout=2)
        self.loop.run_until_complete(runner.setup())
        site = web.SockSite(runner, self.sock, ssl_context=self.certs.server_context())
        self.loop.run_until_complete(site.start())
        self._runner = runner
        self._started.set()
        self.loop.run_forever()

    def call(self, fn: Any, *args: Any) -> Any:
        """Run ``fn(*args)`` on the server's loop (safe access to the cluster from a test)."""

        async def wrapper() -> Any:
            return fn(*args)

        return asyncio.run_coroutine_threadsafe(wrapper(), self.loop).result(10)

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)


def write_kubeconfig(state_dir: Path, url: str, ca_pem: bytes, token: str) -> Path:
    state_dir.mkdir(parents=True, exist_ok=True)
    path = state_dir / KUBECONFIG
    tmp = state_dir / f".{KUBECONFIG}.tmp"
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(kubeconfig_text(url, ca_pem, token))
    tmp.replace(path)
    (state_dir / "kubernetes-ca.crt").write_bytes(ca_pem)
    return path


def serve(
    host: str,
    port: int,
    state_dir: Path,
    ready_delay: float,
    unready: list[str],
    plugins: str,
    nodes: int = 1,
    region: str = "ap-northeast-2",
    serve_charts: bool = True,
) -> int:
    load_plugins(plugins)
    cluster = Cluster(
        ready_delay=ready_delay,
        faults={"unready": list(unready)},
        extra={"nodes": nodes, "region": region, "state_dir": str(state_dir)},
    )
    token = secrets.token_urlsafe(32)
    certs = tls.generate()
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    bound = sock.getsockname()[1]
    url = f"https://{host}:{bound}"
    server = Server(cluster, token)

    # the local Helm chart repository (tests/charts, see charts.py), served from this process's own thread
    repository = charts.serve(charts.build_repository(state_dir)) if serve_charts else None

    async def main() -> None:
        runner = web.AppRunner(server.app(), access_log=None, handler_cancellation=True)
        await runner.setup()
        await web.SockSite(runner, sock, ssl_context=certs.server_context()).start()
        kubeconfig = write_kubeconfig(state_dir, url, certs.ca_pem, token)
        state = {"url": url, "port": bound, "pid": os.getpid(), "kubeconfig": str(kubeconfig)}
        if repository is not None:
            state["chart_repository_url"] = charts.url(repository)
        (state_dir / STATE_FILE).write_text(json.dumps(state, indent=2) + "\n")
        print(f"local kubernetes API at {url} (kubeconfig {kubeconfig})", flush=True)
        if repository is not None:
            print(f"local chart repository at {charts.url(repository)}", flush=True)
        await asyncio.Event().wait()

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
    return 0
