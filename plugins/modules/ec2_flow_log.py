#!/usr/bin/python
# Copyright: cloudops.eks_platform contributors
# Apache-2.0

DOCUMENTATION = r"""
module: ec2_flow_log
short_description: Manage a VPC flow log delivered to CloudWatch Logs or S3
version_added: 0.1.0
description:
  - Creates, keeps or deletes one flow log of a VPC, subnet or network interface, found by its
    resource and C(Name) tag. amazon.aws has no flow-log module.
  - Flow logs cannot be modified by the API; when the wanted delivery settings differ from the
    existing flow log, it is replaced (deleted and created again). Tags are converged in place.
options:
  name:
    description: Value of the C(Name) tag that identifies the flow log.
    type: str
    required: true
  resource_id:
    description: The VPC, subnet or ENI id.
    type: str
    required: true
  resource_type:
    description: Kind of O(resource_id).
    type: str
    choices: [VPC, Subnet, NetworkInterface]
    default: VPC
  traffic_type:
    description: Traffic to log.
    type: str
    choices: [ACCEPT, REJECT, ALL]
    default: ALL
  log_destination_type:
    description: Where to deliver.
    type: str
    choices: [cloud-watch-logs, s3]
    default: cloud-watch-logs
  log_group_name:
    description: CloudWatch Logs group (with O(log_destination_type=cloud-watch-logs)).
    type: str
  log_destination:
    description: ARN of the destination (an S3 bucket ARN with O(log_destination_type=s3)).
    type: str
  deliver_logs_permission_arn:
    description: IAM role that may publish to the log group.
    type: str
  max_aggregation_interval:
    description: Seconds; 60 or 600.
    type: int
    choices: [60, 600]
    default: 600
  state:
    description: Whether the flow log exists.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
author:
  - cloudops platform team
"""

EXAMPLES = r"""
- name: Send the VPC's flow logs to CloudWatch
  cloudops.eks_platform.ec2_flow_log:
    name: wealist-prod-vpc-flow-log
    resource_id: "{{ vpc_id }}"
    log_group_name: /aws/vpc-flow-log/wealist-prod
    deliver_logs_permission_arn: "{{ role_arn }}"
    max_aggregation_interval: 60
    tags:
      Project: wealist
"""

RETURN = r"""
flow_log:
  description: The flow log as described by EC2, snake_cased (empty when absent).
  returned: always
  type: dict
  sample: {"flow_log_id": "fl-0123", "resource_id": "vpc-0123", "traffic_type": "ALL"}
"""

from typing import Any

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.tagging import (
    ansible_dict_to_boto3_tag_list,
    boto3_tag_list_to_ansible_dict,
)
from ansible_collections.cloudops.eks_platform.plugins.module_utils.api import AWS_ERRORS, call, call_or_fail
from ansible_collections.cloudops.eks_platform.plugins.module_utils.argspec import optional, state_option, tag_options
from ansible_collections.cloudops.eks_platform.plugins.module_utils.tagging import plan_tags, update_tags

# Settings that cannot be changed in place; a difference means replace.
_IMMUTABLE = {
    "TrafficType": "traffic_type",
    "LogDestinationType": "log_destination_type",
    "LogGroupName": "log_group_name",
    "LogDestination": "log_destination",
    "DeliverLogsPermissionArn": "deliver_logs_permission_arn",
    "MaxAggregationInterval": "max_aggregation_interval",
}


def wanted_settings(params: dict[str, Any]) -> dict[str, Any]:
    """The immutable settings the caller asked for (unset options are not compared)."""
    return {api: params[opt] for api, opt in _IMMUTABLE.items() if params.get(opt) is not None}


def settings_differ(existing: dict[str, Any], wanted: dict[str, Any]) -> list[str]:
    """Names of the immutable settings that differ between an existing flow log and the wanted ones."""
    return sorted(key for key, value in wanted.items() if existing.get(key) != value)


def find_flow_log(client, module: AnsibleAWSModule) -> dict[str, Any] | None:
    filters = [
        {"Name": "resource-id", "Values": [module.params["resource_id"]]},
        {"Name": "tag:Name", "Values": [module.params["name"]]},
    ]
    logs = call_or_fail(module, client, "describe_flow_logs", "describe flow logs", Filters=filters)["FlowLogs"]
    logs = [fl for fl in logs if fl.get("FlowLogStatus", "ACTIVE") == "ACTIVE"]
    if len(logs) > 1:
        module.fail_json(
            msg=f"More than one flow log tagged Name={module.params['name']} on {module.params['resource_id']}: "
            + ", ".join(fl["FlowLogId"] for fl in logs)
        )
    return logs[0] if logs else None


def delete_flow_log(client, module: AnsibleAWSModule, flow_log_id: str) -> None:
    try:
        call(client, "delete_flow_logs", FlowLogIds=[flow_log_id])
    except is_boto3_error_code("InvalidFlowLogId.NotFound"):
        return
    except AWS_ERRORS as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg=f"Failed to delete flow log {flow_log_id}")


def create_flow_log(client, module: AnsibleAWSModule, tags: dict[str, str]) -> str:
    p = module.params
    kwargs: dict[str, Any] = {
        "ResourceIds": [p["resource_id"]],
        "ResourceType": p["resource_type"],
        "TrafficType": p["traffic_type"],
        "LogDestinationType": p["log_destination_type"],
        "MaxAggregationInterval": p["max_aggregation_interval"],
        "TagSpecifications": [{"ResourceType": "vpc-flow-log", "Tags": ansible_dict_to_boto3_tag_list(tags)}],
    }
    for api, opt in (
        ("LogGroupName", "log_group_name"),
        ("LogDestination", "log_destination"),
        ("DeliverLogsPermissionArn", "deliver_logs_permission_arn"),
    ):
        if p.get(opt):
            kwargs[api] = p[opt]
    result = call_or_fail(module, client, "create_flow_logs", "create flow log", **kwargs)
    if result.get("Unsuccessful"):
        module.fail_json(msg=f"Failed to create flow log: {result['Unsuccessful']}")
    return result["FlowLogIds"][0]


def argument_spec() -> dict[str, Any]:
    return dict(
        name=dict(type="str", required=True),
        resource_id=dict(type="str", required=True),
        resource_type=dict(type="str", default="VPC", choices=["VPC", "Subnet", "NetworkInterface"]),
        traffic_type=dict(type="str", default="ALL", choices=["ACCEPT", "REJECT", "ALL"]),
        log_destination_type=dict(type="str", default="cloud-watch-logs", choices=["cloud-watch-logs", "s3"]),
        **optional("str", "log_group_name", "log_destination", "deliver_logs_permission_arn"),
        max_aggregation_interval=dict(type="int", default=600, choices=[60, 600]),
        **tag_options(),
        state=state_option(),
    )


def main() -> None:
    module = AnsibleAWSModule(
        argument_spec=argument_spec(),
        supports_check_mode=True,
        required_if=[
            ("log_destination_type", "s3", ["log_destination"]),
        ],
    )
    client = module.client("ec2")
    p = module.params
    tags = dict(p["tags"] or {})
    tags["Name"] = p["name"]

    existing = find_flow_log(client, module)
    before = camel_dict_to_snake_dict(existing, ignore_list=["Tags"]) if existing else {}
    changed = False

    if p["state"] == "absent":
        if existing:
            changed = True
            if not module.check_mode:
                delete_flow_log(client, module, existing["FlowLogId"])
        module.exit_json(changed=changed, flow_log={}, diff={"before": before, "after": {}})

    wanted = wanted_settings(p)
    if existing and settings_differ(existing, wanted):
        changed = True
        if not module.check_mode:
            delete_flow_log(client, module, existing["FlowLogId"])
        existing = None

    if existing is None:
        changed = True
        if module.check_mode:
            after = camel_dict_to_snake_dict(wanted)
            after["tags"] = tags
            module.exit_json(changed=True, flow_log={}, diff={"before": before, "after": after})
        create_flow_log(client, module, tags)
    else:
        tag_plan = plan_tags(existing.get("Tags"), tags, p["purge_tags"])
        changed = changed or tag_plan.changed
        update_tags(module, client, existing["FlowLogId"], tag_plan)

    final = find_flow_log(client, module) if not module.check_mode else existing
    result = camel_dict_to_snake_dict(final, ignore_list=["Tags"]) if final else {}
    if final:
        result["tags"] = boto3_tag_list_to_ansible_dict(final.get("Tags", []))
    module.exit_json(changed=changed, flow_log=result, diff={"before": before, "after": result})


if __name__ == "__main__":
    main()
