#!/usr/bin/python
# Copyright: cloudops.eks_platform contributors
# Apache-2.0

DOCUMENTATION = r"""
module: ecr_repository_tags
short_description: Converge the tags of several ECR repositories in one call
version_added: 0.1.0
description:
  - Sets the tags of existing Amazon ECR repositories (C(TagResource)/C(UntagResource)).
    M(community.aws.ecs_ecr) manages the repositories but has no tags option.
  - All repositories are handled in one call, so a loop of N repositories costs one task.
  - In check mode nothing is written. A repository that does not exist yet is reported as changed
    in check mode (it would be created and tagged by the same run) and fails otherwise.
  - With C(--diff), C(before)/C(after) maps of repository name to tags are returned.
options:
  names:
    description: Names of the repositories (C(prod/auth-service)).
    type: list
    elements: str
    required: true
  tags:
    description: Wanted tags of every repository of O(names).
    type: dict
    required: true
  name_tag:
    description: When set, also tag each repository with this key and the repository's own name as value (C(Name)).
    type: str
  purge_tags:
    description: Remove tags that are not wanted (C(aws:) tags are never touched).
    type: bool
    default: true
  registry_id:
    description: Registry (account) id; default the caller's registry.
    type: str
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
author:
  - cloudops platform team
"""

EXAMPLES = r"""
- name: Tag the service repositories
  cloudops.eks_platform.ecr_repository_tags:
    names: [prod/auth-service, prod/frontend]
    tags:
      Project: wealist
      Environment: prod
    name_tag: Name
"""

RETURN = r"""
repositories:
  description: One entry per repository of O(names), in the same order.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Repository name.
      type: str
    repository_arn:
      description: Repository ARN (empty when the repository does not exist, check mode only).
      type: str
    exists:
      description: Whether the repository exists.
      type: bool
    tags:
      description: Tags after the run (the wanted tags in check mode).
      type: dict
    changed:
      description: Whether this repository's tags changed (or would change).
      type: bool
diff:
  description: With C(--diff), C(before)/C(after) maps of repository name to tags.
  returned: when diff mode is on
  type: dict
"""

from typing import Any

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.cloudops.eks_platform.plugins.module_utils.api import describe, exit_with
from ansible_collections.cloudops.eks_platform.plugins.module_utils.tagging import list_tags, plan_tags, update_tags


def wanted_tags(common: dict[str, Any], name_tag: str | None, name: str) -> dict[str, str]:
    """The tags one repository should carry: the common ones, plus ``name_tag: <repository name>``."""
    wanted = {k: str(v) for k, v in common.items()}
    if name_tag:
        wanted[name_tag] = name
    return wanted


def find_repository(module: AnsibleAWSModule, client, name: str, registry: dict) -> dict | None:
    found = describe(module, client, "describe_repositories", "RepositoryNotFoundException",
                     f"ECR repository {name}", repositoryNames=[name], **registry)
    return found["repositories"][0] if found else None


def converge(module: AnsibleAWSModule, client) -> tuple[bool, list, dict]:
    p = module.params
    registry = {"registryId": p["registry_id"]} if p["registry_id"] else {}
    changed = False
    results: list[dict[str, Any]] = []
    diff: dict[str, dict] = {"before": {}, "after": {}}
    for name in p["names"]:
        wanted = wanted_tags(p["tags"], p["name_tag"], name)
        repo = find_repository(module, client, name, registry)
        if repo is None:
            if not module.check_mode:
                module.fail_json(msg=f"ECR repository {name} does not exist: create it before tagging it")
            results.append({"name": name, "repository_arn": "", "exists": False, "tags": wanted, "changed": True})
            diff["before"][name] = {}
            diff["after"][name] = wanted
            changed = True
            continue
        arn = repo["repositoryArn"]
        plan = plan_tags(list_tags(module, client, arn), wanted, p["purge_tags"])
        update_tags(module, client, arn, plan)
        results.append({"name": name, "repository_arn": arn, "exists": True, "tags": plan.after,
                        "changed": plan.changed})
        diff["before"][name] = plan.before
        diff["after"][name] = plan.after
        changed |= plan.changed
    return changed, results, diff


def main() -> None:
    argument_spec = dict(
        names=dict(type="list", elements="str", required=True),
        tags=dict(type="dict", required=True),
        name_tag=dict(type="str"),
        purge_tags=dict(type="bool", default=True),
        registry_id=dict(type="str"),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    changed, results, diff = converge(module, module.client("ecr"))
    exit_with(module, changed, diff, repositories=results)


if __name__ == "__main__":
    main()
