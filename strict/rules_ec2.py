"""EC2 (VPC): deletes AWS refuses while something depends on them, the NAT
gateway's slow states, and what CreateVpcEndpoint refuses.

Typical times (seconds at `real` pace): a NAT gateway is `pending` for about a
minute and a half and `deleting` for about a minute; a load balancer's network
interfaces stay a couple of minutes after the load balancer is deleted.
"""

import uuid

import backends as B
from wire import Answer

NAT_PENDING_SECONDS = 90
NAT_DELETING_SECONDS = 60


def register(layer):
    layer.rule(
        "ec2-delete-sg-in-use",
        "DeleteSecurityGroup while a network interface uses the group (task and load balancer interfaces linger, "
        "and an interface VPC endpoint's interfaces carry its groups) or another group's rule refers to it: "
        "DependencyViolation",
        "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteSecurityGroup.html",
    )
    layer.rule(
        "ec2-delete-subnet-in-use",
        "DeleteSubnet while network interfaces are in it: DependencyViolation",
        "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteSubnet.html",
    )
    layer.rule(
        "ec2-delete-vpc-in-use",
        "DeleteVpc with subnets, an attached internet gateway, security groups other than the default, route "
        "tables other than the main one, NAT gateways, VPC endpoints or network interfaces left: "
        "DependencyViolation",
        "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteVpc.html",
    )
    layer.rule(
        "ec2-detach-igw-mapped",
        "DetachInternetGateway while a public address in the VPC is mapped (a NAT gateway not yet deleted): "
        "DependencyViolation",
        "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DetachInternetGateway.html",
    )
    layer.rule(
        "ec2-release-address-in-use",
        "ReleaseAddress of an associated Elastic IP (held by a NAT gateway until it is deleted): InvalidIPAddress.InUse",
        "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ReleaseAddress.html",
    )
    layer.rule(
        "ec2-nat-states",
        "a NAT gateway is pending before available and deleting before deleted; only when deleted are its "
        "address and network interface released",
        "https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-working-with.html",
    )

    layer.rule(
        "ec2-endpoint-private-dns-needs-vpc-dns",
        "CreateVpcEndpoint or ModifyVpcEndpoint with PrivateDnsEnabled for an interface endpoint in a VPC whose "
        "enableDnsSupport and enableDnsHostnames are not both true: InvalidParameter",
        "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateVpcEndpoint.html",
    )
    layer.rule(
        "ec2-endpoint-one-subnet-per-az",
        "an interface endpoint given two subnets in one Availability Zone (CreateVpcEndpoint, or ModifyVpcEndpoint "
        "adding one): DuplicateSubnetsInSameZone",
        "https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html",
    )
    layer.rule(
        "ec2-endpoint-private-dns-conflict",
        "a second interface endpoint with private DNS for the same service in a VPC (its private hosted zone would "
        "hold the same name): InvalidParameter 'private-dns-enabled cannot be set because there is already a "
        "conflicting DNS domain'",
        "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/elasticache-privatelink.html",
    )

    @layer.before("ec2", "CreateVpcEndpoint", "ModifyVpcEndpoint")
    def endpoint(layer, call):
        ec2 = B.ec2(call)
        if call.op == "CreateVpcEndpoint":
            ep, vpc_id, service = None, call.param("VpcId"), call.param("ServiceName") or ""
            kind = (call.param("VpcEndpointType") or "Gateway").lower()
            subnets = call.members("SubnetId")
        else:
            ep = ec2.vpc_end_points.get(call.param("VpcEndpointId"))
            if ep is None:
                return
            vpc_id, service, kind = ep.vpc_id, ep.service_name, (ep.vpc_endpoint_type or "").lower()
            gone = set(call.members("RemoveSubnetId"))
            subnets = [x for x in ep.subnet_ids or [] if x not in gone] + call.members("AddSubnetId")
        vpc = ec2.vpcs.get(vpc_id)
        if kind != "interface" or vpc is None:
            return
        seen = {}
        for sid in subnets:
            sn = B.subnet(call, sid)
            if sn is None:
                continue
            if sn.availability_zone in seen and seen[sn.availability_zone] != sid:
                # The wording EC2 sends (as reported by its users).
                raise layer.refuse(
                    "ec2-endpoint-one-subnet-per-az", "DuplicateSubnetsInSameZone",
                    f"Found another VPC endpoint subnet in the availability zone of {seen[sn.availability_zone]}",
                )
            seen.setdefault(sn.availability_zone, sid)
        if not truthy(call.param("PrivateDnsEnabled")):
            return
        if not (truthy(vpc.enable_dns_support) and truthy(vpc.enable_dns_hostnames)):
            raise layer.refuse(
                "ec2-endpoint-private-dns-needs-vpc-dns", "InvalidParameter",
                "Enabling private DNS requires both enableDnsSupport and enableDnsHostnames VPC attributes set to "
                f"true for {vpc_id}",
            )
        for other in ec2.vpc_end_points.values():
            if (other is not ep and other.vpc_id == vpc_id and other.service_name == service
                    and other.state != "deleted" and truthy(other.private_dns_enabled)):
                raise layer.refuse(
                    "ec2-endpoint-private-dns-conflict", "InvalidParameter",
                    "private-dns-enabled cannot be set because there is already a conflicting DNS domain for "
                    f"{private_dns_name(service)} in the VPC {vpc_id}",
                )

    @layer.before("ec2", "DeleteSecurityGroup")
    def delete_sg(layer, call):
        gid = call.param("GroupId")
        if not gid:
            return
        users = [e.id for e in B.enis(call) if gid in B.eni_groups(e)]
        users += endpoints_using(call, gid)
        users += referencing_groups(call, gid)
        if users:
            raise layer.refuse(
                "ec2-delete-sg-in-use", "DependencyViolation", f"resource {gid} has a dependent object"
            )

    @layer.before("ec2", "DeleteSubnet")
    def delete_subnet(layer, call):
        sid = call.param("SubnetId")
        if any(e.subnet is not None and e.subnet.id == sid for e in B.enis(call)):
            raise layer.refuse(
                "ec2-delete-subnet-in-use",
                "DependencyViolation",
                f"The subnet '{sid}' has dependencies and cannot be deleted.",
            )

    @layer.before("ec2", "DeleteVpc")
    def delete_vpc(layer, call):
        vid = call.param("VpcId")
        if vid and vpc_dependencies(call, vid):
            raise layer.refuse(
                "ec2-delete-vpc-in-use",
                "DependencyViolation",
                f"The vpc '{vid}' has dependencies and cannot be deleted.",
            )

    @layer.before("ec2", "DetachInternetGateway")
    def detach_igw(layer, call):
        vid = call.param("VpcId")
        if vid and mapped_addresses(call, vid):
            raise layer.refuse(
                "ec2-detach-igw-mapped",
                "DependencyViolation",
                f"Network {vid} has some mapped public address(es). Please unmap those public address(es) before "
                "detaching the gateway.",
            )

    @layer.before("ec2", "ReleaseAddress")
    def release(layer, call):
        alloc, ip = call.param("AllocationId"), call.param("PublicIp")
        for a in B.ec2(call).addresses:
            if (alloc and a.allocation_id == alloc) or (ip and a.public_ip == ip):
                if a.association_id or a.eni is not None:
                    raise layer.refuse(
                        "ec2-release-address-in-use",
                        "InvalidIPAddress.InUse",
                        f"Address {a.allocation_id or a.public_ip} is in use.",
                    )

    @layer.after("ec2", "CreateNatGateway")
    def nat_pending(layer, call, data):
        nat = newest_nat(call, data)
        if nat is None:
            return
        nat.state = "pending"

        def available():
            if nat.state == "pending":
                nat.state = "available"

        layer.timeline.schedule(("nat", nat.id), NAT_PENDING_SECONDS, available)

    @layer.after("ec2", "DeleteNatGateway")
    def nat_deleting(layer, call, _data):
        nat = B.ec2(call).nat_gateways.get(call.param("NatGatewayId"))
        if nat is None:
            return
        nat.state = "deleting"
        ec2 = B.ec2(call)

        def deleted():
            nat.state = "deleted"
            # AWS unmaps the address and removes the interface; moto leaves both.
            for a in ec2.addresses:
                if a.eni is not None and a.eni.id == nat._eni.id:
                    ec2.disassociate_address(address=a.public_ip)
            ec2.enis.pop(nat._eni.id, None)

        layer.timeline.schedule(("nat", nat.id), NAT_DELETING_SECONDS, deleted)

    @layer.before("ec2", "DeleteNatGateway")
    def nat_already(layer, call):
        nat = B.ec2(call).nat_gateways.get(call.param("NatGatewayId"))
        if nat is not None and nat.state in ("deleting", "deleted"):
            # AWS accepts it again and answers with the current state; moto would
            # turn a deleting gateway into a deleted one at once.
            raise Answer(
                200,
                "text/xml",
                '<DeleteNatGatewayResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">'
                f"<requestId>{uuid.uuid4()}</requestId><natGatewayId>{nat.id}</natGatewayId>"
                "</DeleteNatGatewayResponse>",
            )


def truthy(v):
    return v is True or str(v).lower() == "true"


def endpoints_using(call, gid):
    """Interface endpoints whose network interfaces carry the group (moto
    makes their interfaces without groups, so the endpoint is asked)."""
    return [e.id for e in B.ec2(call).vpc_end_points.values()
            if e.state != "deleted" and gid in (e.security_group_ids or [])
            and (e.vpc_endpoint_type or "").lower() == "interface"]


def private_dns_name(service):
    """The name an endpoint's private hosted zone answers for: `logs.<region>.amazonaws.com`,
    `api.ecr.<region>.amazonaws.com` for ecr.api, `*.dkr.ecr.<region>.amazonaws.com` for ecr.dkr."""
    parts = service.split(".")
    if len(parts) < 4:
        return service
    region, name = parts[2], ".".join(parts[3:])
    special = {"ecr.api": f"api.ecr.{region}.amazonaws.com", "ecr.dkr": f"*.dkr.ecr.{region}.amazonaws.com"}
    return special.get(name, f"{name}.{region}.amazonaws.com")


def referencing_groups(call, gid):
    """Other security groups whose rules name this one as source or destination."""
    out = []
    for groups in B.ec2(call).groups.values():
        for g in groups.values():
            if g.id == gid:
                continue
            for rule in list(g.ingress_rules) + list(g.egress_rules):
                pairs = list(getattr(rule, "source_groups", None) or [])
                single = getattr(rule, "source_group", None)
                if single:
                    pairs.append(single)
                if any(p.get("GroupId") == gid for p in pairs):
                    out.append(g.id)
    return out


def newest_nat(call, data):
    text = data.decode("utf-8", "replace")
    for nat in B.ec2(call).nat_gateways.values():
        if nat.id in text:
            return nat
    return None


def mapped_addresses(call, vpc_id):
    out = [n.id for n in B.ec2(call).nat_gateways.values() if n.vpc_id == vpc_id and n.state != "deleted"]
    for a in B.ec2(call).addresses:
        eni = a.eni
        if eni is not None and eni.subnet is not None and eni.subnet.vpc_id == vpc_id:
            out.append(a.public_ip)
    return out


def vpc_dependencies(call, vpc_id):
    ec2 = B.ec2(call)
    deps = [s.id for s in ec2.describe_subnets(filters={"vpc-id": [vpc_id]})]
    deps += [g.id for g in ec2.internet_gateways.values() if g.vpc is not None and g.vpc.id == vpc_id]
    deps += [g.id for g in ec2.groups.get(vpc_id, {}).values() if g.name != "default"]
    deps += [r.id for r in ec2.route_tables.values() if r.vpc_id == vpc_id and r.main_association_id is None]
    deps += [n.id for n in ec2.nat_gateways.values() if n.vpc_id == vpc_id and n.state != "deleted"]
    deps += [e.id for e in ec2.vpc_end_points.values() if e.vpc_id == vpc_id and e.state != "deleted"]
    deps += [e.id for e in ec2.enis.values() if e.subnet is not None and e.subnet.vpc_id == vpc_id]
    return deps
