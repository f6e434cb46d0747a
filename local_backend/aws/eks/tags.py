"""moto 5.2.5 gap: Tag/Untag/ListTagsForResource only know clusters. They now work on node groups,
Fargate profiles, add-ons, access entries and pod identity associations too."""

from __future__ import annotations

from typing import Any

from moto.eks.models import EKSBackend

from .common import extras, not_found


def _taggable(backend: EKSBackend, arn: str) -> Any:
    for cluster in backend.clusters.values():
        if cluster.arn == arn:
            return cluster
        for nodegroup in cluster.nodegroups.values():
            if nodegroup.arn == arn:
                return nodegroup
        for profile in cluster.fargate_profiles.values():
            if profile.fargate_profile_arn == arn:
                return profile
        extra = extras(cluster)
        for item in (*extra.addons.values(), *extra.access_entries.values(), *extra.pod_identity.values()):
            if item.arn == arn:
                return item
    raise not_found("Resource was not found")


def tag_resource(self: EKSBackend, resource_arn: str, tags: dict[str, str]) -> None:
    _taggable(self, resource_arn).tags.update(tags or {})


def untag_resource(self: EKSBackend, resource_arn: str, tag_keys: list[str]) -> None:
    target = _taggable(self, resource_arn)
    for key in [tag_keys] if isinstance(tag_keys, str) else tag_keys or []:
        target.tags.pop(key, None)


def list_tags_for_resource(self: EKSBackend, resource_arn: str) -> dict[str, str]:
    return dict(_taggable(self, resource_arn).tags)
