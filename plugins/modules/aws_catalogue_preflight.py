#!/usr/bin/python
# Copyright: cloudops.eks_platform contributors
# Apache-2.0

DOCUMENTATION = r"""
module: aws_catalogue_preflight
short_description: Check the inventory values AWS's catalogue decides, with read calls only, before any change
version_added: 0.1.0
description:
  - Compares the values of the inventory that only AWS can judge with what AWS's read calls answer in the
    region, and fails with every problem at once, one line each, naming the inventory variable, the entry's
    index and name, the field, the value and what AWS allows.
  - Zones - every zone of O(azs) and of the entries (RDS C(availability_zone), Aurora C(availability_zones),
    ElastiCache C(preferred_zones)) exists in the region (C(ec2:DescribeAvailabilityZones)).
  - RDS and Aurora - the engine version exists, its parameter group family is the one the roles derive, the log
    exports can be exported (C(rds:DescribeDBEngineVersions), one call per engine); the instance class is
    orderable for engine and version, with the storage type, in the entry's zones
    (C(rds:DescribeOrderableDBInstanceOptions), one call per engine and version); parameter names exist in the
    family and their values are among the allowed ones, PostgreSQL extensions are in the version's
    C(rds.extensions) (C(rds:DescribeEngineDefaultParameters) / C(rds:DescribeEngineDefaultClusterParameters),
    one call per family, only for entries with parameters or extensions).
  - ElastiCache - the engine version exists and its family matches C(parameter_group_family)
    (C(elasticache:DescribeCacheEngineVersions), one call per engine); the node type is offered in the region
    (C(elasticache:DescribeReservedCacheNodesOfferings) filtered by node type, one call per node type - no read
    call lists node types); cache parameter names and values (C(elasticache:DescribeEngineDefaultParameters),
    one call per family).
  - Every read is made at most once per run (memoised); empty lists make no call at all.
  - Only reads; never changes anything (C(changed) is always false, also in check mode).
options:
  azs:
    description: The zones of the subnets (C(platform_azs)).
    type: raw
    default: []
  rds_instances:
    description: The RDS instance entries (C(platform_rds_instances)); entries that are not dicts are skipped.
    type: raw
    default: []
  rds_defaults:
    description:
      - What an RDS entry that leaves a field out uses (the aws_rds role inputs) - C(engine), C(storage_type),
        C(parameters), and the role-wide C(log_exports) (C(aws_rds_cloudwatch_logs_exports)).
    type: dict
    default: {}
  aurora_clusters:
    description: The Aurora cluster entries (C(platform_aurora_clusters)).
    type: raw
    default: []
  elasticache:
    description: The ElastiCache replication group entries (C(platform_redis_groups)).
    type: raw
    default: []
  elasticache_defaults:
    description: What a replication group entry that leaves a field out uses - C(engine), C(parameters).
    type: dict
    default: {}
  labels:
    description:
      - Variable names used in the messages, by input (C(region), C(azs), C(rds_instances), C(aurora_clusters),
        C(elasticache), C(rds_engine), C(rds_storage_type), C(rds_parameters), C(rds_log_exports),
        C(elasticache_engine), C(elasticache_parameters)); default the C(platform_*) variables and the role inputs.
    type: dict
    default: {}
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
notes:
  - "IAM actions: C(ec2:DescribeAvailabilityZones), C(rds:DescribeDBEngineVersions),
    C(rds:DescribeOrderableDBInstanceOptions), C(rds:DescribeEngineDefaultParameters),
    C(rds:DescribeEngineDefaultClusterParameters), C(elasticache:DescribeCacheEngineVersions),
    C(elasticache:DescribeReservedCacheNodesOfferings), C(elasticache:DescribeEngineDefaultParameters)."
  - The shapes of the values (types, required fields, formats) are checked by the roles' validation before; this
    module skips what it cannot read (an entry that is not a dict, a version that is not a string).
author:
  - cloudops platform team
"""

EXAMPLES = r"""
- name: Check the data layer's values against AWS's catalogue
  cloudops.eks_platform.aws_catalogue_preflight:
    region: "{{ platform_region }}"
    azs: "{{ platform_azs }}"
    rds_instances: "{{ platform_rds_instances | default([]) }}"
    rds_defaults: {engine: postgres, storage_type: gp3, parameters: {}, log_exports: [postgresql, upgrade]}
    aurora_clusters: "{{ platform_aurora_clusters | default([]) }}"
    elasticache: "{{ platform_redis_groups | default([]) }}"
    elasticache_defaults: {engine: redis, parameters: {maxmemory-policy: volatile-lru}}
"""

RETURN = r"""
problems:
  description: One line per problem (empty when every value is in AWS's catalogue); the module fails when not empty.
  returned: always
  type: list
  elements: str
  sample: ["platform_rds_instances[0] (postgres).instance_class: db.t4g.smal is not orderable for postgres 17.7 in
    ap-northeast-2; orderable classes include db.t4g.small, db.t4g.micro, db.t4g.medium, ..."]
reads:
  description: The read calls made, in order, each once (C(service:Operation key)).
  returned: always
  type: list
  elements: str
  sample: ["ec2:DescribeAvailabilityZones", "rds:DescribeDBEngineVersions postgres"]
"""

from typing import Any

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.cloudops.eks_platform.plugins.module_utils.api import AWS_ERRORS, call, paginate
from ansible_collections.cloudops.eks_platform.plugins.module_utils.aws_catalogue import Reads, preflight_problems

#: read name -> (service, operation) for the ``reads`` result and the failure messages.
OPERATIONS = {
    "zones": ("ec2", "DescribeAvailabilityZones"),
    "rds_engine_versions": ("rds", "DescribeDBEngineVersions"),
    "rds_orderable": ("rds", "DescribeOrderableDBInstanceOptions"),
    "rds_default_parameters": ("rds", "DescribeEngineDefaultParameters"),
    "rds_default_cluster_parameters": ("rds", "DescribeEngineDefaultClusterParameters"),
    "cache_engine_versions": ("elasticache", "DescribeCacheEngineVersions"),
    "cache_node_type": ("elasticache", "DescribeReservedCacheNodesOfferings"),
    "cache_default_parameters": ("elasticache", "DescribeEngineDefaultParameters"),
}


def describe_read(index: tuple[Any, ...]) -> str:
    service, operation = OPERATIONS[index[0]]
    return " ".join([f"{service}:{operation}", *(str(k) for k in index[1:])])


def fetchers(module: AnsibleAWSModule) -> dict[str, Any]:
    """The AWS reads behind :class:`Reads`; clients are made on first use."""
    clients: dict[str, Any] = {}

    def client(name: str) -> Any:
        if name not in clients:
            clients[name] = module.client(name)
        return clients[name]

    def zones() -> list[str]:
        found = call(client("ec2"), "describe_availability_zones").get("AvailabilityZones", [])
        return [z["ZoneName"] for z in found if z.get("ZoneType", "availability-zone") == "availability-zone"]

    def rds_engine_versions(engine: str) -> list[dict[str, Any]]:
        return paginate(client("rds"), "describe_db_engine_versions", Engine=engine).get("DBEngineVersions", [])

    def rds_orderable(engine: str, version: str) -> list[dict[str, Any]]:
        result = paginate(client("rds"), "describe_orderable_db_instance_options", Engine=engine,
                          EngineVersion=version, Vpc=True, PaginationConfig={"PageSize": 1000})
        return result.get("OrderableDBInstanceOptions", [])

    def rds_defaults(method: str) -> Any:
        def read(family: str) -> list[dict[str, Any]]:
            result = paginate(client("rds"), method, DBParameterGroupFamily=family)
            return (result.get("EngineDefaults") or {}).get("Parameters", [])

        return read

    def cache_engine_versions(engine: str) -> list[dict[str, Any]]:
        return paginate(client("elasticache"), "describe_cache_engine_versions", Engine=engine).get(
            "CacheEngineVersions", [])

    def cache_node_type(node_type: str) -> list[dict[str, Any]]:
        try:
            return call(client("elasticache"), "describe_reserved_cache_nodes_offerings", CacheNodeType=node_type,
                        MaxRecords=20).get("ReservedCacheNodesOfferings", [])
        except is_boto3_error_code(["InvalidParameterValue", "InvalidParameterCombination"]):
            return []

    def cache_default_parameters(family: str) -> list[dict[str, Any]]:
        result = paginate(client("elasticache"), "describe_engine_default_parameters", CacheParameterGroupFamily=family)
        defaults = result.get("EngineDefaults") or {}
        return list(defaults.get("Parameters", [])) + list(defaults.get("CacheNodeTypeSpecificParameters", []))

    return {
        "zones": zones,
        "rds_engine_versions": rds_engine_versions,
        "rds_orderable": rds_orderable,
        "rds_default_parameters": rds_defaults("describe_engine_default_parameters"),
        "rds_default_cluster_parameters": rds_defaults("describe_engine_default_cluster_parameters"),
        "cache_engine_versions": cache_engine_versions,
        "cache_node_type": cache_node_type,
        "cache_default_parameters": cache_default_parameters,
    }


def main() -> None:
    module = AnsibleAWSModule(
        argument_spec=dict(
            azs=dict(type="raw", default=[]),
            rds_instances=dict(type="raw", default=[]),
            rds_defaults=dict(type="dict", default={}),
            aurora_clusters=dict(type="raw", default=[]),
            elasticache=dict(type="raw", default=[]),
            elasticache_defaults=dict(type="dict", default={}),
            labels=dict(type="dict", default={}),
        ),
        supports_check_mode=True,
    )
    p = module.params
    labels = p["labels"] or {}
    if not module.region:
        module.fail_json(msg=f"{labels.get('region', 'platform_region')}: empty; the zones and the catalogue are "
                             "read in that region", problems=[], reads=[])
    reads = Reads(fetchers(module))
    inputs = {key: p[key] for key in ("azs", "rds_instances", "rds_defaults", "aurora_clusters", "elasticache",
                                      "elasticache_defaults", "labels")}
    inputs["region"] = module.region
    try:
        problems = preflight_problems(inputs, reads)
    except AWS_ERRORS as e:
        last = describe_read(reads.calls[-1]) if reads.calls else "AWS's catalogue"
        module.fail_json_aws(e, msg=f"Failed to read {last} in {module.region} (a read-only preflight call)")
    made = [describe_read(c) for c in reads.calls]
    if problems:
        module.fail_json(msg="Values AWS does not offer in " + module.region + ":\n" + "\n".join(problems),
                         problems=problems, reads=made, changed=False)
    module.exit_json(changed=False, problems=[], reads=made)


if __name__ == "__main__":
    main()
