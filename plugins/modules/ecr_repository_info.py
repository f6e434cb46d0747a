#!/usr/bin/python
# Copyright: cloudops.eks_platform contributors
# Apache-2.0

DOCUMENTATION = r"""
module: ecr_repository_info
short_description: Read whether several ECR repositories exist and hold images
version_added: 0.1.0
description:
  - Reads Amazon ECR repositories by name (C(DescribeRepositories)) and, for each one that exists, whether it holds
    at least one image (C(ListImages) with one result). Changes nothing.
  - The teardown preflight of aws_ecr uses it. C(DeleteRepository) without C(force) fails with
    C(RepositoryNotEmptyException) on a repository that holds images, so the teardown refuses before its first delete.
    M(community.aws.ecs_ecr) reads no image list.
options:
  names:
    description: Names of the repositories (C(prod/auth-service)).
    type: list
    elements: str
    required: true
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
- name: Read the service repositories
  cloudops.eks_platform.ecr_repository_info:
    names: [prod/auth-service, prod/frontend]
  register: repos
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
    exists:
      description: Whether the repository exists.
      type: bool
    repository_arn:
      description: Repository ARN (empty when it does not exist).
      type: str
    has_images:
      description: Whether the repository holds at least one image (false when it does not exist).
      type: bool
"""

from typing import Any

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.cloudops.eks_platform.plugins.module_utils.api import call_or_fail, describe


def read(module: AnsibleAWSModule, client, names: list[str], registry_id: str | None) -> list[dict[str, Any]]:
    registry = {"registryId": registry_id} if registry_id else {}
    out: list[dict[str, Any]] = []
    for name in names:
        found = describe(module, client, "describe_repositories", "RepositoryNotFoundException",
                         f"ECR repository {name}", repositoryNames=[name], **registry)
        if not found or not found.get("repositories"):
            out.append({"name": name, "exists": False, "repository_arn": "", "has_images": False})
            continue
        images = call_or_fail(module, client, "list_images", f"list the images of ECR repository {name}",
                              repositoryName=name, maxResults=1, **registry)
        out.append({"name": name, "exists": True, "repository_arn": found["repositories"][0]["repositoryArn"],
                    "has_images": bool(images.get("imageIds"))})
    return out


def main() -> None:
    argument_spec = dict(
        names=dict(type="list", elements="str", required=True),
        registry_id=dict(type="str"),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    repositories = read(module, module.client("ecr"), module.params["names"], module.params["registry_id"])
    module.exit_json(changed=False, repositories=repositories)


if __name__ == "__main__":
    main()
