"""API Gateway's data plane: what `https://{api}.execute-api.{region}.amazonaws.com/{stage}/…`
answers, from the model.

gatewalk (in the sandbox) sends the invoke URL's request here with the
execute-api host in the Host header. The answer follows API Gateway:
- a stage serves the API as it was when the stage's deployment was made
  (an edit without a new deployment changes nothing):
  https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-deploy-api.html
- no stage in the path, or an unknown one: 403 {"message":"Forbidden"};
- no resource or method for the path: 403 {"message":"Missing Authentication Token"}
  (the gateway response MISSING_AUTHENTICATION_TOKEN):
  https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html
- an HTTP_PROXY integration through a VPC link goes to the link's network load
  balancer on the URI's port; the link must be AVAILABLE, the load balancer
  needs a listener on that port and a target to pass the connection to
  (healthy ones first; when none is healthy an NLB fails open to all of them):
  https://docs.aws.amazon.com/elasticloadbalancing/latest/network/target-group-health-checks.html
- an `https://` URI needs a TLS listener on its port whose certificate is
  ISSUED, names the URI's host and comes from a certificate authority API
  Gateway trusts (an imported one only with tlsConfig.insecureSkipVerification),
  rules_acm.tls_failure; the listener passes plain TCP on to the targets. An
  `http://` URI to a TLS listener, or `https://` to a TCP one, fails:
  https://docs.aws.amazon.com/apigateway/latest/api/API_TlsConfig.html
- a connection that cannot be made (VPC link not AVAILABLE, no listener, no
  target, a security group that drops it, nothing listening): 500
  {"message":"Internal server error"} ("Execution failed due to configuration
  error" in the execution log):
  https://repost.aws/knowledge-center/api-gateway-500-error-vpc
- otherwise the container's own answer, passed through unchanged (HTTP_PROXY).
"""

import json
from http import HTTPStatus
import re
import uuid
from urllib.parse import urlsplit

from moto.apigateway.models import apigateway_backends

import backends as B
import container as C
import health
import net
import rules_acm as acm
import tasks as T

HOST = re.compile(r"^(?P<api>[a-z0-9]+)\.execute-api\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?::\d+)?$")
MARK = ("x-gatewalk-sandbox", "data-plane")


def is_invoke(environ):
    return HOST.match(environ.get("HTTP_HOST", "")) is not None


def snapshot(layer, call, data):
    """After CreateDeployment: the API's routes as this deployment serves them."""
    try:
        dep_id = json.loads(data or b"{}").get("id")
    except ValueError:
        return
    api_id = [p for p in call.path.split("/") if p][1]
    api = B.apigw(call).apis.get(api_id)
    if api is None or not dep_id:
        return
    routes = {}
    for r in api.resources.values():
        methods = {}
        for verb, m in r.resource_methods.items():
            i = m.method_integration
            methods[verb] = None if i is None else {
                "type": i.integration_type,
                "uri": i.uri,
                "connectionType": getattr(i, "connection_type", None),
                "connectionId": getattr(i, "connection_id", None),
                "timeout": getattr(i, "timeout_in_millis", None),
                "tlsConfig": getattr(i, "tls_config", None),
            }
        routes[r.get_path()] = methods
    layer.snapshots[(call.account, api_id, dep_id)] = routes


def _find_api(api_id, region):
    for account, regions in list(apigateway_backends.items()):
        b = regions[region] if region in regions else None
        if b is not None and api_id in b.apis:
            return account, b, b.apis[api_id]
    return None, None, None


def _match(routes, path):
    """(resource path, proxy value) of the resource serving `path`."""
    if path in routes:
        return path, None
    best = None
    for rp in routes:
        pattern = "^" + re.sub(r"\\\{[^/]+?\\\+\\\}", "(?P<proxy>.+)", re.sub(r"\\\{[^/+]+\\\}", "[^/]+", re.escape(rp)))
        m = re.match(pattern + "$", path)
        if m and (best is None or len(rp) > len(best[0])):
            best = (rp, m.groupdict().get("proxy"))
    return best if best else (None, None)


class Reply:
    """An answer, and how long API Gateway takes to give it."""

    def __init__(self, status, body, ctype="application/json", why=""):
        self.why = why  # what API Gateway's execution log would say; sent as a header
        self.status = status
        self.body = body.encode() if isinstance(body, str) else body
        self.ctype = ctype

    def send(self, start_response):
        headers = [("Content-Type", self.ctype), ("Content-Length", str(len(self.body))),
                   ("x-amzn-RequestId", str(uuid.uuid4())), MARK]
        if self.why:
            headers.append(("x-gatewalk-sandbox-why", self.why))
        start_response(f"{self.status} {HTTPStatus(self.status).phrase}", headers)
        return [self.body]


def _message(status, message, why):
    # API Gateway's bodies are compact JSON: {"message":"Forbidden"}.
    return Reply(status, json.dumps({"message": message}, separators=(",", ":")), why=why)


def answer(layer, environ):
    """The Reply to an invoke URL request."""
    m = HOST.match(environ.get("HTTP_HOST", ""))
    api_id, region = m.group("api"), m.group("region")
    method = environ.get("REQUEST_METHOD", "GET")
    parts = environ.get("PATH_INFO", "/").split("/", 2)
    stage_name = parts[1] if len(parts) > 1 else ""
    path = "/" + (parts[2] if len(parts) > 2 else "")
    account, backend, api = _find_api(api_id, region)
    stage = api.stages.get(stage_name) if api is not None and stage_name else None
    if stage is None:
        return _message(403, "Forbidden", f"no stage {stage_name!r} in API {api_id}")
    routes = layer.snapshots.get((account, api_id, stage.deployment_id))
    if routes is None:
        return _message(403, "Forbidden", f"stage {stage_name} has no deployment the sandbox saw made")
    rp, proxy = _match(routes, path)
    methods = routes.get(rp) or {}
    integration = methods.get(method) or methods.get("ANY")
    if rp is None or integration is None:
        return _message(403, "Missing Authentication Token", f"no resource and method for {method} {path}")
    where = T.Where(account, region)
    agent = environ.get("HTTP_USER_AGENT", "-")
    return _through_link(layer, where, backend, stage, integration, (method, path, proxy, agent))


def _through_link(layer, where, backend, stage, integration, request):
    method, path, proxy, agent = request
    if integration.get("connectionType") != "VPC_LINK" or integration.get("type") not in ("HTTP_PROXY", "HTTP"):
        # Only the VPC link's path is modelled; nothing else is reachable from here.
        return _message(500, "Internal server error", "the integration is not an HTTP integration through a VPC link")
    link_id = integration.get("connectionId") or ""
    var = re.match(r"^\$\{stageVariables\.(\w+)\}$", link_id)
    if var:
        link_id = (stage.variables or {}).get(var.group(1), "")
    link = backend.vpc_links.get(link_id)
    if link is None or link.status != "AVAILABLE":
        state = link.status if link else "missing"
        return _message(500, "Internal server error", f"VPC link {link_id or '(none)'} is {state}")
    uri = urlsplit((integration.get("uri") or "").replace("{proxy}", proxy or ""))
    https = uri.scheme == "https"
    port = uri.port or (443 if https else 80)
    lb = next((B.load_balancer(where, arn) for arn in link.target_arns or []), None)
    listener = next((x for x in (lb.listeners.values() if lb else []) if int(x.port) == port), None)
    if lb is None or lb.state != "active" or listener is None:
        return _message(500, "Internal server error", f"the VPC link's load balancer has no active listener on {port}")
    # A TLS listener ends the TLS connection at the load balancer and passes
    # plain TCP on to its targets (rules_acm.py).
    tls_listener = str(listener.protocol).upper() == "TLS"
    if tls_listener and not https:
        return _message(500, "Internal server error", f"Execution failed due to configuration error: the listener "
                        f"on {port} is TLS and the integration URI is http://: the load balancer waits for a TLS "
                        "handshake and closes the connection")
    if tls_listener:
        skip = str((integration.get("tlsConfig") or {}).get("insecureSkipVerification")).lower() == "true"
        failure = acm.tls_failure(where, listener, uri.hostname, skip)
        if failure:
            return _message(500, "Internal server error", failure)
    life, target_port = _pick_target(layer, where, lb, listener, port)
    if life is None:
        return _message(500, "Internal server error", "no running target in a zone the load balancer has")
    td = B.task_definition(where, life.task.task_definition_arn)
    image, ports = C.first(td)
    if not net.admits(where, [g.id for g in life.eni.group_set], target_port, net.lb_addresses(where, lb),
                      list(lb.security_groups or [])):
        return _message(500, "Internal server error", f"the task's security groups drop TCP {target_port} "
                        "from the load balancer")
    if target_port not in C.listens_on(image, ports):
        return _message(500, "Internal server error", f"the container does not listen on {target_port}")
    if https and not tls_listener:
        return _message(500, "Internal server error", "Execution failed due to configuration error: Unrecognized "
                        f"SSL message, plaintext connection? (the listener on {port} is {listener.protocol}: the TLS "
                        "handshake goes through to the container, which answers in plain HTTP)")
    upstream = uri.path or "/"
    status, ctype, body = C.answer(image, method, upstream)
    client = (net.lb_addresses(where, lb) or ["10.0.0.1"])[0]
    C.write(where.account, where.region, life.task.id, td,
            [C.access_line(client, method, upstream, status, len(body.encode()), agent)])
    return Reply(status, body, ctype)


def _pick_target(layer, where, lb, listener, port):
    """A running target of the listener's group in a zone the NLB has: a
    healthy one, else (fail open) any."""
    elb = B.elbv2(where)
    arns = net.forwarded_groups(where, listener)
    now = layer.clock.now()
    fallback = None
    for arn in sorted(arns):
        tg = elb.target_groups.get(arn)
        for tid, t in (tg.targets.items() if tg else []):
            life = layer.by_ip.get((where.account, where.region, tid))
            if life is None or life.phase != "RUNNING" or life.stop_at is not None:
                continue
            tport = int(t.get("Port") or tg.port or port)
            state = health.of(layer, where, arn, life, tport, now)[0]
            if state == "healthy":
                return life, tport
            if state in ("unhealthy", "initial") and fallback is None:
                fallback = (life, tport)
    return fallback if fallback else (None, None)
