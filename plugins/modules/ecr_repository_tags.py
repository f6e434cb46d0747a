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

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import (
    ansible_dict_to_boto3_tag_list,
    boto3_tag_list_to_ansible_dict,
    compare_aws_tags,
)

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule


@AWSRetry.jittered_backoff()
def _describe(client, name: str, registry: dict) -> dict:
    return client.describe_repositories(repositoryNames=[name], **registry)["repositories"][0]


@AWSRetry.jittered_backoff()
def _list_tags(client, arn: str) -> dict:
    return boto3_tag_list_to_ansible_dict(client.list_tags_for_resource(resourceArn=arn).get("tags", []))


@AWSRetry.jittered_backoff()
def _tag(client, arn: str, tags: dict) -> None:
    client.tag_resource(resourceArn=arn, tags=ansible_dict_to_boto3_tag_list(tags))


@AWSRetry.jittered_backoff()
def _untag(client, arn: str, keys: list) -> None:
    client.untag_resource(resourceArn=arn, tagKeys=keys)


def find_repository(client, name: str, registry: dict) -> dict | None:
    try:
        return _describe(client, name, registry)
    except is_boto3_error_code("RepositoryNotFoundException"):
        return None


def converge(module: AnsibleAWSModule, client) -> tuple[bool, list, dict]:
    registry = {"registryId": module.params["registry_id"]} if module.params["registry_id"] else {}
    purge = module.params["purge_tags"]
    changed = False
    results: list[dict[str, Any]] = []
    diff: dict[str, dict] = {"before": {}, "after": {}}
    common = {k: str(v) for k, v in module.params["tags"].items()}
    for name in module.params["names"]:
        wanted = dict(common, **({module.params["name_tag"]: name} if module.params["name_tag"] else {}))
        repo = find_repository(client, name, registry)
        if repo is None:
            if not module.check_mode:
                module.fail_json(msg=f"ECR repository {name} does not exist: create it before tagging it")
            results.append({"name": name, "repository_arn": "", "exists": False, "tags": wanted, "changed": True})
            diff["before"][name] = {}
            diff["after"][name] = wanted
            changed = True
            continue
        arn = repo["repositoryArn"]
        current = _list_tags(client, arn)
        to_set, to_unset = compare_aws_tags(current, wanted, purge_tags=purge)
        repo_changed = bool(to_set or to_unset)
        if repo_changed and not module.check_mode:
            if to_unset:
                _untag(client, arn, to_unset)
            if to_set:
                _tag(client, arn, to_set)
        after = {k: v for k, v in current.items() if k not in to_unset}
        after.update(to_set)
        results.append({"name": name, "repository_arn": arn, "exists": True, "tags": after, "changed": repo_changed})
        diff["before"][name] = current
        diff["after"][name] = after
        changed |= repo_changed
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
    client = module.client("ecr")
    try:
        changed, results, diff = converge(module, client)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Failed to converge ECR repository tags")
    output: dict[str, Any] = {"changed": changed, "repositories": results}
    if module._diff:
        output["diff"] = diff
    module.exit_json(**output)


if __name__ == "__main__":
    main()
