"""Route 53 (REST-XML, signing name `route53`): change batches checked as Route 53
checks them, changes that are PENDING until they have propagated, hosted zone
deletes and VPC associations refused as AWS refuses them.

- ChangeResourceRecordSets: an alias (CREATE or UPSERT) to an Elastic Load
  Balancing DNS name must name a load balancer that exists, with its
  CanonicalHostedZoneId as AliasTarget.HostedZoneId (moto accepts any name);
  a CREATE of a record set that exists, a DELETE of one that does not, or whose
  values differ from the current ones, are refused (moto creates a second record
  set of the same name and type, and deletes by name and type alone). The batch
  is checked in order, as one transaction (a DELETE then a CREATE of one name is
  the usual replace), and every error is reported in one InvalidChangeBatch, as
  Route 53 does: "[message, message]".
  https://docs.aws.amazon.com/Route53/latest/APIReference/API_ChangeResourceRecordSets.html
  https://docs.aws.amazon.com/Route53/latest/APIReference/API_AliasTarget.html
- Changes take time: every ChangeInfo (CreateHostedZone, ChangeResourceRecordSets,
  DeleteHostedZone, Associate/DisassociateVPC...) has an id of its own and is
  PENDING until it has propagated, then INSYNC; GetChange answers from the layer
  (moto answers INSYNC, with one fixed id, for any id). An unknown id: NoSuchChange.
  https://docs.aws.amazon.com/Route53/latest/APIReference/API_GetChange.html
- DeleteHostedZone with records other than the SOA and NS records at the apex
  (a delegation NS record for a subdomain counts): HostedZoneNotEmpty, in AWS's
  words (moto refuses the other types, with its own).
  https://docs.aws.amazon.com/Route53/latest/APIReference/API_DeleteHostedZone.html
- Private zones: CreateHostedZone with a VPC makes a private zone ("Because the
  hosted zone is being created in a VPC it is automatically private",
  https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/route-53_example_route-53_CreateHostedZone_section.html;
  moto makes it public unless HostedZoneConfig.PrivateZone is also given); the VPC must exist
  (InvalidVPCId), and may not already be associated with a private zone of the
  same name (ConflictingDomainExists), at CreateHostedZone and at
  AssociateVPCWithHostedZone; DisassociateVPCFromHostedZone of a VPC that is not
  associated: VPCAssociationNotFound (of the last VPC: LastVPCAssociation, which
  moto already refuses).
  https://docs.aws.amazon.com/Route53/latest/APIReference/API_AssociateVPCWithHostedZone.html
  https://docs.aws.amazon.com/Route53/latest/APIReference/API_DisassociateVPCFromHostedZone.html

What a name resolves to (and the aliases left dangling when a load balancer is
deleted, which AWS allows) is resolver.py's, on the control endpoint.

The messages are the wording Route 53 sends as its users report it: an
InvalidChangeBatch lists every error of the batch in brackets in one standard
`<ErrorResponse>` (aws/aws-sdk-kotlin#1433, #1435); the alias messages as
Terraform, CDK and cli53 users quote them; NoSuchChange 'Could not find resource
with ID: …' (boto/botocore#543); ConflictingDomainExists as Terraform users quote
it; HostedZoneNotEmpty as cloud-nuke and Terraform users quote it. InvalidVPCId
and VPCAssociationNotFound carry the API reference's description of the error
(their live wording is not known).

Typical times (seconds at `real` pace): a change is PENDING for 60 seconds ("Amazon
Route 53 is designed to propagate updates you make to your DNS records to its
world-wide network of authoritative DNS servers within 60 seconds under normal
conditions. A change is successfully propagated world-wide when the API call
returns an INSYNC status listing", https://aws.amazon.com/route53/faqs/).
"""

import secrets
import string
from datetime import datetime, timezone
from urllib.parse import unquote

from moto.ec2.models import ec2_backends
from moto.route53 import responses as r53_responses
from moto.route53.models import ChangeList

import resolver as D
from wire import Answer

CHANGE_PROPAGATION_SECONDS = 60
API = "https://docs.aws.amazon.com/Route53/latest/APIReference/"
XMLNS = "https://route53.amazonaws.com/doc/2013-04-01/"
ID_CHARS = string.ascii_uppercase + string.digits
# Routing settings a DELETE must repeat (besides TTL, values and alias target).
ROUTING = ("Weight", "Region", "Failover", "GeoLocation", "MultiValueAnswer", "HealthCheckId",
           "TrafficPolicyInstanceId", "CidrRoutingConfig", "GeoProximityLocation")
MOTO_ROUTING = {"Weight": "weight", "Region": "region", "Failover": "failover", "GeoLocation": "geo_location",
                "MultiValueAnswer": "multi_value_answer", "HealthCheckId": "health_check_id"}
# moto's response methods whose ChangeInfo the layer gives an id and a state.
CHANGE_OPS = ("create_hosted_zone", "change_resource_record_sets", "delete_hosted_zone",
              "associate_vpc_with_hosted_zone", "disassociate_vpc_from_hosted_zone")

_current = {"layer": None}  # the layer moto's patched responses report to (the last one built)


def register(layer):
    _current["layer"] = layer
    _patch_responses()
    # moto lets a DELETE through only when its journal holds a CREATE or UPSERT
    # with the values in the same order and case; the record's values are a set
    # (and names are compared without case). change_batch below checks a DELETE
    # against the record as it is now.
    ChangeList.has_insert_or_update = _journal_has

    layer.rule(
        "route53-alias-elb-target",
        "ChangeResourceRecordSets CREATE/UPSERT of an alias to an Elastic Load Balancing DNS name (any case, "
        "trailing dot and `dualstack.` ignored) that no load balancer in that region has, or with an "
        "AliasTarget.HostedZoneId other than the load balancer's CanonicalHostedZoneId: InvalidChangeBatch 'Tried "
        "to create an alias that targets <name>., type A in zone <id>, but the alias target name does not lie "
        "within the target zone' / '..., but that target was not found' (any account's load balancer may be named)",
        API + "API_AliasTarget.html",
    )
    layer.rule(
        "route53-change-batch-records",
        "ChangeResourceRecordSets, checked in order as one transaction: a CREATE of a record set (name, type, set "
        "identifier) that exists, a DELETE of one that does not or whose values differ: InvalidChangeBatch 'Tried "
        "to create resource record set [name='…', type='…'] but it already exists' / 'Tried to delete resource "
        "record set [name='…', type='…'] but it was not found' / '… but the values provided do not match the "
        "current values', all of a batch's errors in one '[…, …]' (moto makes a second record set, and deletes "
        "by name and type)",
        API + "API_ChangeResourceRecordSets.html",
    )
    layer.rule(
        "route53-change-propagation",
        "a change (CreateHostedZone, ChangeResourceRecordSets, DeleteHostedZone, AssociateVPCWithHostedZone, "
        "DisassociateVPCFromHostedZone) has an id of its own and is PENDING, in its answer and in GetChange, until "
        "it has propagated (within 60 seconds), then INSYNC; GetChange of an unknown id: 404 NoSuchChange",
        API + "API_GetChange.html",
    )
    layer.rule(
        "route53-delete-zone-not-empty",
        "DeleteHostedZone while the zone holds records other than the SOA and NS records at its apex (a "
        "subdomain's NS delegation counts): HostedZoneNotEmpty 'The specified hosted zone contains non-required "
        "resource record sets and so cannot be deleted.' (moto refuses the other types, in other words)",
        API + "API_DeleteHostedZone.html",
    )
    layer.rule(
        "route53-private-zone-vpc",
        "CreateHostedZone with a VPC makes a private zone (moto: public unless PrivateZone is also set); "
        "CreateHostedZone or AssociateVPCWithHostedZone with a VPC that does not exist: InvalidVPCId, or already "
        "associated with a private zone of the same name: ConflictingDomainExists",
        API + "API_AssociateVPCWithHostedZone.html",
    )
    layer.rule(
        "route53-vpc-disassociation",
        "DisassociateVPCFromHostedZone of a VPC the zone is not associated with: 404 VPCAssociationNotFound (of "
        "the last VPC: LastVPCAssociation, which moto already refuses)",
        API + "API_DisassociateVPCFromHostedZone.html",
    )
    layer.rule(
        "route53-resolver",
        "what a name's A record resolves to (GET /gatewalk-strict/resolve?name=…&vpc=…): private zones associated "
        "with the VPC first, only with enableDnsSupport and enableDnsHostnames on, and a name they lack is "
        "NXDOMAIN; then public zones; an alias to a deleted load balancer is dangling (AWS keeps it; the control "
        "endpoint lists dangling_aliases)",
        "https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/hosted-zone-private-considerations.html",
    )

    @layer.before("route53", "ChangeResourceRecordSets")
    def change_batch(layer, call):
        zone = _zone(call)
        if zone is None:
            return  # moto: NoSuchHostedZone
        found = []  # (rule id, message)
        bindings = {}
        state = {D.key_of(r): _current_values(r) for r in zone.rrsets}
        for change in _changes(call):
            action = str(change.get("Action") or "").upper()
            rr = change.get("ResourceRecordSet") or {}
            if not isinstance(rr, dict):
                continue
            key = D.record_key(rr.get("Name"), rr.get("Type"), rr.get("SetIdentifier"))
            shown = f"[name='{key[0]}.', type='{key[1]}'" + (f", set-identifier='{key[2]}'" if key[2] else "") + "]"
            if action in ("CREATE", "UPSERT") and isinstance(rr.get("AliasTarget"), dict):
                errors, lb = _alias_errors(call, rr)
                found += [("route53-alias-elb-target", m) for m in errors]
                if lb is not None:
                    bindings[key] = lb.arn
            new = _request_values(rr)
            if action == "CREATE":
                if key in state:
                    found.append(("route53-change-batch-records",
                                  f"Tried to create resource record set {shown} but it already exists"))
                else:
                    state[key] = new
            elif action == "UPSERT":
                state[key] = new
            elif action == "DELETE":
                if key not in state:
                    found.append(("route53-change-batch-records",
                                  f"Tried to delete resource record set {shown} but it was not found"))
                elif state[key] != new:
                    found.append(("route53-change-batch-records",
                                  f"Tried to delete resource record set {shown} but the values provided do not "
                                  "match the current values"))
                else:
                    del state[key]
                    bindings[key] = None
        if found:
            for rule_id in {r for r, _ in found[1:]} - {found[0][0]}:
                layer.counts[rule_id] = layer.counts.get(rule_id, 0) + 1
            raise layer.refuse(found[0][0], "InvalidChangeBatch", "[" + ", ".join(m for _, m in found) + "]")
        call.stash = (zone.resource_id, bindings)

    @layer.after("route53", "ChangeResourceRecordSets")
    def bind_aliases(layer, call, _data):
        # An alias stays bound to the load balancer it was made for (see resolver.py).
        if not call.stash:
            return
        zid, bindings = call.stash
        for key, arn in bindings.items():
            if arn:
                layer.alias_bindings[(call.account, zid, key)] = arn
            else:
                layer.alias_bindings.pop((call.account, zid, key), None)

    @layer.before("route53", "GetChange")
    def get_change(layer, call):
        cid = unquote(call.param("Id") or "").split("/")[-1]
        change = layer.dns_changes.get((call.account, cid))
        if change is None:
            raise layer.refuse("route53-change-propagation", "NoSuchChange", f"Could not find resource with ID: {cid}",
                               status=404)
        comment = f"<Comment>{_esc(change['comment'])}</Comment>" if change.get("comment") else ""
        raise Answer(
            200, "text/xml",
            f'<?xml version="1.0" encoding="UTF-8"?>\n<GetChangeResponse xmlns="{XMLNS}"><ChangeInfo>'
            f"<Id>/change/{cid}</Id><Status>{change['status']}</Status>"
            f"<SubmittedAt>{_timestamp(change['submitted'])}</SubmittedAt>{comment}</ChangeInfo></GetChangeResponse>",
        )

    @layer.before("route53", "DeleteHostedZone")
    def zone_not_empty(layer, call):
        zone = _zone(call)
        if zone is None:
            return
        apex = D.norm(zone.name)
        for r in zone.rrsets:
            if D.norm(r.name) == apex and (r.type or "").upper() in ("SOA", "NS"):
                continue
            raise layer.refuse("route53-delete-zone-not-empty", "HostedZoneNotEmpty",
                               "The specified hosted zone contains non-required resource record sets and so cannot "
                               "be deleted.")

    @layer.after("route53", "DeleteHostedZone")
    def forget_zone(layer, call, _data):
        zid = D.zone_id(call.param("Id"))
        for k in [k for k in layer.alias_bindings if k[0] == call.account and k[1] == zid]:
            del layer.alias_bindings[k]

    @layer.before("route53", "CreateHostedZone", "AssociateVPCWithHostedZone")
    def private_zone_vpc(layer, call):
        vpc = call.param("VPC")
        if not isinstance(vpc, dict) or not vpc.get("VPCId"):
            return
        vpc_id = vpc["VPCId"]
        region = vpc.get("VPCRegion") or call.region
        if call.op == "CreateHostedZone":
            name = D.norm(call.param("Name"))
        else:
            zone = _zone(call)
            if zone is None or not zone.private_zone:
                return  # moto: NoSuchHostedZone, PublicZoneVPCAssociation
            name = D.norm(zone.name)
        try:
            exists = vpc_id in ec2_backends[call.account][region].vpcs
        except KeyError:
            exists = False
        if not exists:
            raise layer.refuse("route53-private-zone-vpc", "InvalidVPCId",
                               "The VPC ID that you specified either isn't a valid ID or the current account is not "
                               "authorized to access this VPC.")
        for other in D.route53(call.account, call.region).zones.values():
            if other.private_zone and D.norm(other.name) == name and _associated(other, vpc_id, region):
                if call.op == "CreateHostedZone":
                    message = (f"The VPC {vpc_id} in region {region} has already been associated with the hosted "
                               f"zone {other.resource_id} with the same domain name.")
                else:
                    message = (f"The VPC that you chose, {vpc_id} in region {region}, is already associated with "
                               f"another private hosted zone that has an overlapping name space, {other.name}.")
                raise layer.refuse("route53-private-zone-vpc", "ConflictingDomainExists", message)

    @layer.before("route53", "DisassociateVPCFromHostedZone")
    def not_associated(layer, call):
        zone = _zone(call)
        vpc = call.param("VPC")
        if zone is None or not zone.private_zone or not isinstance(vpc, dict):
            return
        vpc_id = vpc.get("VPCId")
        if vpc_id and not _associated(zone, vpc_id, vpc.get("VPCRegion") or call.region):
            raise layer.refuse("route53-vpc-disassociation", "VPCAssociationNotFound",
                               "The specified VPC and hosted zone are not currently associated.", status=404)


def _patch_responses():
    """Gives each ChangeInfo moto answers an id of its own, PENDING until it has
    propagated; and makes a zone created with a VPC private, as AWS does."""
    Route53 = r53_responses.Route53
    for name in CHANGE_OPS:
        original = getattr(Route53, name)
        if getattr(original, "_strict_layer", False):
            continue

        def wrapped(self, _original=original, _name=name):
            if _name == "create_hosted_zone":
                _private_if_vpc(self)
            result = _original(self)
            info = getattr(result, "result", None)
            layer = _current["layer"]
            if layer is not None and isinstance(info, dict) and isinstance(info.get("ChangeInfo"), dict):
                comment = None
                if _name == "change_resource_record_sets":
                    comment = self._get_param("ChangeBatch.Comment")
                info["ChangeInfo"] = _new_change(layer, self.current_account, info["ChangeInfo"], comment)
            return result

        wrapped._strict_layer = True
        setattr(Route53, name, wrapped)


def _private_if_vpc(response):
    params = getattr(response, "params", None)
    if not isinstance(params, dict):
        return
    vpc = params.get("VPC")
    if isinstance(vpc, dict) and vpc.get("VPCId"):
        config = params.get("HostedZoneConfig")
        if not isinstance(config, dict):
            config = params["HostedZoneConfig"] = {}
        config["PrivateZone"] = True


def _journal_has(self, new_rr_set):
    name = D.bare(new_rr_set.get("Name"))
    rtype = str(new_rr_set.get("Type") or "").upper()
    for change in self:
        if change.get("Action") not in ("CREATE", "UPSERT"):
            continue
        rr = change["ResourceRecordSet"]
        if D.bare(rr.get("Name")) != name or str(rr.get("Type") or "").upper() != rtype:
            continue
        if "TTL" not in rr:
            return True
        if (_ttl(rr.get("TTL")) == _ttl(new_rr_set.get("TTL"))
                and sorted(_value(v) for v in rr.get("ResourceRecords") or [])
                == sorted(_value(v) for v in new_rr_set.get("ResourceRecords") or [])):
            return True
    return False


def _new_change(layer, account, info, comment=None):
    cid = "C" + "".join(secrets.choice(ID_CHARS) for _ in range(20))
    submitted = info.get("SubmittedAt") or datetime.now(timezone.utc)
    comment = comment or info.get("Comment")
    change = {"status": "PENDING", "submitted": submitted, "comment": comment}
    layer.dns_changes[(account, cid)] = change

    def insync():
        change["status"] = "INSYNC"

    layer.timeline.schedule(("route53-change", account, cid), CHANGE_PROPAGATION_SECONDS, insync)
    out = dict(info, Id=f"/change/{cid}", Status="PENDING")
    if comment:
        out["Comment"] = comment
    return out


def _timestamp(when):
    if isinstance(when, datetime):
        if when.tzinfo is not None:
            when = when.astimezone(timezone.utc).replace(tzinfo=None)
        return when.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    return str(when)


def _esc(s):
    return str(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _zone(call):
    zid = D.zone_id(unquote(call.param("Id") or ""))
    return D.route53(call.account, call.region).zones.get(zid) if zid else None


def _changes(call):
    batch = call.param("ChangeBatch") or {}
    changes = batch.get("Changes") if isinstance(batch, dict) else None
    if isinstance(changes, dict):  # one change, should the list not have been recognised
        changes = [changes.get("Change", changes)]
    return [c for c in (changes or []) if isinstance(c, dict)]


def _associated(zone, vpc_id, region):
    return any(v.get("vpc_id") == vpc_id and v.get("vpc_region") in (None, region) for v in zone.vpcs)


def _alias_errors(call, rr):
    """Route 53's complaints about an alias to a load balancer, and the load balancer it names."""
    at = rr["AliasTarget"]
    target = str(at.get("DNSName") or "")
    region = D.elb_region(target)
    if region is None:
        return [], None  # not a load balancer's name: not modelled
    zid = D.zone_id(at.get("HostedZoneId"))
    shown = target if target.endswith(".") else target + "."
    head = f"Tried to create an alias that targets {shown}, type {str(rr.get('Type') or '').upper()} in zone {zid}"
    outside = head + ", but the alias target name does not lie within the target zone"
    lb = D.load_balancer_by_dns(call.account, region, target)
    if lb is not None:
        return ([outside] if zid != lb.canonical_hosted_zone_id else []), lb
    errors = [] if zid in D.elb_zone_ids(call.account, region) else [outside]
    return errors + [head + ", but that target was not found"], None


def _plain(v):
    """A value as compared: dicts by sorted items, booleans and strings lowercased."""
    if isinstance(v, dict):
        return tuple(sorted((k, _plain(x)) for k, x in v.items()))
    if isinstance(v, (list, tuple)):
        return tuple(_plain(x) for x in v)
    return str(v).strip().lower()


def _ttl(v):
    try:
        return int(v)
    except (TypeError, ValueError):
        return None


def _alias(at):
    if not isinstance(at, dict):
        return None
    return (D.bare(at.get("DNSName")), D.zone_id(at.get("HostedZoneId")), _plain(at.get("EvaluateTargetHealth")))


def _value(v):
    return str(v.get("Value") if isinstance(v, dict) else v).strip()


def _request_values(rr):
    records = rr.get("ResourceRecords") or []
    if isinstance(records, dict):
        records = [records.get("ResourceRecord", records)]
    routing = tuple((k, _plain(rr[k])) for k in ROUTING if rr.get(k) not in (None, "", {}))
    return (_ttl(rr.get("TTL")), tuple(sorted(_value(v) for v in records)), _alias(rr.get("AliasTarget")), routing)


def _current_values(r):
    routing = []
    for k, attr in MOTO_ROUTING.items():
        v = getattr(r, attr, None)
        if v not in (None, "", {}):
            routing.append((k, _plain(v)))
    routing = tuple(sorted(routing, key=lambda kv: ROUTING.index(kv[0])))
    return (_ttl(r.ttl), tuple(sorted(_value(v) for v in (r.records or []))), _alias(r.alias_target), routing)

