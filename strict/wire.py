"""The wire: which service and operation a request is, its parameters, and AWS's
error format for each protocol (EC2 query, other query services, JSON, REST-JSON,
REST-XML)."""

import io
import json
import re
import uuid
import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, unquote

# `<prefix>.<Operation>`; prefixes such as ECR's `AmazonEC2ContainerRegistry_V20150921` and
# CloudWatch Logs' `Logs_20140328` carry an underscore.
JSON_TARGET = re.compile(r"^[A-Za-z0-9_]+\.(?P<op>[A-Za-z]+)$")


class Call:
    """One request as AWS sees it."""

    def __init__(self, service, op, region, account, params, path, method, protocol):
        self.service = service  # signing name: ec2, ecs, elasticloadbalancing, apigateway, iam, sts
        self.op = op
        self.region = region
        self.account = account
        self.params = params  # dict: flat query params, JSON body, or REST body
        self.path = path
        self.method = method
        self.protocol = protocol  # ec2 | query | json | rest | rest-xml
        self.rewritten = False  # a JSON call whose params a rule changed (sent on as changed; JSON only)
        self.stash = None  # what a rule noted before moto ran, for the hook after

    def param(self, name, default=None):
        return self.params.get(name, default)

    def members(self, prefix):
        """Query-protocol list `Prefix.member.N` (or `Prefix.N` for EC2) in order."""
        found = []
        pat = re.compile(rf"^{re.escape(prefix)}\.(?:member\.)?(\d+)$")
        for k, v in self.params.items():
            m = pat.match(k)
            if m:
                found.append((int(m.group(1)), v))
        return [v for _, v in sorted(found)]


class Refusal(Exception):
    """What AWS answers instead of doing the call."""

    def __init__(self, code, message, status=400, headers=None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.headers = headers or {}


class Answer(Exception):
    """What AWS answers where moto would do something else (the layer answers itself)."""

    def __init__(self, status, content_type, body):
        super().__init__(body)
        self.status = status
        self.content_type = content_type
        self.body = body.encode("utf-8") if isinstance(body, str) else body


def read_body(environ):
    try:
        size = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        size = 0
    body = environ["wsgi.input"].read(size) if size else b""
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def credential_scope(environ):
    """(service, region, access key) from a SigV4 Authorization header."""
    auth = environ.get("HTTP_AUTHORIZATION", "")
    m = re.search(r"Credential=([^/,\s]+)/\d+/([^/]+)/([^/]+)/aws4_request", auth)
    if not m:
        return None, None, None
    return m.group(3), m.group(2), m.group(1)


def rest_operation(method, path):
    """API Gateway's operation from method and path (only those the layer rules on)."""
    parts = [p for p in path.split("/") if p]
    if parts[:1] == ["restapis"]:
        if len(parts) == 1:
            return {"POST": "CreateRestApi", "GET": "GetRestApis"}.get(method, "Other")
        if len(parts) == 2:
            return {"DELETE": "DeleteRestApi", "PUT": "PutRestApi", "GET": "GetRestApi"}.get(method, "Other")
        if parts[2] == "deployments" and len(parts) == 3 and method == "POST":
            return "CreateDeployment"
        if parts[2] == "resources":
            if len(parts) == 3 and method == "GET":
                return "GetResources"
            if len(parts) == 4 and method == "POST":
                return "CreateResource"
            if len(parts) == 4 and method == "DELETE":
                return "DeleteResource"
            if len(parts) == 7 and parts[4] == "methods" and parts[6] == "integration" and method == "PUT":
                return "PutIntegration"
    if parts[:1] == ["vpclinks"]:
        if len(parts) == 1:
            return {"POST": "CreateVpcLink", "GET": "GetVpcLinks"}.get(method, "Other")
        return {"DELETE": "DeleteVpcLink", "GET": "GetVpcLink"}.get(method, "Other")
    return "Other"


# REST-XML services (signing name -> the XML namespace of their documents). Only
# Route 53 here: S3 is REST-XML too but the layer has no S3 rules.
REST_XML = {"route53": "https://route53.amazonaws.com/doc/2013-04-01/"}

# Route 53's operations by method and path (the API reference's request syntax;
# `{Name}` is a path parameter, put in the Call's params under that name).
ROUTE53_ROUTES = [
    ("POST", "/2013-04-01/hostedzone", "CreateHostedZone"),
    ("GET", "/2013-04-01/hostedzone", "ListHostedZones"),
    ("GET", "/2013-04-01/hostedzone/{Id}", "GetHostedZone"),
    ("DELETE", "/2013-04-01/hostedzone/{Id}", "DeleteHostedZone"),
    ("POST", "/2013-04-01/hostedzone/{Id}", "UpdateHostedZoneComment"),
    ("POST", "/2013-04-01/hostedzone/{Id}/rrset", "ChangeResourceRecordSets"),
    ("GET", "/2013-04-01/hostedzone/{Id}/rrset", "ListResourceRecordSets"),
    ("POST", "/2013-04-01/hostedzone/{Id}/associatevpc", "AssociateVPCWithHostedZone"),
    ("POST", "/2013-04-01/hostedzone/{Id}/disassociatevpc", "DisassociateVPCFromHostedZone"),
    ("POST", "/2013-04-01/hostedzone/{Id}/authorizevpcassociation", "CreateVPCAssociationAuthorization"),
    ("GET", "/2013-04-01/hostedzone/{Id}/authorizevpcassociation", "ListVPCAssociationAuthorizations"),
    ("POST", "/2013-04-01/hostedzone/{Id}/deauthorizevpcassociation", "DeleteVPCAssociationAuthorization"),
    ("GET", "/2013-04-01/hostedzone/{Id}/dnssec", "GetDNSSEC"),
    ("GET", "/2013-04-01/change/{Id}", "GetChange"),
    ("GET", "/2013-04-01/hostedzonesbyname", "ListHostedZonesByName"),
    ("GET", "/2013-04-01/hostedzonesbyvpc", "ListHostedZonesByVPC"),
    ("GET", "/2013-04-01/hostedzonecount", "GetHostedZoneCount"),
    ("POST", "/2013-04-01/delegationset", "CreateReusableDelegationSet"),
    ("GET", "/2013-04-01/delegationset", "ListReusableDelegationSets"),
    ("GET", "/2013-04-01/delegationset/{Id}", "GetReusableDelegationSet"),
    ("DELETE", "/2013-04-01/delegationset/{Id}", "DeleteReusableDelegationSet"),
    ("POST", "/2013-04-01/healthcheck", "CreateHealthCheck"),
    ("GET", "/2013-04-01/healthcheck", "ListHealthChecks"),
    ("GET", "/2013-04-01/healthcheck/{HealthCheckId}", "GetHealthCheck"),
    ("POST", "/2013-04-01/healthcheck/{HealthCheckId}", "UpdateHealthCheck"),
    ("DELETE", "/2013-04-01/healthcheck/{HealthCheckId}", "DeleteHealthCheck"),
    ("GET", "/2013-04-01/healthcheck/{HealthCheckId}/status", "GetHealthCheckStatus"),
    ("POST", "/2013-04-01/tags/{ResourceType}", "ListTagsForResources"),
    ("GET", "/2013-04-01/tags/{ResourceType}/{ResourceId}", "ListTagsForResource"),
    ("POST", "/2013-04-01/tags/{ResourceType}/{ResourceId}", "ChangeTagsForResource"),
    ("POST", "/2013-04-01/queryloggingconfig", "CreateQueryLoggingConfig"),
    ("GET", "/2013-04-01/queryloggingconfig", "ListQueryLoggingConfigs"),
    ("GET", "/2013-04-01/queryloggingconfig/{Id}", "GetQueryLoggingConfig"),
    ("DELETE", "/2013-04-01/queryloggingconfig/{Id}", "DeleteQueryLoggingConfig"),
]


def _route(template):
    names = re.findall(r"{(\w+)}", template)
    pattern = re.sub(r"{\w+}", "([^/]+)", template)
    # A trailing slash is optional (boto3 sends `rrset/`, the Rust SDK `rrset`).
    return re.compile(f"^{pattern}/?$"), names


ROUTES = {"route53": [(method, *_route(t), op) for method, t, op in ROUTE53_ROUTES]}


def rest_xml_operation(service, method, path):
    """(operation, path parameters) of a REST-XML request; ("Other", {}) when unknown."""
    for m, pattern, names, op in ROUTES.get(service, []):
        if m != method:
            continue
        found = pattern.match(path)
        if found:
            return op, {n: unquote(v) for n, v in zip(names, found.groups())}
    return "Other", {}


def _local(tag):
    return tag.rsplit("}", 1)[-1]


def _xml_value(el):
    """An element as Python: text for a leaf, a list for a list wrapper, else a dict.
    A wrapper is a list when all its children share one name C and it has more than
    one of them, or its own name ends in C + "s" (Changes/Change,
    ResourceRecords/ResourceRecord, AddTags/Tag, RemoveTagKeys/Key, VPCs/VPC): the
    REST-XML services' convention for lists."""
    children = list(el)
    if not children:
        return (el.text or "").strip()
    names = {_local(c.tag) for c in children}
    if len(names) == 1:
        child = names.pop()
        if len(children) > 1 or _local(el.tag).endswith(child + "s"):
            return [_xml_value(c) for c in children]
    out = {}
    for c in children:
        out[_local(c.tag)] = _xml_value(c)
    return out


def xml_params(body):
    """The request document's members (its root element unwrapped), or {}."""
    if not body:
        return {}
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return {}
    value = _xml_value(root)
    return value if isinstance(value, dict) else {}


def parse(environ, body, account_of):
    """Builds the Call for a request, or None for what is not an AWS API call."""
    service, region, key = credential_scope(environ)
    if service is None:
        return None
    account = environ.get("HTTP_X_MOTO_ACCOUNT_ID") or account_of(key)
    method = environ.get("REQUEST_METHOD", "GET")
    path = environ.get("PATH_INFO", "/")
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        m = JSON_TARGET.match(target)
        try:
            params = json.loads(body or b"{}")
        except ValueError:
            params = {}
        return Call(service, m.group("op") if m else target, region, account, params, path, method, "json")
    if service == "apigateway":
        try:
            params = json.loads(body) if body else {}
        except ValueError:
            params = {}
        return Call(service, rest_operation(method, path), region, account, params, path, method, "rest")
    if service in REST_XML:
        op, path_params = rest_xml_operation(service, method, path)
        params = {}
        for k, v in parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True).items():
            params[k] = v[0]
        params.update(xml_params(body))
        params.update(path_params)
        return Call(service, op, region, account, params, path, method, "rest-xml")
    text = body.decode("utf-8", "replace") if body else ""
    qs = environ.get("QUERY_STRING", "")
    flat = {}
    for source in (qs, text):
        for k, v in parse_qs(source, keep_blank_values=True).items():
            flat[k] = v[0]
    protocol = "ec2" if service == "ec2" else "query"
    return Call(service, flat.get("Action", "Other"), region, account, flat, path, method, protocol)


def _xml_escape(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def error_response(call, refusal):
    """(status, headers, body) of AWS's error answer in the call's protocol."""
    rid = str(uuid.uuid4())
    code, msg = refusal.code, refusal.message
    if call.protocol == "ec2":
        ctype = "text/xml"
        body = (
            f"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Errors><Error><Code>{code}</Code>"
            f"<Message>{_xml_escape(msg)}</Message></Error></Errors><RequestID>{rid}</RequestID></Response>"
        )
    elif call.protocol == "query":
        ctype = "text/xml"
        kind = "Receiver" if refusal.status >= 500 else "Sender"
        body = (
            f"<ErrorResponse><Error><Type>{kind}</Type><Code>{code}</Code><Message>{_xml_escape(msg)}</Message>"
            f"</Error><RequestId>{rid}</RequestId></ErrorResponse>"
        )
    elif call.protocol == "rest-xml":
        # Route 53's errors (the status is the API reference's: 400 unless it says otherwise).
        ctype = "text/xml"
        kind = "Receiver" if refusal.status >= 500 else "Sender"
        ns = REST_XML.get(call.service, "")
        xmlns = f' xmlns="{ns}"' if ns else ""
        body = (
            f"<?xml version=\"1.0\"?>\n<ErrorResponse{xmlns}><Error><Type>{kind}</Type><Code>{code}</Code>"
            f"<Message>{_xml_escape(msg)}</Message></Error><RequestId>{rid}</RequestId></ErrorResponse>"
        )
    elif call.protocol == "json":
        ctype = "application/x-amz-json-1.1"
        body = json.dumps({"__type": code, "message": msg})
    else:
        ctype = "application/json"
        body = json.dumps({"message": msg})
    headers = [
        ("Content-Type", ctype),
        ("x-amzn-RequestId", rid),
        ("x-amzn-ErrorType", code),
        ("x-gatewalk-strict", "refused"),
    ]
    headers += list(refusal.headers.items())
    return refusal.status, headers, body.encode("utf-8")
