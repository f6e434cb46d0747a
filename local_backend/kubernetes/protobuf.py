"""Just enough Kubernetes protobuf to read the bodies helm's typed client sends.

helm 3 and 4 store releases in Secrets (or ConfigMaps) and write them with
``Content-Type: application/vnd.kubernetes.protobuf``: a ``k8s\\x00`` magic, then a
``runtime.Unknown`` wrapping the object. Only Secret, ConfigMap and DeleteOptions are decoded
(the kinds helm writes that way); any other kind gets 415 and the client must send JSON.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

MAGIC = b"k8s\x00"


class ProtobufError(ValueError):
    pass


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    out = shift = 0
    while True:
        if pos >= len(buf):
            raise ProtobufError("truncated varint")
        b = buf[pos]
        pos += 1
        out |= (b & 0x7F) << shift
        if not b & 0x80:
            return out, pos
        shift += 7


def fields(buf: bytes) -> Iterator[tuple[int, Any]]:
    pos = 0
    while pos < len(buf):
        key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(buf, pos)
        elif wire == 2:
            size, pos = _varint(buf, pos)
            value, pos = buf[pos : pos + size], pos + size
        elif wire == 1:
            value, pos = buf[pos : pos + 8], pos + 8
        elif wire == 5:
            value, pos = buf[pos : pos + 4], pos + 4
        else:
            raise ProtobufError(f"unsupported wire type {wire}")
        yield number, value


def _map_entry(buf: bytes) -> tuple[str, bytes]:
    key, value = "", b""
    for n, v in fields(buf):
        if n == 1:
            key = v.decode()
        elif n == 2:
            value = v
    return key, value


def _meta(buf: bytes) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    names = {1: "name", 2: "generateName", 3: "namespace", 5: "uid", 6: "resourceVersion"}
    for n, v in fields(buf):
        if n in names:
            meta[names[n]] = v.decode()
        elif n == 11:
            k, val = _map_entry(v)
            meta.setdefault("labels", {})[k] = val.decode()
        elif n == 12:
            k, val = _map_entry(v)
            meta.setdefault("annotations", {})[k] = val.decode()
        elif n == 14:
            meta.setdefault("finalizers", []).append(v.decode())
    return meta


def decode(body: bytes) -> dict[str, Any]:
    if not body.startswith(MAGIC):
        raise ProtobufError("not a Kubernetes protobuf body")
    api_version = kind = ""
    raw = b""
    for n, v in fields(body[len(MAGIC) :]):
        if n == 1:
            for tn, tv in fields(v):
                if tn == 1:
                    api_version = tv.decode()
                elif tn == 2:
                    kind = tv.decode()
        elif n == 2:
            raw = v
    obj: dict[str, Any] = {"apiVersion": api_version, "kind": kind}
    if kind == "Secret":
        for n, v in fields(raw):
            if n == 1:
                obj["metadata"] = _meta(v)
            elif n == 2:
                k, val = _map_entry(v)
                obj.setdefault("data", {})[k] = base64.b64encode(val).decode()
            elif n == 3:
                obj["type"] = v.decode()
            elif n == 4:
                k, val = _map_entry(v)
                obj.setdefault("stringData", {})[k] = val.decode()
            elif n == 5:
                obj["immutable"] = bool(v)
    elif kind == "ConfigMap":
        for n, v in fields(raw):
            if n == 1:
                obj["metadata"] = _meta(v)
            elif n == 2:
                k, val = _map_entry(v)
                obj.setdefault("data", {})[k] = val.decode()
            elif n == 3:
                k, val = _map_entry(v)
                obj.setdefault("binaryData", {})[k] = base64.b64encode(val).decode()
            elif n == 4:
                obj["immutable"] = bool(v)
    elif kind == "DeleteOptions":
        for n, v in fields(raw):
            if n == 6:
                obj["propagationPolicy"] = v.decode()
    else:
        raise ProtobufError(f"protobuf bodies of kind {kind!r} are not supported by the local stand-in; send JSON")
    return obj
