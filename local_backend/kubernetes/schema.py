"""Schemas: built-in kinds from ``kubernetes-validate``'s OpenAPI definitions, custom kinds from their CRD.

One :class:`Schema` type navigates both (``$ref`` into the definitions, ``properties``,
``additionalProperties``, ``items``) and tells the list semantics that strategic-merge patch and
server-side apply need (``x-kubernetes-patch-merge-key``, ``x-kubernetes-list-type``/``-map-keys``).
:func:`validate_custom` checks a custom resource against its CRD's ``openAPIV3Schema`` the way the API
server reports it (422 causes such as ``spec.replicas: Invalid value``); :func:`validate_builtin` runs
``kubernetes-validate`` (cached validators) for the served Kubernetes version.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from typing import Any

#: Kubernetes version whose built-in schemas are served and enforced (kubectl 1.34 is what setup installs).
K8S_VERSION = "1.34"
_SCHEMA_DIR = f"kubernetes-json-schema/v{K8S_VERSION}.0-local"


@functools.lru_cache(maxsize=1)
def definitions() -> dict[str, Any]:
    import importlib.resources

    ref = importlib.resources.files("kubernetes_validate").joinpath(f"{_SCHEMA_DIR}/_definitions.json")
    return json.loads(ref.read_text())["$defs"]


@functools.lru_cache(maxsize=1)
def gvk_index() -> dict[tuple[str, str, str], str]:
    """(group, version, kind) -> definition name."""
    out: dict[tuple[str, str, str], str] = {}
    for name, node in definitions().items():
        for gvk in node.get("x-kubernetes-group-version-kind", []):
            out[(gvk.get("group", ""), gvk["version"], gvk["kind"])] = name
    return out


class Schema:
    """A node of an OpenAPI schema; ``None`` children mean "unknown here"."""

    def __init__(self, node: dict[str, Any], defs: dict[str, Any] | None = None) -> None:
        self.defs = defs or {}
        while True:
            ref = node.get("$ref")
            if ref:
                node = {**self.defs.get(ref.rsplit("/", 1)[-1], {}), **{k: v for k, v in node.items() if k != "$ref"}}
                continue
            all_of = node.get("allOf")
            if all_of and len(all_of) == 1:
                node = {**all_of[0], **{k: v for k, v in node.items() if k != "allOf"}}
                continue
            break
        self.node = node

    def prop(self, key: str) -> Schema | None:
        props = self.node.get("properties") or {}
        if key in props:
            return Schema(props[key], self.defs)
        extra = self.node.get("additionalProperties")
        if isinstance(extra, dict):
            return Schema(extra, self.defs)
        return None

    def items(self) -> Schema | None:
        items = self.node.get("items")
        return Schema(items, self.defs) if isinstance(items, dict) else None

    def list_keys(self) -> list[str] | None:
        """Keys identifying items of a list merged per item (map lists), else None."""
        keys = self.node.get("x-kubernetes-list-map-keys")
        if keys:
            return list(keys)
        if "merge" in str(self.node.get("x-kubernetes-patch-strategy", "")) and self.node.get(
            "x-kubernetes-patch-merge-key"
        ):
            return [self.node["x-kubernetes-patch-merge-key"]]
        return None

    def is_set(self) -> bool:
        if self.node.get("x-kubernetes-list-type") == "set":
            return True
        items = self.items()
        return (
            "merge" in str(self.node.get("x-kubernetes-patch-strategy", ""))
            and not self.node.get("x-kubernetes-patch-merge-key")
            and (items is None or items.node.get("type") not in ("object",))
        )


def builtin_schema(group: str, version: str, kind: str) -> Schema | None:
    name = gvk_index().get((group, version, kind))
    return Schema(definitions()[name], definitions()) if name else None


def child(schema: Schema | None, key: str) -> Schema | None:
    return schema.prop(key) if schema is not None else None


def items_of(schema: Schema | None) -> Schema | None:
    return schema.items() if schema is not None else None


# --------------------------------------------------------------------------------------------------
# validation of custom resources against openAPIV3Schema


@dataclass
class Cause:
    field: str
    message: str
    reason: str = "FieldValueInvalid"

    def text(self) -> str:
        return f"{self.field}: {self.message}"


_TYPE_CHECKS = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
}


def _show(value: Any) -> str:
    return json.dumps(value) if not isinstance(value, (dict, list)) else f'"{type(value).__name__}"'


def validate_custom(obj: dict[str, Any], schema: dict[str, Any]) -> tuple[list[Cause], list[str]]:
    """(errors, unknown field paths) of ``obj`` against a CRD version's ``openAPIV3Schema``.

    ``metadata`` is only checked to be an object (the API server validates it itself)."""
    errors: list[Cause] = []
    unknown: list[str] = []
    root = dict(schema)
    props = dict(root.get("properties") or {})
    props.pop("metadata", None)
    props.setdefault("apiVersion", {"type": "string"})
    props.setdefault("kind", {"type": "string"})
    root["properties"] = props
    body = {k: v for k, v in obj.items() if k != "metadata"}
    _walk(body, root, "", errors, unknown)
    return errors, unknown


def _walk(value: Any, node: dict[str, Any], path: str, errors: list[Cause], unknown: list[str]) -> None:
    if value is None:
        if not node.get("nullable"):
            errors.append(
                Cause(path, f'Invalid value: "null": {path} in body must be of type {node.get("type", "object")}')
            )
        return
    if node.get("x-kubernetes-int-or-string"):
        if not (isinstance(value, str) or _TYPE_CHECKS["integer"](value)):
            errors.append(
                Cause(path, f"Invalid value: {_show(value)}: {path} in body must be of type integer or string")
            )
        return
    typ = node.get("type")
    if typ and not _TYPE_CHECKS.get(typ, lambda v: True)(value):
        errors.append(
            Cause(path, f"Invalid value: {_show(value)}: {path} in body must be of type {typ}: {_show(value)}")
        )
        return
    if "enum" in node and value not in node["enum"]:
        allowed = ", ".join(json.dumps(v) for v in node["enum"])
        errors.append(
            Cause(
                path, f"Unsupported value: {json.dumps(value)}: supported values: {allowed}", "FieldValueNotSupported"
            )
        )
    if isinstance(value, str):
        if "pattern" in node and not re.search(node["pattern"], value):
            errors.append(
                Cause(path, f"Invalid value: {json.dumps(value)}: {path} in body should match '{node['pattern']}'")
            )
        if "maxLength" in node and len(value) > node["maxLength"]:
            errors.append(Cause(path, f"Too long: may not be more than {node['maxLength']} bytes", "FieldValueTooLong"))
        if "minLength" in node and len(value) < node["minLength"]:
            errors.append(
                Cause(
                    path,
                    f"Invalid value: {json.dumps(value)}: {path} in body should be at least "
                    f"{node['minLength']} chars long",
                )
            )
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in node and value < node["minimum"]:
            errors.append(
                Cause(
                    path, f"Invalid value: {value}: {path} in body should be greater than or equal to {node['minimum']}"
                )
            )
        if "maximum" in node and value > node["maximum"]:
            errors.append(
                Cause(path, f"Invalid value: {value}: {path} in body should be less than or equal to {node['maximum']}")
            )
    if isinstance(value, dict):
        for req in node.get("required") or []:
            if req not in value:
                errors.append(Cause(f"{path}.{req}".lstrip("."), "Required value", "FieldValueRequired"))
        props = node.get("properties")
        extra = node.get("additionalProperties")
        preserve = node.get("x-kubernetes-preserve-unknown-fields")
        for key, sub in value.items():
            sub_path = f"{path}.{key}".lstrip(".")
            if props and key in props:
                _walk(sub, props[key], sub_path, errors, unknown)
            elif isinstance(extra, dict):
                _walk(sub, extra, sub_path, errors, unknown)
            elif extra is True or preserve:
                continue
            else:
                unknown.append(sub_path)
    if isinstance(value, list):
        items = node.get("items")
        if "maxItems" in node and len(value) > node["maxItems"]:
            errors.append(
                Cause(path, f"Too many: {len(value)}: must have at most {node['maxItems']} items", "FieldValueTooMany")
            )
        if "minItems" in node and len(value) < node["minItems"]:
            errors.append(
                Cause(
                    path, f"Invalid value: {len(value)}: {path} in body should have at least {node['minItems']} items"
                )
            )
        if isinstance(items, dict):
            for i, item in enumerate(value):
                _walk(item, items, f"{path}[{i}]", errors, unknown)


# --------------------------------------------------------------------------------------------------
# built-in kinds: kubernetes-validate


@functools.lru_cache(maxsize=256)
def _validator(kind: str, api_version: str, strict: bool) -> Any:
    import importlib.resources

    import jsonschema
    from referencing import Registry, Resource

    suffix = "-strict" if strict else ""
    group_part = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    base = importlib.resources.files("kubernetes_validate").joinpath(f"{_SCHEMA_DIR}{suffix}")
    try:
        schema = json.loads(base.joinpath(f"{kind.lower()}-{group_part}.json").read_text())
    except FileNotFoundError:
        return None
    defs = json.loads(base.joinpath("_definitions.json").read_text())
    registry = Resource.from_contents(schema) @ Registry()
    registry = Resource.from_contents(defs) @ registry
    return jsonschema.validators.Draft202012Validator(schema, registry=registry)


def _error_path(err: Any) -> str:
    out = ""
    for part in err.absolute_path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out.lstrip(".")


def validate_builtin(obj: dict[str, Any]) -> tuple[list[Cause], list[str]]:
    """(errors, unknown field paths) of a built-in object; ([], []) when no schema is known."""
    loose = _validator(obj.get("kind", ""), obj.get("apiVersion", ""), False)
    if loose is None:
        return [], []
    errors = [Cause(_error_path(e) or "<root>", e.message) for e in loose.iter_errors(obj)]
    unknown: list[str] = []
    strict = _validator(obj.get("kind", ""), obj.get("apiVersion", ""), True)
    if strict is not None:
        for err in strict.iter_errors(obj):
            if err.validator in ("additionalProperties", "unevaluatedProperties"):
                known = set((err.schema.get("properties") or {}).keys())
                inst = err.instance if isinstance(err.instance, dict) else {}
                base = _error_path(err)
                unknown += [f"{base}.{k}".lstrip(".") for k in inst if k not in known]
    return errors, sorted(set(unknown))


def drop_path(obj: Any, dotted: str) -> None:
    """Remove the field at ``a.b[2].c`` (pruning of unknown fields)."""
    parts = re.findall(r"[^.\[\]]+|\[\d+\]", dotted)
    cur = obj
    for part in parts[:-1]:
        cur = cur[int(part[1:-1])] if part.startswith("[") else cur.get(part) if isinstance(cur, dict) else None
        if cur is None:
            return
    last = parts[-1]
    if isinstance(cur, dict) and not last.startswith("["):
        cur.pop(last, None)
