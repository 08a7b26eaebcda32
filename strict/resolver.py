"""What a DNS client gets for a name's A record, from Route 53 as moto holds it
(moto answers no DNS queries at all).

`resolve(account, region, name, vpc_id=None)` models Route 53 Resolver:
- From inside a VPC (vpc_id given), private hosted zones associated with that VPC
  answer first, and only when the VPC has both enableDnsSupport and
  enableDnsHostnames on ("To use private hosted zones, you must set the following
  Amazon VPC settings to true: enableDnsHostnames, enableDnsSupport"). When a
  private zone's name matches (the name itself or a parent, the most specific
  zone wins) its records decide: a name it does not hold is NXDOMAIN, never
  forwarded to public DNS
  (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/hosted-zone-private-considerations.html).
- Otherwise (or without vpc_id) public hosted zones answer. The sandbox has no
  registrar: a public zone is taken to be delegated to, and of several public
  zones with one name the first made answers (on AWS, the one the registrar
  names).
- An alias to an Elastic Load Balancing DNS name resolves to that load balancer
  (in any account: Route 53 lets a zone name another account's load balancer,
  https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resource-record-sets-creating.html).
  An alias whose load balancer is gone is `dangling`: AWS keeps the record when
  the load balancer is deleted, and it answers nothing. moto gives a new load
  balancer of the same name the same DNS name, which AWS never does, so an alias
  made for a load balancer stays bound to that one (its ARN, noted by
  rules_route53 when the record is made): one recreated under the old name does
  not revive it.
- An alias to another record of the zone, and a CNAME, are followed; other alias
  targets (CloudFront, S3, API Gateway...) are not modelled and answer `ok` with
  the target named.

Statuses: ok, dangling, nxdomain (no such name), nodata (the name exists, but
without an A record). Wildcard records, weighted/latency/failover routing and
health are not modelled.
"""

import re

from moto.ec2.models import ec2_backends
from moto.elbv2.models import elbv2_backends
from moto.route53.models import route53_backends
from moto.utilities.utils import get_partition

# ALB/CLB: <name>-<id>.<region>.elb.amazonaws.com; NLB: <name>-<id>.elb.<region>.amazonaws.com;
# either with `dualstack.` in front.
ELB_NAME = re.compile(
    r"^(?:dualstack\.)?(?P<host>.+?)\.(?:(?P<r1>[a-z]{2}(?:-[a-z]+)+-\d)\.elb|elb\.(?P<r2>[a-z]{2}(?:-[a-z]+)+-\d))"
    r"\.amazonaws\.com$"
)
# What moto 5.2.5 reports as every load balancer's CanonicalHostedZoneId.
MOTO_ELB_ZONE = "Z2P70J7EXAMPLE"
MAX_CHAIN = 8


class NoSuchVpc(Exception):
    pass


def norm(name):
    """A DNS name as Route 53 compares it: lowercase, with the trailing dot."""
    name = (name or "").strip().lower()
    return name if name.endswith(".") else name + "."


def bare(name):
    return norm(name).rstrip(".")


def truthy(v):
    return v is True or str(v).lower() == "true"


def route53(account, region="us-east-1"):
    return route53_backends[account][get_partition(region)]


def zone_id(value):
    return (value or "").split("/")[-1]


def record_key(name, rtype, set_id=None):
    return bare(name), (rtype or "").upper(), set_id or None


def key_of(rrset):
    return record_key(rrset.name, rrset.type, rrset.set_identifier)


def elb_region(dns_name):
    """The region of an Elastic Load Balancing DNS name, or None for another name."""
    m = ELB_NAME.match(bare(dns_name))
    return (m.group("r1") or m.group("r2")) if m else None


def elb_host(dns_name):
    """The load balancer's own DNS name (no `dualstack.`, lowercase, no trailing dot)."""
    name = bare(dns_name)
    return name[len("dualstack."):] if name.startswith("dualstack.") else name


def _load_balancers(account, region):
    """Every load balancer in `region`: `account`'s first, then other accounts'."""
    accounts = ([account] if account else []) + [a for a in list(elbv2_backends.keys()) if a != account]
    for acct in accounts:
        try:
            backend = elbv2_backends[acct][region]
        except KeyError:  # a region moto does not know
            return
        yield from list(backend.load_balancers.values())


def load_balancer_by_dns(account, region, dns_name):
    """The load balancer (of `account`, else of another account) with this DNS name in `region`."""
    want = elb_host(dns_name)
    return next((lb for lb in _load_balancers(account, region) if bare(lb.dns_name) == want), None)


def load_balancer_by_arn(arn, region):
    owner = arn.split(":")[4] if arn.count(":") >= 5 else ""
    return next((lb for lb in _load_balancers(owner, region) if lb.arn == arn), None)


def elb_zone_ids(account, region):
    """The hosted zone ids Elastic Load Balancing's names lie in, in `region` (as DescribeLoadBalancers reports)."""
    return {MOTO_ELB_ZONE} | {lb.canonical_hosted_zone_id for lb in _load_balancers(account, region)}


def alias_target(account, zone, rrset, layer=None):
    """What an alias record names: (status, load balancer or None, target name, why)."""
    target = (rrset.alias_target or {}).get("DNSName") or ""
    region = elb_region(target)
    if region is None:
        return "other", None, norm(target), "an alias to a target that is not an ELB load balancer (not modelled)"
    bound = None
    if layer is not None:
        bound = layer.alias_bindings.get((account, zone.resource_id, key_of(rrset)))
    if bound:
        lb = load_balancer_by_arn(bound, region)
        if lb is None:
            return "dangling", None, norm(target), (
                f"the alias names load balancer {bound}, which no longer exists (Route 53 keeps the record; it "
                "answers nothing)")
        return "ok", lb, norm(target), ""
    lb = load_balancer_by_dns(account, region, target)
    if lb is None:
        return "dangling", None, norm(target), (
            f"no load balancer in {region} has the DNS name {bare(target)} (deleted? Route 53 keeps the record; it "
            "answers nothing)")
    return "ok", lb, norm(target), ""


def _associated(zone, vpc_id, region):
    return any(v.get("vpc_id") == vpc_id and v.get("vpc_region") in (None, region) for v in zone.vpcs)


def _in_zone(qname, zone_name):
    zone_name = norm(zone_name)
    return qname == zone_name or qname.endswith("." + zone_name)


def _most_specific(zones):
    if not zones:
        return None
    longest = max(len(norm(z.name)) for z in zones)
    return [z for z in zones if len(norm(z.name)) == longest][0]


def resolve(account, region, name, vpc_id=None, layer=None, _depth=0):
    """What a client gets for `name` (an A record), from inside `vpc_id` when given."""
    qname = norm(name)
    out = {"name": qname, "vpc": vpc_id, "status": "nxdomain", "zone": None, "zone_name": None, "private": None,
           "load_balancer_arn": None, "target": None, "addresses": [], "why": ""}
    zones = list(route53(account, region).zones.values())
    notes = []
    if vpc_id:
        vpc = ec2_backends[account][region].vpcs.get(vpc_id)
        if vpc is None:
            raise NoSuchVpc(f"no VPC {vpc_id} in account {account}, {region}")
        support, hostnames = truthy(vpc.enable_dns_support), truthy(vpc.enable_dns_hostnames)
        out["vpc_dns"] = {"enableDnsSupport": support, "enableDnsHostnames": hostnames}
        private = [z for z in zones if z.private_zone and _associated(z, vpc_id, region) and _in_zone(qname, z.name)]
        if private and support and hostnames:
            return _answer(account, region, _most_specific(private), qname, vpc_id, layer, out, _depth)
        if private:
            off = [a for a, on in (("enableDnsSupport", support), ("enableDnsHostnames", hostnames)) if not on]
            notes.append(f"private hosted zone {_most_specific(private).name} is ignored: {vpc_id} has "
                         f"{' and '.join(off)} off (private hosted zones need both on)")
    public = [z for z in zones if not z.private_zone and _in_zone(qname, z.name)]
    zone = _most_specific(public)
    if zone is None:
        where = ("no public hosted zone" if not vpc_id
                 else f"no hosted zone (public, or private and associated with {vpc_id})")
        out["why"] = "; ".join(notes + [f"{where} holds {qname}"])
        return out
    out = _answer(account, region, zone, qname, vpc_id, layer, out, _depth)
    if notes:
        out["why"] = "; ".join(notes + ([out["why"]] if out["why"] else []))
    return out


def _answer(account, region, zone, qname, vpc_id, layer, out, depth):
    out.update(zone=zone.resource_id, zone_name=zone.name, private=bool(zone.private_zone))
    here = [r for r in zone.rrsets if norm(r.name) == qname]
    a = [r for r in here if (r.type or "").upper() == "A"]
    aliases = [r for r in a if r.alias_target]
    if aliases:
        status, lb, target, why = alias_target(account, zone, aliases[0], layer)
        out["target"] = target
        if status == "ok" and lb is not None:
            out.update(status="ok", load_balancer_arn=lb.arn, target=norm(lb.dns_name),
                       load_balancer_state=lb.state)
            if lb.state != "active":
                out["why"] = f"the load balancer is {lb.state}: its addresses answer once it is active"
            return out
        if status == "dangling":
            out.update(status="dangling", why=why)
            return out
        alias_zone = zone_id((aliases[0].alias_target or {}).get("HostedZoneId"))
        if alias_zone == zone.resource_id and depth < MAX_CHAIN:
            inner = resolve(account, region, target, vpc_id, layer, depth + 1)
            inner.update(name=qname, via=target)
            return inner
        out.update(status="ok", why=why)
        return out
    if a:
        values = []
        for r in a:
            values += [v if isinstance(v, str) else str(v) for v in (r.records or [])]
        out.update(status="ok", addresses=values)
        return out
    cname = [r for r in here if (r.type or "").upper() == "CNAME"]
    if cname and cname[0].records and depth < MAX_CHAIN:
        target = norm(cname[0].records[0])
        inner = resolve(account, region, target, vpc_id, layer, depth + 1)
        inner.update(name=qname, via=target)
        return inner
    below = [r for r in zone.rrsets if norm(r.name).endswith("." + qname)]
    if here or below:
        kinds = sorted({(r.type or "").upper() for r in here})
        out.update(status="nodata", why=f"{qname} has no A record in {zone.name}"
                   + (f" (it has {', '.join(kinds)})" if kinds else ""))
        return out
    out.update(status="nxdomain", why=f"{zone.name} ({'private' if zone.private_zone else 'public'}) "
               f"has no record named {qname}")
    return out


def dangling_aliases(layer):
    """Every alias record, in every account, whose load balancer is gone."""
    found = []
    for account in list(route53_backends.keys()):
        for zone in list(route53(account).zones.values()):
            for rrset in list(zone.rrsets):
                if not rrset.alias_target:
                    continue
                region = elb_region((rrset.alias_target or {}).get("DNSName"))
                if region is None:
                    continue
                status, _lb, target, why = alias_target(account, zone, rrset, layer)
                if status == "dangling":
                    found.append({"account": account, "zone": zone.resource_id, "zone_name": zone.name,
                                  "name": norm(rrset.name), "type": rrset.type, "target": target, "why": why})
    return found
