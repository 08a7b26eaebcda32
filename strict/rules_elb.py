"""Elastic Load Balancing v2: names AWS refuses, one subnet per zone, a load
balancer that provisions before it is active, its lingering network interfaces,
and deletes refused while something uses the load balancer or target group.

Typical times (seconds at `real` pace): a network load balancer is `provisioning`
for about three minutes; its network interfaces are released about two minutes
after DeleteLoadBalancer returns.
"""

import re

from moto.elbv2.models import FakeLoadBalancer

import backends as B

NLB_PROVISIONING_SECONDS = 180
LB_ENI_LINGER_SECONDS = 120
NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?$")


def register(layer):
    # moto turns `provisioning` into `active` on the next describe; here the
    # timeline decides.
    FakeLoadBalancer.activate = lambda self: None

    layer.rule(
        "elb-names",
        "load balancer and target group names: at most 32 letters, digits and hyphens, not starting or ending "
        "with a hyphen; a load balancer name may not start with 'internal-': ValidationError",
        "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateLoadBalancer.html",
    )
    layer.rule(
        "elb-one-subnet-per-az",
        "a load balancer with two subnets in one Availability Zone: InvalidConfigurationRequest",
        "https://docs.aws.amazon.com/elasticloadbalancing/latest/network/network-load-balancers.html#availability-zones",
    )
    layer.rule(
        "elb-provisioning",
        "a new load balancer is provisioning before it is active, and has a network interface in each subnet "
        "that stays for a while after it is deleted",
        "https://docs.aws.amazon.com/elasticloadbalancing/latest/network/network-load-balancers.html#load-balancer-state",
    )
    layer.rule(
        "elb-delete-lb-vpc-link",
        "DeleteLoadBalancer while an API Gateway VPC link targets it: ResourceInUse",
        "https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-nlb-for-vpclink-using-console.html",
    )
    layer.rule(
        "elb-delete-tg-in-use",
        "DeleteTargetGroup while a listener or rule forwards to it: ResourceInUse (AWS does not refuse it for an "
        "ECS service alone; moto already refuses the listener case)",
        "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_DeleteTargetGroup.html",
    )

    @layer.before("elasticloadbalancing", "CreateLoadBalancer", "CreateTargetGroup")
    def names(layer, call):
        name = call.param("Name") or ""
        kind = "LoadBalancer" if call.op == "CreateLoadBalancer" else "Target group"
        if len(name) > 32:
            raise layer.refuse("elb-names", "ValidationError", f"{kind} name cannot be longer than 32 characters")
        if not NAME.match(name):
            raise layer.refuse(
                "elb-names",
                "ValidationError",
                f"{kind} name '{name}' can contain only alphanumeric characters and hyphens, and cannot begin "
                "or end with a hyphen",
            )
        if call.op == "CreateLoadBalancer" and name.lower().startswith("internal-"):
            raise layer.refuse(
                "elb-names", "ValidationError", "Load balancer names cannot start with 'internal-'"
            )

    @layer.before("elasticloadbalancing", "CreateLoadBalancer")
    def one_per_az(layer, call):
        ids = call.members("Subnets") + [
            v for k, v in call.params.items() if re.match(r"^SubnetMappings\.member\.\d+\.SubnetId$", k)
        ]
        seen = {}
        for sid in ids:
            sn = B.subnet(call, sid)
            if sn is None:
                continue
            if sn.availability_zone in seen and seen[sn.availability_zone] != sid:
                raise layer.refuse(
                    "elb-one-subnet-per-az",
                    "InvalidConfigurationRequest",
                    "A load balancer cannot be attached to multiple subnets in the same Availability Zone",
                )
            seen[sn.availability_zone] = sid

    @layer.after("elasticloadbalancing", "CreateLoadBalancer")
    def provisioning(layer, call, _data):
        lb = next((b for b in B.elbv2(call).load_balancers.values() if b.name == call.param("Name")), None)
        if lb is None or layer.enis.get(("lb", lb.arn)):
            return
        lb.state = "provisioning"

        def active():
            if lb.state == "provisioning":
                lb.state = "active"

        layer.timeline.schedule(("lb", lb.arn), NLB_PROVISIONING_SECONDS, active)
        ec2 = B.ec2(call)
        made = []
        for sid in lb.subnets:
            sn = sid if hasattr(sid, "id") else B.subnet(call, sid)
            if sn is None:
                continue
            eni = ec2.create_network_interface(
                sn, None, group_ids=list(lb.security_groups or []), description=f"ELB {lb.type[:3]}/{lb.name}"
            )
            eni.requester_managed = True
            eni.status = "in-use"
            made.append(eni.id)
        layer.enis[("lb", lb.arn)] = made

    @layer.before("elasticloadbalancing", "DeleteLoadBalancer")
    def in_use_by_link(layer, call):
        arn = call.param("LoadBalancerArn")
        for link in B.apigw(call).vpc_links.values():
            if arn in (link.target_arns or []):
                raise layer.refuse(
                    "elb-delete-lb-vpc-link",
                    "ResourceInUse",
                    f"Load balancer '{arn}' cannot be deleted because it is currently associated with another "
                    f"service (VPC link {link.id})",
                )

    @layer.after("elasticloadbalancing", "DeleteLoadBalancer")
    def linger(layer, call, _data):
        arn = call.param("LoadBalancerArn")
        layer.timeline.cancel(("lb", arn))
        ec2 = B.ec2(call)
        for eni_id in layer.enis.pop(("lb", arn), []):
            layer.timeline.schedule(("eni", eni_id), LB_ENI_LINGER_SECONDS, lambda i=eni_id: ec2.enis.pop(i, None))

    @layer.before("elasticloadbalancing", "DeleteTargetGroup")
    def tg_in_use(layer, call):
        arn = call.param("TargetGroupArn")
        if arn and B.target_group(call, arn) is not None and B.elbv2(call)._any_listener_using(arn):
            raise layer.refuse(
                "elb-delete-tg-in-use",
                "ResourceInUse",
                f"Target group '{arn}' is currently in use by a listener or a rule",
            )
