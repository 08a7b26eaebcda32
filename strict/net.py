"""The network as the data plane sees it: where a subnet's traffic to the
internet goes, which addresses a security group admits, and where a load
balancer is. Read from moto's EC2 and ELB state each time it is asked.

AWS pages this follows:
- a subnet uses its explicitly associated route table, else the VPC's main one:
  https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Route_Tables.html
- a NAT gateway gives a private subnet a way out only from a public subnet (one
  whose route table sends 0.0.0.0/0 to an attached internet gateway):
  https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html
- a Fargate task in a public subnet reaches the internet only with a public IP:
  https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-task-networking.html
- security groups admit by protocol, port range and source CIDR or group:
  https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html
"""

import ipaddress

import backends as B

ANYWHERE = "0.0.0.0/0"


def route_table_of(call, subnet_id):
    ec2 = B.ec2(call)
    sn = B.subnet(call, subnet_id)
    if sn is None:
        return None
    main = None
    for rt in ec2.route_tables.values():
        if rt.vpc_id != sn.vpc_id:
            continue
        if subnet_id in rt._associations.values():
            return rt
        if rt.main_association_id is not None:
            main = rt
    return main


def default_route(rt):
    if rt is None:
        return None
    return next((r for r in rt.routes if r.destination_cidr_block == ANYWHERE), None)


def _igw_id(route):
    g = route.gateway
    gid = getattr(g, "id", g) or ""
    return gid if str(gid).startswith("igw-") else None


def igw_attached(call, igw_id, vpc_id):
    igw = B.ec2(call).internet_gateways.get(igw_id)
    return igw is not None and igw.vpc is not None and igw.vpc.id == vpc_id


def public_subnet(call, subnet_id):
    """The subnet's route table sends 0.0.0.0/0 to an internet gateway attached to its VPC."""
    sn = B.subnet(call, subnet_id)
    route = default_route(route_table_of(call, subnet_id))
    gid = route and _igw_id(route)
    return bool(sn is not None and gid and igw_attached(call, gid, sn.vpc_id))


def way_out(call, subnet_id, public_ip):
    """None when traffic from a task in the subnet reaches the internet, else why not."""
    sn = B.subnet(call, subnet_id)
    if sn is None:
        return f"subnet {subnet_id} does not exist"
    rt = route_table_of(call, subnet_id)
    route = default_route(rt)
    where = f"route table {rt.id}" if rt is not None else "no route table"
    if route is None:
        return f"{where} of subnet {subnet_id} has no route for {ANYWHERE}"
    if _igw_id(route):
        if not igw_attached(call, _igw_id(route), sn.vpc_id):
            return f"{where} sends {ANYWHERE} to {_igw_id(route)}, which is not attached to the VPC"
        if not public_ip:
            return (f"{where} sends {ANYWHERE} to the internet gateway, but the task has no public IP "
                    "(assignPublicIp DISABLED), so nothing comes back")
        return None
    nat = route.nat_gateway
    nat = B.ec2(call).nat_gateways.get(getattr(nat, "id", nat)) if nat else None
    if nat is None:
        return f"{where} sends {ANYWHERE} to neither an internet gateway nor a NAT gateway"
    if nat.state != "available":
        return f"NAT gateway {nat.id} is {nat.state}"
    if not public_subnet(call, nat.subnet_id):
        return f"NAT gateway {nat.id} is in subnet {nat.subnet_id}, which has no route to an internet gateway"
    return None


def endpoint_services(call, vpc_id, subnet_id, ip=None, groups=()):
    """The AWS services a task in the subnet reaches through VPC endpoints:
    interface endpoints with private DNS in the VPC, gateway endpoints on the
    subnet's route table. Given the task's address and security groups, an
    interface endpoint counts only when its security groups (the VPC's default
    group when it has none) admit HTTPS from the task: "The security group
    attached to the VPC endpoint must allow incoming connections on port 443
    from the private subnet of the VPC."
    https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html
    https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateVpcEndpoint.html"""
    rt = route_table_of(call, subnet_id)
    out = set()
    for ep in B.ec2(call).vpc_end_points.values():
        if ep.vpc_id != vpc_id or ep.state != "available":
            continue
        name = service_of(ep)
        if (ep.vpc_endpoint_type or "").lower() == "gateway":
            if rt is not None and rt.id in (ep.route_table_ids or []):
                out.add(name)
        elif ep.private_dns_enabled:
            if ip is None or admits(call, endpoint_groups(call, ep), 443, [ip], set(groups)):
                out.add(name)
    return out


def service_of(ep):
    """`ecr.api` of `com.amazonaws.us-east-1.ecr.api`."""
    return ".".join(ep.service_name.split(".")[3:]) or ep.service_name


def endpoint_groups(call, ep):
    """An interface endpoint's security groups; the VPC's default group when none was given."""
    if ep.security_group_ids:
        return list(ep.security_group_ids)
    default = [g.id for g in B.ec2(call).groups.get(ep.vpc_id, {}).values() if g.name == "default"]
    return default


def _groups(call, ids):
    ec2 = B.ec2(call)
    return [g for g in (ec2.get_security_group_from_id(i) for i in ids) if g is not None]


def _port_matches(rule, port):
    proto = str(rule.ip_protocol)
    if proto == "-1":
        return True
    if proto not in ("tcp", "6"):
        return False
    return rule.from_port is not None and rule.from_port <= port <= rule.to_port


def admits(call, group_ids, port, sources, source_groups=()):
    """Whether any of the groups admits TCP `port` from one of the `sources`
    addresses (or from a member of `source_groups`)."""
    addrs = [ipaddress.ip_address(a) for a in sources if a]
    for g in _groups(call, group_ids):
        for rule in g.ingress_rules:
            if not _port_matches(rule, port):
                continue
            cidr = (rule.ip_range or {}).get("CidrIp")
            if cidr:
                net = ipaddress.ip_network(cidr, strict=False)
                if any(a in net for a in addrs):
                    return True
            ref = (rule.source_group or {}).get("GroupId")
            if ref and ref in source_groups:
                return True
    return False


def lb_zones(call, lb):
    """The Availability Zones enabled on a load balancer."""
    zones = set()
    for sn in lb.subnets:
        sn = sn if hasattr(sn, "availability_zone") else B.subnet(call, sn)
        az = getattr(sn, "availability_zone", None)
        if az:
            zones.add(az)
    return zones


def lb_addresses(call, lb):
    """The private addresses of a load balancer's network interfaces (its health
    checks and the traffic it forwards come from these)."""
    desc = f"ELB {lb.type[:3]}/{lb.name}"
    return [e.private_ip_address for e in B.ec2(call).enis.values() if e.description == desc]


def forwarded_groups(call, listener):
    """The target groups a listener's rules forward to."""
    elb = B.elbv2(call)
    arns = set()
    for rule in listener.rules.values():
        for action in rule.actions:
            arns.update(elb._get_target_group_arns_from(action_data=action.data))
    return arns


def listeners_forwarding_to(call, tg_arn):
    """(load balancer, listener) pairs whose rules forward to the target group."""
    elb = B.elbv2(call)
    out = []
    for lb in elb.load_balancers.values():
        for listener in lb.listeners.values():
            if tg_arn in forwarded_groups(call, listener):
                out.append((lb, listener))
    return out
