"""Patch and apply algebra: JSON merge patch, strategic-merge patch, server-side apply field sets.

Lists are merged per item where the schema says so (``x-kubernetes-patch-merge-key`` for strategic
merge, ``x-kubernetes-list-map-keys`` for apply); any other list is atomic. Field paths are tuples of
``f:<name>`` / ``k:<json key>`` / ``v:<json value>`` elements, the notation of ``managedFields``'s
``fieldsV1``.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from .schema import Schema, child, items_of

#: metadata fields the server owns: never part of a field set, never changed by a patch/apply.
SERVER_META = (
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "managedFields",
    "selfLink",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
)


class PatchError(Exception):
    pass


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key), value)
    return out


def _item_key(item: Any, keys: list[str]) -> Any:
    if isinstance(item, dict):
        return tuple(item.get(k) for k in keys)
    return ("<scalar>", json.dumps(item, sort_keys=True))


def strategic_merge(target: Any, patch: Any, schema: Schema | None) -> Any:
    """Strategic-merge patch for built-in kinds (directives ``$patch``, ``$setElementOrder``,
    ``$deleteFromPrimitiveList``, ``$retainKeys`` understood; order directives are ignored)."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    if patch.get("$patch") == "replace":
        return {k: copy.deepcopy(v) for k, v in patch.items() if k != "$patch"}
    if patch.get("$patch") == "delete":
        return None
    out = copy.deepcopy(target) if isinstance(target, dict) else {}
    retain = patch.get("$retainKeys")
    for key, value in patch.items():
        if key.startswith("$setElementOrder/") or key in ("$retainKeys", "$patch"):
            continue
        if key.startswith("$deleteFromPrimitiveList/"):
            name = key.split("/", 1)[1]
            out[name] = [v for v in out.get(name) or [] if v not in value]
            continue
        sub = child(schema, key)
        if value is None:
            out.pop(key, None)
        elif isinstance(value, list) and sub is not None and (sub.list_keys() or sub.is_set()):
            out[key] = _merge_list(out.get(key) or [], value, sub)
        elif isinstance(value, dict):
            merged = strategic_merge(out.get(key), value, sub)
            if merged is None:
                out.pop(key, None)
            else:
                out[key] = merged
        else:
            out[key] = copy.deepcopy(value)
    if isinstance(retain, list):
        out = {k: v for k, v in out.items() if k in retain}
    return out


def _merge_list(current: list[Any], patch: list[Any], schema: Schema) -> list[Any]:
    keys = schema.list_keys()
    if keys is None:  # set of scalars
        out = list(current)
        for v in patch:
            if v not in out:
                out.append(copy.deepcopy(v))
        return out
    if any(isinstance(p, dict) and p.get("$patch") == "replace" for p in patch):
        return [copy.deepcopy(p) for p in patch if not (isinstance(p, dict) and "$patch" in p)]
    out = [copy.deepcopy(c) for c in current]
    index = {_item_key(item, keys): i for i, item in enumerate(out)}
    item_schema = schema.items()
    removed: set[Any] = set()
    for p in patch:
        k = _item_key(p, keys)
        if isinstance(p, dict) and p.get("$patch") == "delete":
            removed.add(k)
            continue
        if k in index:
            out[index[k]] = strategic_merge(out[index[k]], p, item_schema)
        else:
            index[k] = len(out)
            out.append(strategic_merge({}, p, item_schema) if isinstance(p, dict) else copy.deepcopy(p))
    return [item for item in out if _item_key(item, keys) not in removed]


# --------------------------------------------------------------------------------------------------
# server-side apply


def _list_path_key(item: Any, keys: list[str] | None) -> str:
    if keys and isinstance(item, dict):
        return "k:" + json.dumps({k: item[k] for k in keys if k in item}, sort_keys=True, separators=(",", ":"))
    return "v:" + json.dumps(item, sort_keys=True, separators=(",", ":"))


def leaves(obj: Any, schema: Schema | None, prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], Any]:
    """Leaf field paths of an object and their values (atomic lists and empty maps are leaves)."""
    out: dict[tuple[str, ...], Any] = {}
    if isinstance(obj, dict) and obj:
        for key, value in obj.items():
            if not prefix and key in ("apiVersion", "kind", "status"):
                continue
            if prefix == ("f:metadata",) and key in SERVER_META + ("name", "namespace"):
                continue
            out.update(leaves(value, child(schema, key), prefix + (f"f:{key}",)))
        return out
    if isinstance(obj, list) and schema is not None and (schema.list_keys() or schema.is_set()):
        keys = schema.list_keys()
        for item in obj:
            path = prefix + (_list_path_key(item, keys),)
            if keys and isinstance(item, dict):
                out[path + (".",)] = None
                out.update(leaves({k: v for k, v in item.items()}, schema.items(), path))
            else:
                out[path] = None
        return out
    out[prefix] = obj
    return out


def value_at(obj: Any, path: tuple[str, ...], schema: Schema | None) -> Any:
    cur, sch = obj, schema
    for part in path:
        if part == ".":
            return None
        if part.startswith("f:"):
            cur = cur.get(part[2:]) if isinstance(cur, dict) else None
            sch = child(sch, part[2:])
        else:
            keys = sch.list_keys() if sch else None
            found = None
            for item in cur or []:
                if _list_path_key(item, keys) == part:
                    found = item
            cur, sch = found, items_of(sch)
            if part.startswith("v:"):
                return None if found is None else "present"
        if cur is None:
            return None
    return cur


def remove_path(obj: Any, path: tuple[str, ...], schema: Schema | None) -> None:
    if not path:
        return
    cur, sch = obj, schema
    for i, part in enumerate(path):
        last = i == len(path) - 1 or path[i + 1] == "."
        if part.startswith("f:"):
            if not isinstance(cur, dict):
                return
            if last:
                cur.pop(part[2:], None)
                return
            cur, sch = cur.get(part[2:]), child(sch, part[2:])
        else:
            if not isinstance(cur, list):
                return
            keys = sch.list_keys() if sch else None
            match = [j for j, item in enumerate(cur) if _list_path_key(item, keys) == part]
            if not match:
                return
            if last:
                del cur[match[0]]
                return
            cur, sch = cur[match[0]], items_of(sch)
        if cur is None:
            return


def apply_merge(current: Any, applied: Any, schema: Schema | None) -> Any:
    """Merge an applied configuration into the live object (maps and map-lists per item)."""
    if isinstance(applied, dict) and isinstance(current, dict):
        out = copy.deepcopy(current)
        for key, value in applied.items():
            out[key] = apply_merge(current.get(key), value, child(schema, key))
        return out
    if isinstance(applied, list) and isinstance(current, list) and schema is not None and schema.list_keys():
        keys = schema.list_keys()
        out = [copy.deepcopy(c) for c in current]
        index = {_list_path_key(c, keys): i for i, c in enumerate(out)}
        for item in applied:
            k = _list_path_key(item, keys)
            if k in index:
                out[index[k]] = apply_merge(out[index[k]], item, schema.items())
            else:
                out.append(copy.deepcopy(item))
        return out
    if isinstance(applied, list) and isinstance(current, list) and schema is not None and schema.is_set():
        return current + [copy.deepcopy(v) for v in applied if v not in current]
    return copy.deepcopy(applied)


def fields_v1(paths: set[tuple[str, ...]]) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for path in sorted(paths):
        node = tree
        for part in path:
            node = node.setdefault(part, {})
    return tree


def changed_paths(old: Any, new: Any, schema: Schema | None) -> set[tuple[str, ...]]:
    before, after = leaves(old, schema), leaves(new, schema)
    return {p for p, v in after.items() if p not in before or before[p] != v}


def conflict_text(conflicts: list[tuple[str, tuple[str, ...]]], api_version: str) -> str:
    def dotted(path: tuple[str, ...]) -> str:
        return "".join(f".{p[2:]}" if p.startswith("f:") else f"[{p[2:]}]" for p in path if p != ".")

    lines = [f'conflict with "{manager}" using {api_version}: {dotted(path)}' for manager, path in conflicts]
    if len(lines) == 1:
        return f"Apply failed with 1 conflict: {lines[0]}"
    return f"Apply failed with {len(lines)} conflicts: " + "\n- ".join([""] + lines)[1:]


def tree_paths(tree: dict[str, Any], prefix: tuple[str, ...], out: set[tuple[str, ...]]) -> None:
    """Inverse of :func:`fields_v1`."""
    for key, sub in tree.items():
        path = prefix + (key,)
        if key == "." or not sub:
            out.add(path)
        else:
            tree_paths(sub, path, out)
