"""Which resources the stand-in serves: kmock's bundled discovery of the built-in group-versions, plus
the kinds that created CustomResourceDefinitions declare.

kmock 0.8 bundles 24 group-versions; two of them are not built into a real API server and are left out
here: ``gateway.networking.k8s.io`` (CRDs the platform layer installs) and ``metrics.k8s.io`` (an
aggregated API served by metrics-server).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

NOT_BUILT_IN = ("gateway.networking.k8s.io", "metrics.k8s.io")
#: preferred version when a built-in group serves several
PREFERRED = {"autoscaling": "v2"}
#: kinds that have a status subresource (writes to the main resource keep the stored status)
STATUS_PLURALS = {
    "deployments",
    "statefulsets",
    "daemonsets",
    "replicasets",
    "jobs",
    "cronjobs",
    "services",
    "namespaces",
    "pods",
    "nodes",
    "persistentvolumeclaims",
    "persistentvolumes",
    "horizontalpodautoscalers",
    "ingresses",
    "poddisruptionbudgets",
    "replicationcontrollers",
    "customresourcedefinitions",
    "apiservices",
    "certificatesigningrequests",
    "resourcequotas",
    "networkpolicies",
    "validatingadmissionpolicies",
}
SCALE_PLURALS = {"deployments", "statefulsets", "replicasets", "replicationcontrollers"}
#: kinds whose objects carry no metadata.generation on a real server
NO_GENERATION = {
    "configmaps",
    "secrets",
    "serviceaccounts",
    "events",
    "endpoints",
    "leases",
    "namespaces",
    "endpointslices",
    "pods",
    "nodes",
    "componentstatuses",
    "controllerrevisions",
}
ALL_VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]


@dataclass
class ResourceType:
    group: str
    versions: list[str]
    plural: str
    singular: str
    kind: str
    namespaced: bool
    verbs: list[str] = field(default_factory=lambda: list(ALL_VERBS))
    short_names: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    subresources: set[str] = field(default_factory=set)
    crd: dict[str, Any] | None = None  # the CustomResourceDefinition serving it

    @property
    def key(self) -> tuple[str, str]:
        return (self.group, self.plural)

    @property
    def group_resource(self) -> str:
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def kind_group(self) -> str:
        return f"{self.kind}.{self.group}" if self.group else self.kind

    def api_version(self, version: str) -> str:
        return f"{self.group}/{version}" if self.group else version

    @property
    def generation(self) -> bool:
        return self.plural not in NO_GENERATION

    def crd_version(self, version: str) -> dict[str, Any] | None:
        if self.crd is None:
            return None
        for v in self.crd.get("spec", {}).get("versions", []):
            if v.get("name") == version:
                return v
        return None


def builtin_types() -> list[ResourceType]:
    import kmock

    emulator = kmock.KubernetesEmulator()
    emulator.resources.load_bundled()
    merged: dict[tuple[str, str], ResourceType] = {}
    for res in emulator.resources:
        if res.group in NOT_BUILT_IN or "/" in (res.plural or ""):
            continue
        info = emulator.resources[res]
        key = (res.group, res.plural)
        if key in merged:
            merged[key].versions.append(res.version)
            continue
        subresources = set()
        if res.plural in STATUS_PLURALS:
            subresources.add("status")
        if res.plural in SCALE_PLURALS:
            subresources.add("scale")
        merged[key] = ResourceType(
            group=res.group,
            versions=[res.version],
            plural=res.plural,
            singular=info.singular or res.plural,
            kind=info.kind or res.plural.capitalize(),
            namespaced=bool(info.namespaced),
            verbs=sorted(info.verbs) or list(ALL_VERBS),
            short_names=sorted(info.shortnames),
            categories=sorted(info.categories),
            subresources=subresources,
        )
    if ("", "namespaces") in merged:
        merged[("", "namespaces")].subresources |= {"finalize"}
    for rt in merged.values():
        preferred = PREFERRED.get(rt.group)
        rt.versions.sort(key=lambda v: (v != preferred, v))
    return list(merged.values())


def crd_type(crd: dict[str, Any]) -> ResourceType:
    spec = crd.get("spec", {})
    names = spec.get("names", {})
    served = [v for v in spec.get("versions", []) if v.get("served", True)]
    # storage version first, the way a real server prefers it in discovery
    served.sort(key=lambda v: not v.get("storage", False))
    subresources: set[str] = set()
    for v in served:
        subresources |= set((v.get("subresources") or {}).keys())
    return ResourceType(
        group=spec.get("group", ""),
        versions=[v["name"] for v in served],
        plural=names.get("plural", ""),
        singular=names.get("singular") or names.get("kind", "").lower(),
        kind=names.get("kind", ""),
        namespaced=spec.get("scope", "Namespaced") == "Namespaced",
        short_names=list(names.get("shortNames") or []),
        categories=list(names.get("categories") or []),
        subresources=subresources,
        crd=crd,
    )
