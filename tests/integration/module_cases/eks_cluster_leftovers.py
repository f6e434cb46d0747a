"""Four-run case of eks_cluster_leftovers for the base cluster (module_cases/eks_common.py).

Before the runs (made with boto3, tagged the way the controllers tag them): for the base cluster, an ALB with a
listener forwarding to a target group (AWS Load Balancer Controller: ``elbv2.k8s.aws/cluster``), an NLB and a classic
ELB of the in-tree service controller (``kubernetes.io/cluster/<cluster>=owned``), the controller's backend security
group and a managed load balancer security group, an ingress rule on the cluster security group EKS made (the nodes'
group) that references the backend group, an available EBS CSI volume tagged with the cluster id, an available volume
tagged ``ebs.csi.aws.com/cluster-name``, and a volume of the cluster attached to a running instance. Not the base
cluster's, and kept: a security group and a volume of another cluster, a target group tagged ``shared``, a volume of
the driver that names no cluster, and the cluster security group itself (``aws:eks:cluster-name``).

Check mode reports them (changed), apply deletes them and revokes the rule (changed), the in-use volume is reported
and left (so the runs after that change nothing). The read lists, by the names given here, what of this case exists.
"""

from __future__ import annotations

from typing import Any

from . import Case, P

LO = f"{P}-lo"  # names of this case's resources
OTHER = f"{P}-other-cluster"


def _tags(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def _spec(kind: str, tags: dict[str, str]) -> list[dict]:
    return [{"ResourceType": kind, "Tags": _tags(tags)}]


def prerequisites(b: Any, pre: dict) -> dict:
    ec2, elbv2, elb, eks = (b.client(s) for s in ("ec2", "elbv2", "elb", "eks"))
    cluster, vpc, subnets = pre["eks_base_cluster"], pre["vpc_id"], pre["subnets"]
    zone = f"{b.info['region']}a"  # the first subnet's zone
    owned = {f"kubernetes.io/cluster/{cluster}": "owned"}
    alb_tags = {"elbv2.k8s.aws/cluster": cluster, "ingress.k8s.aws/stack": "web/web"}

    def group(name: str, tags: dict[str, str], vpc_id: str = vpc) -> str:
        spec = _spec("security-group", {"Name": name, **tags})
        return ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc_id, TagSpecifications=spec)[
            "GroupId"
        ]

    backend = group(f"{LO}-backend", {"elbv2.k8s.aws/cluster": cluster, "elbv2.k8s.aws/resource": "backend-sg"})
    managed = group(f"{LO}-managed", {**alb_tags, "ingress.k8s.aws/resource": "ManagedLBSecurityGroup"})
    group(f"{LO}-other", {"elbv2.k8s.aws/cluster": OTHER, f"kubernetes.io/cluster/{OTHER}": "owned"})
    cluster_sg = eks.describe_cluster(name=cluster)["cluster"]["resourcesVpcConfig"]["clusterSecurityGroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=cluster_sg,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 0,
                "ToPort": 65535,
                "UserIdGroupPairs": [{"GroupId": backend, "Description": "elbv2.k8s.aws/targetGroupBinding=shared"}],
            }
        ],
    )
    alb = elbv2.create_load_balancer(
        Name=f"{LO}-alb", Subnets=subnets, SecurityGroups=[managed, backend], Type="application", Tags=_tags(alb_tags)
    )["LoadBalancers"][0]["LoadBalancerArn"]
    target_group = elbv2.create_target_group(
        Name=f"{LO}-tg", Protocol="HTTP", Port=8080, VpcId=vpc, TargetType="ip", Tags=_tags(alb_tags)
    )["TargetGroups"][0]["TargetGroupArn"]
    elbv2.create_listener(
        LoadBalancerArn=alb,
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": target_group}],
    )
    elbv2.create_target_group(
        Name=f"{LO}-tg-shared",
        Protocol="TCP",
        Port=80,
        VpcId=vpc,
        Tags=_tags({f"kubernetes.io/cluster/{cluster}": "shared"}),
    )
    service = {**owned, "kubernetes.io/service-name": "web/web"}
    elbv2.create_load_balancer(Name=f"{LO}-nlb", Subnets=subnets, Type="network", Tags=_tags(service))
    elb.create_load_balancer(
        LoadBalancerName=f"{LO}-clb",
        Listeners=[{"Protocol": "TCP", "LoadBalancerPort": 80, "InstancePort": 30080}],
        Subnets=subnets[:1],
        Tags=_tags(service),
    )

    def volume(name: str, tags: dict[str, str]) -> str:
        spec = _spec("volume", {"Name": name, **tags})
        return ec2.create_volume(AvailabilityZone=zone, Size=1, TagSpecifications=spec)["VolumeId"]

    csi = {"ebs.csi.aws.com/cluster": "true"}
    volume(f"{LO}-vol-csi", {**csi, **owned, "KubernetesCluster": cluster})
    volume(f"{LO}-vol-scoped", {**csi, "ebs.csi.aws.com/cluster-name": cluster})
    attached = volume(f"{LO}-vol-attached", {**csi, **owned})
    volume(f"{LO}-vol-other", {**csi, f"kubernetes.io/cluster/{OTHER}": "owned", "KubernetesCluster": OTHER})
    volume(f"{LO}-vol-unnamed", csi)
    instance = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1, SubnetId=subnets[0])["Instances"][0]
    ec2.attach_volume(VolumeId=attached, InstanceId=instance["InstanceId"], Device="/dev/sdf")
    return {"leftovers_cluster_sg": cluster_sg}


def _read(b: Any, pre: dict) -> dict:
    """The names of this case's resources that exist, and the groups the cluster security group's rules reference."""
    ec2, elbv2, elb = (b.client(s) for s in ("ec2", "elbv2", "elb"))
    lbs = elbv2.describe_load_balancers()["LoadBalancers"]
    groups = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": [f"{LO}-*"]}])["SecurityGroups"]
    volumes = ec2.describe_volumes(Filters=[{"Name": "tag:Name", "Values": [f"{LO}-*"]}])["Volumes"]
    (cluster_sg,) = ec2.describe_security_groups(GroupIds=[pre["leftovers_cluster_sg"]])["SecurityGroups"]
    names = {g["GroupId"]: g["GroupName"] for g in ec2.describe_security_groups()["SecurityGroups"]}
    referenced = {
        names.get(pair["GroupId"], pair["GroupId"])
        for rule in cluster_sg["IpPermissions"]
        for pair in rule.get("UserIdGroupPairs", [])
        if pair["GroupId"] != cluster_sg["GroupId"]
    }
    return {
        "load_balancers": sorted(lb["LoadBalancerName"] for lb in lbs if lb["LoadBalancerName"].startswith(LO)),
        "classic": sorted(
            lb["LoadBalancerName"]
            for lb in elb.describe_load_balancers()["LoadBalancerDescriptions"]
            if lb["LoadBalancerName"].startswith(LO)
        ),
        "target_groups": sorted(
            g["TargetGroupName"]
            for g in elbv2.describe_target_groups()["TargetGroups"]
            if g["TargetGroupName"].startswith(LO)
        ),
        "security_groups": sorted(g["GroupName"] for g in groups),
        "volumes": sorted(next(t["Value"] for t in v["Tags"] if t["Key"] == "Name") for v in volumes),
        "cluster_sg_references": sorted(referenced),
    }


CASES = [
    Case(
        id="eks_cluster_leftovers",
        module="eks_cluster_leftovers",
        args=lambda pre: {"cluster_name": pre["eks_base_cluster"], "wait_timeout": 120},
        read=_read,
        before=lambda pre: {
            "load_balancers": [f"{LO}-alb", f"{LO}-nlb"],
            "classic": [f"{LO}-clb"],
            "target_groups": [f"{LO}-tg", f"{LO}-tg-shared"],
            "security_groups": [f"{LO}-backend", f"{LO}-managed", f"{LO}-other"],
            "volumes": [
                f"{LO}-vol-attached",
                f"{LO}-vol-csi",
                f"{LO}-vol-other",
                f"{LO}-vol-scoped",
                f"{LO}-vol-unnamed",
            ],
            "cluster_sg_references": [f"{LO}-backend"],
        },
        after=lambda pre: {
            "load_balancers": [],
            "classic": [],
            "target_groups": [f"{LO}-tg-shared"],
            "security_groups": [f"{LO}-other"],
            # the attached volume is reported and left; the other cluster's and the unnamed one are not this cluster's
            "volumes": [f"{LO}-vol-attached", f"{LO}-vol-other", f"{LO}-vol-unnamed"],
            "cluster_sg_references": [],
        },
    ),
]
