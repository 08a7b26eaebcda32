"""API Gateway: the control plane's per-account rate limits, and VPC links that
are PENDING before AVAILABLE and DELETING before they are gone.

Typical times (seconds at `real` pace): a REST API VPC link is PENDING for two to
four minutes (three here) and DELETING for about a minute.
"""

import math

from moto.apigateway.models import Integration, VpcLink

import backends as B
from wire import Answer

LINK_PENDING_SECONDS = 180
LINK_DELETING_SECONDS = 60

# https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html
# "API Gateway quotas for creating, deploying and managing an API": (calls, per seconds).
RATES = {
    "CreateRestApi": (1, 3),
    "DeleteRestApi": (1, 30),
    "CreateDeployment": (1, 5),
    "CreateResource": (5, 1),
    "DeleteResource": (5, 1),
    "GetResources": (5, 2),
    "PutRestApi": (1, 1),
}
# "Total operations: 10 requests per second with a burst quota of 40 requests per second."
TOTAL = (40, 4)


def _link_json(self):
    out = dict(_moto_link_json(self))
    if getattr(self, "status_message", None):
        out["statusMessage"] = self.status_message
    return out


_moto_link_json = VpcLink.to_json


def _integration_json(self):
    out = dict(_moto_integration_json(self))
    if getattr(self, "connection_id", None):
        out["connectionId"] = self.connection_id
    return out


_moto_integration_json = Integration.to_json


def register(layer):
    # moto does not render a link's statusMessage, which says why it FAILED.
    VpcLink.to_json = _link_json
    # moto drops an integration's connectionId (the VPC link it goes
    # through); AWS keeps and returns it.
    Integration.to_json = _integration_json
    layer.rule(
        "apigw-throttle",
        "control-plane rate limits per account: CreateRestApi 1/3 s, DeleteRestApi 1/30 s, CreateDeployment 1/5 s, "
        "CreateResource and DeleteResource 5/s, GetResources 5/2 s, all operations 10/s with a burst of 40: "
        "429 TooManyRequestsException",
        "https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html",
    )
    layer.rule(
        "apigw-integration-connection",
        "an integration keeps the connectionId (VPC link) it was put with, and GetIntegration, GetMethod and "
        "GetResources(embed=methods) return it",
        "https://docs.aws.amazon.com/apigateway/latest/api/API_Integration.html",
    )
    layer.rule(
        "apigw-vpc-link-states",
        "a REST API VPC link is PENDING before AVAILABLE (FAILED when its load balancer is not active), and "
        "DELETING before it is gone",
        "https://docs.aws.amazon.com/apigateway/latest/api/API_VpcLink.html",
    )

    @layer.before("apigateway", *list(RATES), "Other", "PutIntegration", "GetRestApis", "GetRestApi", "CreateVpcLink",
                  "GetVpcLinks", "GetVpcLink", "DeleteVpcLink")
    def throttle(layer, call):
        waits = [layer.buckets.take(("apigw", call.account, call.region, "*"), *TOTAL)]
        if call.op in RATES:
            waits.append(layer.buckets.take(("apigw", call.account, call.region, call.op), *RATES[call.op]))
        wait = max((w for w in waits if w is not None), default=None)
        if wait is not None:
            raise layer.refuse(
                "apigw-throttle",
                "TooManyRequestsException",
                "Too Many Requests",
                status=429,
                headers={"Retry-After": str(max(1, math.ceil(wait)))},
            )

    @layer.after("apigateway", "CreateVpcLink")
    def pending(layer, call, _data):
        b = B.apigw(call)
        fresh = [l for l in b.vpc_links.values() if l.status == "AVAILABLE" and not getattr(l, "_gw_seen", False)]
        for link in fresh:
            link._gw_seen = True
            link.status = "PENDING"
            link.status_message = "VPC link is provisioning ENIs"
            layer.timeline.schedule(("link", link.id), LINK_PENDING_SECONDS, lambda l=link: settle(call, l))

    @layer.after("apigateway", "PutIntegration")
    def keep_connection(layer, call, _data):
        parts = [p for p in call.path.split("/") if p]
        api, resource, verb = parts[1], parts[3], parts[5]
        integration = B.apigw(call).get_integration(api, resource, verb)
        if integration is not None:
            integration.connection_id = call.param("connectionId")

    @layer.before("apigateway", "DeleteVpcLink")
    def deleting(layer, call):
        link_id = call.path.rstrip("/").split("/")[-1]
        b = B.apigw(call)
        link = b.vpc_links.get(link_id)
        if link is None:
            return
        if link.status != "DELETING":
            link.status = "DELETING"
            link.status_message = "VPC link is being deleted"
            layer.timeline.schedule(("link", link.id), LINK_DELETING_SECONDS, lambda: b.vpc_links.pop(link_id, None))
        raise Answer(202, "application/json", "")


def settle(call, link):
    if link.status != "PENDING":
        return
    lbs = [B.load_balancer(call, arn) for arn in link.target_arns or []]
    if lbs and all(lb is not None and lb.state == "active" for lb in lbs):
        link.status = "AVAILABLE"
        link.status_message = "Your vpc link is ready for use"
    else:
        link.status = "FAILED"
        link.status_message = "NLB ARN is malformed or the load balancer is not active"
