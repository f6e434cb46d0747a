"""The in-memory cluster: objects, verbs and their semantics, independent of HTTP.

:class:`Cluster` keeps every object under (group, plural) -> (namespace, name), a global
``resourceVersion`` counter and an event log for watches. Each write goes through :meth:`Cluster.write`
(validation, server-owned metadata, status-subresource rules, managed fields, finalizers) and is
followed by :meth:`Cluster.reconcile` (simulated controllers, garbage collection, namespace
termination).
"""

from __future__ import annotations

import copy
import json
import re
import time
import uuid
from collections import deque
from collections.abc import Callable
from typing import Any

from . import catalog, controllers, merge, schema
from .catalog import ResourceType

EVENT_LOG = 20000


class ApiError(Exception):
    def __init__(self, code: int, reason: str, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code, self.reason, self.message, self.details = code, reason, message, details or {}

    def status(self) -> dict[str, Any]:
        out = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }
        if self.details:
            out["details"] = self.details
        return out


def now_stamp() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


# --------------------------------------------------------------------------------------------------
# selectors

_REQ = re.compile(r"\s*(!?)([A-Za-z0-9_./-]+)\s*(?:(==|=|!=)\s*([A-Za-z0-9_.-]*)|\s+(in|notin)\s*\(([^)]*)\))?\s*")


def parse_label_selector(text: str) -> list[tuple[str, str, list[str]]]:
    reqs: list[tuple[str, str, list[str]]] = []
    parts, depth, cur = [], 0, ""
    for ch in text:
        depth += ch == "("
        depth -= ch == ")"
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    for part in filter(str.strip, parts):
        m = _REQ.fullmatch(part)
        if not m:
            raise ApiError(400, "BadRequest", f'unable to parse requirement: invalid label selector "{text}"')
        neg, key, op, value, setop, values = m.groups()
        if op:
            reqs.append((key, "!=" if op == "!=" else "=", [value]))
        elif setop:
            reqs.append((key, setop, [v.strip() for v in values.split(",") if v.strip()]))
        else:
            reqs.append((key, "!" if neg else "exists", []))
    return reqs


def labels_match(labels: dict[str, str], reqs: list[tuple[str, str, list[str]]]) -> bool:
    for key, op, values in reqs:
        have = key in labels
        if op == "=" and labels.get(key) != values[0]:
            return False
        if op == "!=" and have and labels[key] == values[0]:
            return False
        if op == "in" and labels.get(key) not in values:
            return False
        if op == "notin" and have and labels[key] in values:
            return False
        if op == "exists" and not have:
            return False
        if op == "!" and have:
            return False
    return True


def fields_match(obj: dict[str, Any], text: str) -> bool:
    for part in filter(None, text.split(",")):
        m = re.fullmatch(r"([A-Za-z0-9_.]+)\s*(==|=|!=)\s*(.*)", part.strip())
        if not m:
            raise ApiError(400, "BadRequest", f'invalid field selector: "{text}"')
        path, op, want = m.groups()
        cur: Any = obj
        for key in path.split("."):
            cur = cur.get(key) if isinstance(cur, dict) else None
        have = "" if cur is None else str(cur)
        if (op == "!=") == (have == want):
            return False
    return True


# --------------------------------------------------------------------------------------------------


class Cluster:
    def __init__(
        self, ready_delay: float = 0.0, faults: dict[str, Any] | None = None, extra: dict[str, Any] | None = None
    ) -> None:
        self.types: dict[tuple[str, str], ResourceType] = {}
        for rt in catalog.builtin_types():
            self.types[rt.key] = rt
        self.objects: dict[tuple[str, str], dict[tuple[str, str], dict[str, Any]]] = {}
        self.managers: dict[str, dict[tuple[str, str], dict[str, Any]]] = {}  # uid -> (manager, op) -> entry
        self.changed_at: dict[str, float] = {}
        self.rv = 1
        self.events: deque[tuple[int, tuple[str, str], str, dict[str, Any]]] = deque(maxlen=EVENT_LOG)
        self.listeners: list[Callable[[], None]] = []
        self.clock = controllers.Clock()
        self.ready_delay = ready_delay
        self.faults: dict[str, Any] = faults or {"unready": []}
        self.extra = extra or {}
        self.catalog_version = 0
        controllers.install_builtin()
        for ns in ("default", "kube-system", "kube-public", "kube-node-lease"):
            self.write(
                self.types[("", "namespaces")],
                {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}},
                None,
                "v1",
                "kube-apiserver",
                "Update",
            )

    # ---------------------------------------------------------------- lookup
    def type_for(self, group: str, version: str, plural: str) -> ResourceType:
        rt = self.types.get((group, plural))
        if rt is None or version not in rt.versions:
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        return rt

    def type_for_kind(self, api_version: str, kind: str) -> ResourceType | None:
        group = api_version.rsplit("/", 1)[0] if "/" in api_version else ""
        for rt in self.types.values():
            if rt.group == group and rt.kind == kind:
                return rt
        return None

    def get(self, rt: ResourceType, namespace: str | None, name: str) -> dict[str, Any] | None:
        return self.objects.get(rt.key, {}).get((namespace or "", name))

    def not_found(self, rt: ResourceType, name: str) -> ApiError:
        return ApiError(
            404,
            "NotFound",
            f'{rt.group_resource} "{name}" not found',
            {"name": name, "group": rt.group, "kind": rt.plural},
        )

    def view(self, rt: ResourceType, obj: dict[str, Any], version: str) -> dict[str, Any]:
        out = copy.deepcopy(obj)
        out["apiVersion"] = rt.api_version(version)
        out["kind"] = rt.kind
        entries = self.managers.get(obj["metadata"].get("uid", ""), {})
        if entries:
            out["metadata"]["managedFields"] = [
                {
                    "manager": m,
                    "operation": op,
                    "apiVersion": e["apiVersion"],
                    "time": e["time"],
                    "fieldsType": "FieldsV1",
                    "fieldsV1": merge.fields_v1(e["paths"]),
                    **({"subresource": e["subresource"]} if e.get("subresource") else {}),
                }
                for (m, op), e in sorted(entries.items())
                if e["paths"]
            ]
        return out

    def schema_for(self, rt: ResourceType, version: str) -> schema.Schema | None:
        if rt.crd is not None:
            v = rt.crd_version(version) or {}
            node = (v.get("schema") or {}).get("openAPIV3Schema")
            return schema.Schema(node) if node else None
        for ver in [version] + rt.versions:
            found = schema.builtin_schema(rt.group, ver, rt.kind)
            if found is not None:
                return found
        return None

    # ---------------------------------------------------------------- events
    def _emit(self, rt: ResourceType, kind: str, obj: dict[str, Any]) -> None:
        self.events.append((int(obj["metadata"]["resourceVersion"]), rt.key, kind, copy.deepcopy(obj)))
        for fn in list(self.listeners):
            fn()

    def _next_rv(self) -> str:
        self.rv += 1
        return str(self.rv)

    # ---------------------------------------------------------------- list
    def list(
        self, rt: ResourceType, namespace: str | None, label_selector: str = "", field_selector: str = ""
    ) -> list[dict[str, Any]]:
        reqs = parse_label_selector(label_selector) if label_selector else []
        out = []
        for (ns, _name), obj in sorted(self.objects.get(rt.key, {}).items()):
            if namespace and ns != namespace:
                continue
            if reqs and not labels_match(obj["metadata"].get("labels") or {}, reqs):
                continue
            if field_selector and not fields_match(obj, field_selector):
                continue
            out.append(obj)
        return out

    # ---------------------------------------------------------------- validation
    def validate(
        self, rt: ResourceType, obj: dict[str, Any], version: str, field_validation: str, warnings: list[str]
    ) -> None:
        if rt.crd is not None:
            node = ((rt.crd_version(version) or {}).get("schema") or {}).get("openAPIV3Schema")
            if not node:
                return
            errors, unknown = schema.validate_custom(obj, node)
        else:
            errors, unknown = schema.validate_builtin(obj)
        name = obj.get("metadata", {}).get("name", "")
        if errors:
            raise ApiError(
                422,
                "Invalid",
                f'{rt.kind_group} "{name}" is invalid: ' + ", ".join(c.text() for c in errors),
                {
                    "name": name,
                    "group": rt.group,
                    "kind": rt.kind,
                    "causes": [{"reason": c.reason, "message": c.message, "field": c.field} for c in errors],
                },
            )
        if unknown:
            mode = field_validation or "Warn"
            if mode == "Strict":
                detail = ", ".join(f'unknown field "{u}"' for u in unknown)
                raise ApiError(400, "BadRequest", f"strict decoding error: {detail}")
            if mode == "Warn":
                warnings += [f'unknown field "{u}"' for u in unknown]
            for u in unknown:
                schema.drop_path(obj, u)

    # ---------------------------------------------------------------- write
    def write(
        self,
        rt: ResourceType,
        new: dict[str, Any],
        old: dict[str, Any] | None,
        version: str,
        manager: str,
        operation: str,
        subresource: str = "",
        dry_run: bool = False,
        field_validation: str = "",
        warnings: list[str] | None = None,
        apply_paths: set[tuple[str, ...]] | None = None,
        force_taken: dict[str, set[Any]] | None = None,
    ) -> dict[str, Any]:
        warnings = warnings if warnings is not None else []
        new = copy.deepcopy(new)
        new["apiVersion"], new["kind"] = rt.api_version(version), rt.kind
        meta = new.setdefault("metadata", {})
        if not isinstance(meta, dict):
            raise ApiError(400, "BadRequest", "metadata must be an object")
        if old is None:
            if not meta.get("name") and meta.get("generateName"):
                meta["name"] = meta["generateName"] + uuid.uuid4().hex[:5]
            if not meta.get("name"):
                raise ApiError(
                    422,
                    "Invalid",
                    f'{rt.kind_group} "" is invalid: metadata.name: Required value: name or generateName is required',
                    {
                        "causes": [
                            {
                                "reason": "FieldValueRequired",
                                "field": "metadata.name",
                                "message": "Required value: name or generateName is required",
                            }
                        ]
                    },
                )
        if rt.namespaced:
            if not meta.get("namespace"):
                raise ApiError(400, "BadRequest", "the namespace of the object does not match the request")
            ns_obj = self.get(self.types[("", "namespaces")], None, meta["namespace"])
            if ns_obj is None:
                raise ApiError(
                    404,
                    "NotFound",
                    f'namespaces "{meta["namespace"]}" not found',
                    {"name": meta["namespace"], "kind": "namespaces"},
                )
            if old is None and ns_obj["metadata"].get("deletionTimestamp"):
                raise ApiError(
                    403,
                    "Forbidden",
                    f'{rt.plural} "{meta["name"]}" is forbidden: unable to create new '
                    f"content in namespace {meta['namespace']} because it is being terminated",
                )
        else:
            meta.pop("namespace", None)
        # status subresource: main writes keep the stored status, status writes change only status
        if "status" in rt.subresources or rt.crd is not None and "status" in rt.subresources:
            if subresource == "status" and old is not None:
                status = new.get("status")
                new = copy.deepcopy(old)
                new["apiVersion"], new["kind"] = rt.api_version(version), rt.kind
                if status is None:
                    new.pop("status", None)
                else:
                    new["status"] = status
                meta = new["metadata"]
            elif old is not None:
                if "status" in old:
                    new["status"] = copy.deepcopy(old["status"])
                else:
                    new.pop("status", None)
            elif rt.crd is not None or rt.plural in ("deployments", "statefulsets", "daemonsets", "jobs"):
                new.pop("status", None)
        if old is None:
            self._defaults(rt, new)
        self.validate(rt, new, version, field_validation, warnings)
        # server-owned metadata
        for key in merge.SERVER_META:
            if key in ("deletionTimestamp", "deletionGracePeriodSeconds") and old is None:
                meta.pop(key, None)
            elif key not in ("deletionTimestamp", "deletionGracePeriodSeconds"):
                meta.pop(key, None)
        if old is not None:
            om = old["metadata"]
            if meta.get("name") != om["name"]:
                raise ApiError(400, "BadRequest", "the name of the object does not match the name on the URL")
            for key in ("uid", "creationTimestamp", "generation", "deletionTimestamp", "deletionGracePeriodSeconds"):
                if key in om:
                    meta[key] = om[key]
                else:
                    meta.pop(key, None)
            if om.get("deletionTimestamp"):
                added = set(meta.get("finalizers") or []) - set(om.get("finalizers") or [])
                if added:
                    raise ApiError(
                        422,
                        "Invalid",
                        f'{rt.kind_group} "{om["name"]}" is invalid: metadata.finalizers: '
                        "Forbidden: no new finalizers can be added if the object is being deleted",
                    )
            meta["resourceVersion"] = om["resourceVersion"]
        else:
            meta["uid"] = str(uuid.uuid4())
            meta["creationTimestamp"] = now_stamp()
            if rt.generation:
                meta["generation"] = 1
        uid = meta["uid"]
        spec_changed = old is None or _body(old) != _body(new)
        if old is not None and rt.generation and spec_changed:
            meta["generation"] = int(old["metadata"].get("generation", 1)) + 1
        # managed fields
        sch = self.schema_for(rt, version)
        entries = copy.deepcopy(self.managers.get(uid, {}))
        if apply_paths is not None:
            for other, taken in (force_taken or {}).items():
                for key, entry in entries.items():
                    if key[0] == other:
                        entry["paths"] -= taken
            prev = entries.get((manager, "Apply"))
            same = prev is not None and prev["paths"] == set(apply_paths) and prev.get("time")
            entries[(manager, "Apply")] = {
                "paths": set(apply_paths),
                "apiVersion": rt.api_version(version),
                # a no-op apply keeps the entry's time (as the API server does), so re-runs compare equal
                "time": prev["time"] if same and prev else now_stamp(),
                "subresource": subresource,
            }
        else:
            scope_old = {"status": old.get("status")} if old and subresource == "status" else old
            scope_new = {"status": new.get("status")} if subresource == "status" else new
            changed = merge.changed_paths(scope_old or {}, scope_new, sch)
            if subresource == "status":
                changed = {
                    ("f:status",) + p
                    for p in merge.changed_paths((old or {}).get("status") or {}, new.get("status") or {}, None)
                }
            if changed:
                for entry in entries.values():
                    entry["paths"] -= changed
                key = (manager, operation)
                entry = entries.setdefault(
                    key, {"paths": set(), "apiVersion": rt.api_version(version), "subresource": subresource}
                )
                entry["paths"] |= changed
                entry["time"] = now_stamp()
        entries = {k: e for k, e in entries.items() if e["paths"]}
        unchanged = old is not None and _same(old, new)
        if dry_run:
            if not unchanged and old is not None:
                meta["resourceVersion"] = str(self.rv + 1)
            return self.view_raw(rt, new, version, entries)
        if unchanged:
            self.managers[uid] = entries
            return self.view(rt, old, version)
        meta["resourceVersion"] = self._next_rv()
        self.managers[uid] = entries
        if spec_changed:
            self.changed_at[uid] = self.clock.now()
        self.objects.setdefault(rt.key, {})[(meta.get("namespace", ""), meta["name"])] = new
        self._emit(rt, "ADDED" if old is None else "MODIFIED", new)
        if rt.key == ("apiextensions.k8s.io", "customresourcedefinitions"):
            self._crd_written(new)
        if meta.get("deletionTimestamp") and not meta.get("finalizers"):
            self._remove(rt, new)
        return self.view(rt, new, version)

    def view_raw(
        self, rt: ResourceType, obj: dict[str, Any], version: str, entries: dict[tuple[str, str], dict[str, Any]]
    ) -> dict[str, Any]:
        saved = self.managers.get(obj["metadata"]["uid"])
        self.managers[obj["metadata"]["uid"]] = entries
        try:
            return self.view(rt, obj, version)
        finally:
            if saved is None:
                self.managers.pop(obj["metadata"]["uid"], None)
            else:
                self.managers[obj["metadata"]["uid"]] = saved

    def _defaults(self, rt: ResourceType, obj: dict[str, Any]) -> None:
        spec = obj.get("spec") if isinstance(obj.get("spec"), dict) else None
        if rt.key == ("", "namespaces"):
            obj["metadata"].setdefault("labels", {})["kubernetes.io/metadata.name"] = obj["metadata"]["name"]
            obj["spec"] = {"finalizers": ["kubernetes"]}
            obj["status"] = {"phase": "Active"}
        elif (
            rt.key in (("apps", "deployments"), ("apps", "statefulsets"), ("apps", "replicasets")) and spec is not None
        ):
            spec.setdefault("replicas", 1)
            spec.setdefault("revisionHistoryLimit", 10)
            if rt.plural == "deployments":
                spec.setdefault("progressDeadlineSeconds", 600)
                spec.setdefault(
                    "strategy", {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}}
                )
            if rt.plural == "statefulsets":
                spec.setdefault("updateStrategy", {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}})
                spec.setdefault("podManagementPolicy", "OrderedReady")
        elif rt.key == ("batch", "jobs") and spec is not None:
            # the API server's defaults; helm's Job readiness dereferences backoffLimit
            spec.setdefault("backoffLimit", 6)
            if spec.get("completions") is None and spec.get("parallelism") is None:
                spec["completions"] = spec["parallelism"] = 1
            spec.setdefault("parallelism", 1)
            spec.setdefault("completionMode", "NonIndexed")
            spec.setdefault("suspend", False)
        elif rt.key == ("apps", "daemonsets") and spec is not None:
            spec.setdefault(
                "updateStrategy", {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}}
            )
        elif rt.key == ("", "services") and spec is not None:
            spec.setdefault("type", "ClusterIP")
            spec.setdefault("sessionAffinity", "None")
            if spec.get("clusterIP") != "None":
                n = self.rv
                spec["clusterIP"] = f"10.100.{(n >> 8) & 255}.{n & 255 or 1}"
                spec["clusterIPs"] = [spec["clusterIP"]]
            spec.setdefault("ipFamilies", ["IPv4"])
            spec.setdefault("ipFamilyPolicy", "SingleStack")
            for i, port in enumerate(spec.get("ports") or []):
                if isinstance(port, dict):
                    port.setdefault("protocol", "TCP")
                    port.setdefault("targetPort", port.get("port"))
                    if spec["type"] in ("NodePort", "LoadBalancer"):
                        port.setdefault("nodePort", 30000 + (self.rv * 7 + i) % 2000)
            obj.setdefault("status", {"loadBalancer": {}})

    def replace_managers(self, uid: str, managed_fields: list[dict[str, Any]]) -> None:
        """Managed fields written by a client (the API allows it): fieldsV1 trees back to path sets."""
        entries: dict[tuple[str, str], dict[str, Any]] = {}
        for mf in managed_fields or []:
            paths: set[tuple[str, ...]] = set()
            merge.tree_paths(mf.get("fieldsV1") or {}, (), paths)
            entries[(mf.get("manager", ""), mf.get("operation", "Update"))] = {
                "paths": paths,
                "apiVersion": mf.get("apiVersion", ""),
                "time": mf.get("time") or now_stamp(),
                "subresource": mf.get("subresource", ""),
            }
        self.managers[uid] = entries

    # ---------------------------------------------------------------- CRDs
    def _crd_written(self, crd: dict[str, Any]) -> None:
        rt = catalog.crd_type(crd)
        existing = self.types.get(rt.key)
        if existing is not None and existing.crd is None:
            return  # never shadow a built-in
        self.types[rt.key] = rt
        self.catalog_version += 1
        names = crd.get("spec", {}).get("names", {})
        accepted = {k: v for k, v in names.items()}
        accepted.setdefault("singular", rt.singular)
        accepted.setdefault("listKind", f"{rt.kind}List")
        status = {
            "acceptedNames": accepted,
            "storedVersions": [v["name"] for v in crd["spec"].get("versions", []) if v.get("storage")],
            "conditions": [
                {
                    "type": "NamesAccepted",
                    "status": "True",
                    "reason": "NoConflicts",
                    "message": "no conflicts found",
                    "lastTransitionTime": now_stamp(),
                },
                {
                    "type": "Established",
                    "status": "True",
                    "reason": "InitialNamesAccepted",
                    "message": "the initial names have been accepted",
                    "lastTransitionTime": now_stamp(),
                },
            ],
        }
        old_status = crd.get("status") or {}
        if {k: v for k, v in old_status.items() if k != "conditions"} != {
            k: v for k, v in status.items() if k != "conditions"
        }:
            crd["status"] = status
            crd["metadata"]["resourceVersion"] = self._next_rv()
            self._emit(self.types[("apiextensions.k8s.io", "customresourcedefinitions")], "MODIFIED", crd)

    # ---------------------------------------------------------------- delete
    def delete(
        self, rt: ResourceType, obj: dict[str, Any], version: str, propagation: str = "", dry_run: bool = False
    ) -> dict[str, Any]:
        meta = obj["metadata"]
        if dry_run:
            return self.view(rt, obj, version)
        propagation = propagation or "Background"
        if rt.key == ("", "namespaces"):
            if not meta.get("deletionTimestamp"):
                obj = copy.deepcopy(obj)
                obj["metadata"]["deletionTimestamp"] = now_stamp()
                obj["status"] = {"phase": "Terminating"}
                obj["metadata"]["resourceVersion"] = self._next_rv()
                self.changed_at[meta["uid"]] = self.clock.now()
                self.objects[rt.key][("", meta["name"])] = obj
                self._emit(rt, "MODIFIED", obj)
            return self.view(rt, obj, version)
        if propagation == "Orphan":
            self._orphan(meta["uid"])
        finalizers = list(meta.get("finalizers") or [])
        if propagation == "Foreground" and self._dependents(meta["uid"]) and "foregroundDeletion" not in finalizers:
            finalizers.append("foregroundDeletion")
        if finalizers:
            if not meta.get("deletionTimestamp") or finalizers != meta.get("finalizers"):
                obj = copy.deepcopy(obj)
                obj["metadata"]["deletionTimestamp"] = meta.get("deletionTimestamp") or now_stamp()
                obj["metadata"]["deletionGracePeriodSeconds"] = 0
                obj["metadata"]["finalizers"] = finalizers
                obj["metadata"]["resourceVersion"] = self._next_rv()
                self.objects[rt.key][(meta.get("namespace", ""), meta["name"])] = obj
                self._emit(rt, "MODIFIED", obj)
            return self.view(rt, obj, version)
        self._remove(rt, obj)
        return {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Success",
            "details": {"name": meta["name"], "group": rt.group, "kind": rt.plural, "uid": meta["uid"]},
        }

    def _remove(self, rt: ResourceType, obj: dict[str, Any]) -> None:
        meta = obj["metadata"]
        self.objects.get(rt.key, {}).pop((meta.get("namespace", ""), meta["name"]), None)
        self.managers.pop(meta["uid"], None)
        self.changed_at.pop(meta["uid"], None)
        gone = copy.deepcopy(obj)
        gone["metadata"]["resourceVersion"] = self._next_rv()
        self._emit(rt, "DELETED", gone)
        if rt.key == ("apiextensions.k8s.io", "customresourcedefinitions"):
            key = (obj["spec"].get("group", ""), obj["spec"].get("names", {}).get("plural", ""))
            crt = self.types.get(key)
            if crt is not None and crt.crd is not None:
                for cr in list(self.objects.get(key, {}).values()):
                    self._remove(crt, cr)
                del self.types[key]
                self.catalog_version += 1

    def _dependents(self, uid: str) -> list[tuple[ResourceType, dict[str, Any]]]:
        out = []
        for key, objs in self.objects.items():
            for obj in objs.values():
                if any(ref.get("uid") == uid for ref in obj["metadata"].get("ownerReferences") or []):
                    out.append((self.types[key], obj))
        return out

    def _orphan(self, uid: str) -> None:
        for rt, obj in self._dependents(uid):
            refs = [r for r in obj["metadata"]["ownerReferences"] if r.get("uid") != uid]
            new = copy.deepcopy(obj)
            new["metadata"]["ownerReferences"] = refs
            if not refs:
                del new["metadata"]["ownerReferences"]
            new["metadata"]["resourceVersion"] = self._next_rv()
            self.objects[rt.key][(obj["metadata"].get("namespace", ""), obj["metadata"]["name"])] = new
            self._emit(rt, "MODIFIED", new)

    # ---------------------------------------------------------------- controllers
    def reconcile(self) -> None:
        """One pass of every simulated controller, garbage collection and namespace termination."""
        now = self.clock.now()
        live_uids = {o["metadata"]["uid"] for objs in self.objects.values() for o in objs.values()}
        for key in list(self.objects):
            rt = self.types.get(key)
            if rt is None:
                continue
            for obj in list(self.objects[key].values()):
                meta = obj["metadata"]
                # garbage collector: owners gone -> dependents deleted (background propagation)
                refs = meta.get("ownerReferences") or []
                if refs and not any(r.get("uid") in live_uids for r in refs) and not meta.get("deletionTimestamp"):
                    self.delete(rt, obj, rt.versions[0])
                    continue
                if "foregroundDeletion" in (meta.get("finalizers") or []) and meta.get("deletionTimestamp"):
                    deps = self._dependents(meta["uid"])
                    for drt, dep in deps:
                        if not dep["metadata"].get("deletionTimestamp"):
                            self.delete(drt, dep, drt.versions[0], "Foreground")
                    if not self._dependents(meta["uid"]):
                        self._set_finalizers(rt, obj, [f for f in meta["finalizers"] if f != "foregroundDeletion"])
                    continue
                fns = controllers.controllers_for(rt.group, rt.kind)
                if meta.get("deletionTimestamp"):
                    # only controllers that finish deletions (finalizers) see objects being deleted
                    fns = [fn for fn in fns if getattr(fn, "handles_deletion", False)]
                if not fns:
                    continue
                ctx = controllers.Context(
                    now=now,
                    age=now - self.changed_at.get(meta["uid"], now),
                    delay=self.ready_delay,
                    faults=self.faults,
                    cluster=self,
                    extra=self.extra,
                )
                for fn in fns:
                    status = fn(copy.deepcopy(obj), ctx)
                    current = self.get(rt, meta.get("namespace"), meta["name"])
                    if status is not None and current is not None and current.get("status") != status:
                        new = copy.deepcopy(current)
                        new["status"] = status
                        self.write(
                            rt,
                            new,
                            current,
                            rt.versions[0],
                            f"local-{rt.kind.lower()}-controller",
                            "Update",
                            subresource="status",
                            field_validation="Ignore",
                        )
        self._terminate_namespaces(now)

    def _set_finalizers(self, rt: ResourceType, obj: dict[str, Any], finalizers: list[str]) -> None:
        new = copy.deepcopy(obj)
        new["metadata"]["finalizers"] = finalizers
        self.write(rt, new, obj, rt.versions[0], "local-garbage-collector", "Update", field_validation="Ignore")

    def _terminate_namespaces(self, now: float) -> None:
        nrt = self.types[("", "namespaces")]
        for ns in list(self.objects.get(nrt.key, {}).values()):
            meta = ns["metadata"]
            if not meta.get("deletionTimestamp") or now - self.changed_at.get(meta["uid"], now) < self.ready_delay:
                continue
            remaining = 0
            for key, objs in list(self.objects.items()):
                rt = self.types.get(key)
                if rt is None or not rt.namespaced:
                    continue
                for (obj_ns, _name), obj in list(objs.items()):
                    if obj_ns != meta["name"]:
                        continue
                    remaining += 1
                    if not obj["metadata"].get("deletionTimestamp"):
                        self.delete(rt, obj, rt.versions[0])
            if remaining == 0 or not any(ns_ == meta["name"] for objs in self.objects.values() for (ns_, _n) in objs):
                self._remove(nrt, ns)

    # ---------------------------------------------------------------- apply
    def apply(
        self,
        rt: ResourceType,
        namespace: str | None,
        name: str,
        applied: dict[str, Any],
        version: str,
        manager: str,
        force: bool,
        subresource: str = "",
        dry_run: bool = False,
        field_validation: str = "",
        warnings: list[str] | None = None,
    ) -> tuple[dict[str, Any], bool]:
        """Server-side apply; returns (object, created)."""
        if not manager:
            raise ApiError(
                422,
                "Invalid",
                'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
            )
        applied = copy.deepcopy(applied)
        meta = applied.setdefault("metadata", {})
        if meta.get("name") and meta["name"] != name:
            raise ApiError(400, "BadRequest", "the name of the object does not match the name on the URL")
        meta["name"] = name
        if rt.namespaced:
            meta["namespace"] = namespace
        current = self.get(rt, namespace, name)
        sch = self.schema_for(rt, version)
        paths = set(merge.leaves(applied, sch))
        if current is None:
            obj = self.write(
                rt,
                applied,
                None,
                version,
                manager,
                "Apply",
                subresource,
                dry_run,
                field_validation,
                warnings,
                apply_paths=paths,
            )
            return obj, True
        conflicts: list[tuple[str, tuple[str, ...]]] = []
        taken: dict[str, set[Any]] = {}
        owned_by_others: set[tuple[str, ...]] = set()
        for (other, op), entry in self.managers.get(current["metadata"]["uid"], {}).items():
            if (other, op) == (manager, "Apply"):
                continue
            owned_by_others |= entry["paths"]
            for path in entry["paths"] & paths:
                if path[-1] == ".":
                    continue
                if merge.value_at(current, path, sch) != merge.value_at(applied, path, sch):
                    conflicts.append((other, path))
                    taken.setdefault(other, set()).add(path)
        last_applied = (current["metadata"].get("annotations") or {}).get(
            "kubectl.kubernetes.io/last-applied-configuration"
        )
        if conflicts and not force and last_applied:
            # the API server's lastAppliedManager: conflicts only on fields of a client-side apply's
            # last-applied configuration are forced, so kubectl apply -> apply --server-side upgrades cleanly
            try:
                csa = set(merge.leaves(json.loads(last_applied), sch))
            except ValueError:
                csa = set()
            if all(path in csa for _m, path in conflicts):
                force = True
        if conflicts and not force:
            raise ApiError(
                409,
                "Conflict",
                merge.conflict_text(conflicts, rt.api_version(version)),
                {
                    "causes": [
                        {
                            "reason": "FieldManagerConflict",
                            "message": f'conflict with "{m}"',
                            "field": "".join(
                                f".{p[2:]}" if p.startswith("f:") else f"[{p[2:]}]" for p in path if p != "."
                            ),
                        }
                        for m, path in conflicts
                    ]
                },
            )
        prev = self.managers.get(current["metadata"]["uid"], {}).get((manager, "Apply"), {}).get("paths", set())
        result = copy.deepcopy(current)
        for path in sorted(prev - paths - owned_by_others, key=len, reverse=True):
            merge.remove_path(result, path, sch)
        result = merge.apply_merge(result, {k: v for k, v in applied.items() if k not in ("apiVersion", "kind")}, sch)
        obj = self.write(
            rt,
            result,
            current,
            version,
            manager,
            "Apply",
            subresource,
            dry_run,
            field_validation,
            warnings,
            apply_paths=paths,
            force_taken=taken if force else None,
        )
        return obj, False


def _body(obj: dict[str, Any]) -> Any:
    return {k: v for k, v in obj.items() if k not in ("metadata", "status", "apiVersion", "kind")}


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    def strip(o: dict[str, Any]) -> str:
        o = {k: v for k, v in o.items() if k not in ("apiVersion", "kind")}
        o["metadata"] = {
            k: v for k, v in o.get("metadata", {}).items() if k not in ("managedFields", "resourceVersion")
        }
        return json.dumps(o, sort_keys=True)

    return strip(a) == strip(b)
