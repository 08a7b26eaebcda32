"""AWS Certificate Manager (JSON, signing name `acm`) and TLS listeners on
Network Load Balancers: certificates validated by DNS as ACM validates them,
listeners refused a certificate that does not exist or is not issued, a
certificate in use that cannot be deleted, and what API Gateway's HTTPS
connection through a VPC link meets at a TLS listener.

- DNS validation: a certificate requested with ValidationMethod=DNS is
  PENDING_VALIDATION until, for each of its domain names, the CNAME record of
  DescribeCertificate's DomainValidationOptions[].ResourceRecord is in a public
  hosted zone (this account's Route 53) that holds the record's name, with that
  value; ACM queries public DNS, so a private hosted zone never validates. The
  domain's ValidationStatus then becomes SUCCESS and, once every domain has, the
  certificate ISSUED. The record is one per domain name and account ("Each
  record, created specifically for your domain and your account"), so a record
  already in place validates a new request for the same name, and `*.example.com`
  and `example.com` share one. moto issues every requested certificate 60 seconds
  after the request (MOTO_ACM_VALIDATION_WAIT), record or none, and gives every
  domain of every account the same record; the layer keeps the certificate
  pending and gives each domain its own record. A certificate requested without
  ValidationMethod=DNS waits for an e-mail approval nobody can give in the
  sandbox: it stays PENDING_VALIDATION (its DomainValidationOptions name the five
  approver mailboxes, and no ResourceRecord).
  https://docs.aws.amazon.com/acm/latest/userguide/dns-validation.html
- DescribeCertificate as ACM answers it: DomainName, then SubjectAlternativeNames
  in the order requested (moto: a set's order); IssuedAt only once issued;
  InUseBy the load balancers (not listeners, as moto lists) whose TLS or HTTPS
  listeners use the certificate. An imported certificate keeps its common name and
  subject alternative names, the CN among them ("The subject alternative names
  include the canonical domain name (CN) of the certificate").
  https://docs.aws.amazon.com/acm/latest/APIReference/API_CertificateDetail.html
- CreateListener, ModifyListener and AddListenerCertificates with a TLS (or
  HTTPS) listener: no certificate: ValidationError 'A certificate must be
  specified for TLS listeners'; a certificate ARN that is not in ACM in the
  listener's account and region: CertificateNotFound "Certificate '<arn>' not
  found" (moto refuses it too: 'Supplied certificate was not found');
  one that is not ISSUED (still PENDING_VALIDATION — the usual race of a template
  that does not wait for validation): UnsupportedCertificate "The certificate
  '<arn>' must have a fully-qualified domain name, a supported signature, and a
  supported key size." (what ELB answers since about 2022; it used to answer
  CertificateNotFound); an SslPolicy that does not exist: SSLPolicyNotFound; an
  SslPolicy on a TCP, UDP or HTTP listener: ValidationError 'An SSL policy cannot
  be specifed for TCP listeners' (AWS's spelling). moto's ModifyListener refused
  Protocol TLS (UnsupportedProtocol); it is accepted for a network load balancer,
  and the listener's certificates follow its protocol.
  https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-troubleshooting.html#acm-cert-unavailable
  https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateListener.html
- DeleteCertificate of a certificate a load balancer uses: ResourceInUseException
  "Certificate <arn> in account <id> is in use." (moto deletes it). A load
  balancer that lets a certificate go (DeleteListener, DeleteLoadBalancer,
  ModifyListener, RemoveListenerCertificates) stays in its InUseBy for a few
  seconds: ACM learns of it late, so a teardown that deletes the certificate right
  after the listener is refused once and must try again.
  https://docs.aws.amazon.com/acm/latest/APIReference/API_DeleteCertificate.html
- The data plane (invoke.py asks `tls_failure`): API Gateway's HTTPS connection to
  a TLS listener succeeds when the listener's certificate is ISSUED, names the
  integration URI's host (exactly, or by a wildcard for one label), and chains to
  a certificate authority API Gateway trusts — an ACM-issued certificate does; an
  imported one is taken to be from a private CA or self-signed, accepted only with
  the integration's tlsConfig.insecureSkipVerification (which still checks the
  host name). The reasons are the execution log's: 'PKIX path building failed:
  …' for a certificate API Gateway does not trust, as AWS shows it for a
  self-signed one (knowledge-center/api-gateway-ssl-certificate-errors), and
  "Host name '…' does not match the certificate subject provided by the peer
  (CN=…)" (knowledge-center/api-gateway-500-error-vpc). For an http:// URI to a
  TLS listener, and an https:// URI to a TCP listener (whose TLS handshake reaches
  a container that speaks plain HTTP: Java's 'Unrecognized SSL message, plaintext
  connection?'), AWS's log line is not known; the reason says what happens.
  https://docs.aws.amazon.com/apigateway/latest/api/API_TlsConfig.html
  https://repost.aws/knowledge-center/api-gateway-500-error-vpc

The messages are ELB's and ACM's as their users quote them: UnsupportedCertificate
for a pending certificate (terraform-provider-aws#41789, govuk-paas/paas-cf#3063,
DataBiosphere/azul#8321), CertificateNotFound (terraform-provider-aws#11334,
aws-cdk#6081), 'A certificate must be specified for HTTPS listeners'
(pulumi/pulumi#15712; TLS in the same words), 'An SSL policy cannot be specifed
for TCP listeners' (kubernetes-sigs/aws-load-balancer-controller#1661),
ResourceInUseException (terraform-provider-aws#3866, dfds/infrastructure-modules#5).
SSLPolicyNotFound carries the API reference's description (its live wording is
not known). The in-use lag is what aws-cdk#4179 measured ("it can take around 10s
for ACM to acknowledge that the certificate is no longer in use").

Typical times (seconds at `real` pace): AWS documents no figure for ACM. The record
is visible once its Route 53 change has propagated (60, rules_route53); ACM then
finds it 10 seconds later and issues the certificate 10 seconds after that — a
request whose record was already in place was issued 23 seconds after it was made
in DataBiosphere/azul#8321. A load balancer stays in InUseBy 10 seconds after it
let the certificate go.
"""

import hashlib
import json
import re

from moto.acm.models import CertBundle, acm_backends, datetime_to_epoch
from moto.core.utils import utcnow
from moto.elbv2.exceptions import ELBClientError
from moto.elbv2.models import ELBv2Backend, elbv2_backends
from moto.elbv2.ssl_policies import SSL_POLICIES

import backends as B
import resolver as D
from rules_route53 import CHANGE_PROPAGATION_SECONDS

ACM_FIND_SECONDS = 10
ACM_ISSUE_SECONDS = 10
IN_USE_LINGER_SECONDS = 10
SECURE = ("TLS", "HTTPS")
# Security policies AWS has that moto's DescribeSSLPolicies lacks (the FIPS and
# older forward-secrecy ones of the security policy tables).
MORE_POLICIES = {
    "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04", "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04", "ELBSecurityPolicy-TLS13-1-2-Ext0-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-FIPS-2023-04", "ELBSecurityPolicy-TLS13-1-2-Ext2-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-1-FIPS-2023-04", "ELBSecurityPolicy-TLS13-1-0-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-FIPS-PQ-2025-09", "ELBSecurityPolicy-FS-2018-06",
    "ELBSecurityPolicy-FS-1-1-2019-08", "ELBSecurityPolicy-FS-1-2-2019-08", "ELBSecurityPolicy-FS-1-2-Res-2019-08",
    "ELBSecurityPolicy-TLS-1-0-2015-04", "ELBSecurityPolicy-2015-05",
}
CERT_PARAM = re.compile(r"^Certificates\.member\.(\d+)\.CertificateArn$")
APPROVERS = ("admin", "administrator", "hostmaster", "postmaster", "webmaster")
ACM_API = "https://docs.aws.amazon.com/acm/latest/APIReference/"

_current = {"layer": None}  # the layer moto's patched models report to (the last one built)
_moto_describe = CertBundle.describe
_moto_modify_listener = ELBv2Backend.modify_listener


def register(layer):
    _current["layer"] = layer
    # moto issues a requested certificate once MOTO_ACM_VALIDATION_WAIT has
    # passed; here only validation does (expiry is kept).
    CertBundle.check = _check
    CertBundle.describe = _describe
    ELBv2Backend.modify_listener = _modify_listener

    layer.rule(
        "acm-dns-validation",
        "a certificate requested with ValidationMethod=DNS is PENDING_VALIDATION until each domain's CNAME "
        "(DomainValidationOptions[].ResourceRecord, one per domain name and account) is in a public hosted zone "
        "that holds its name, with its value; then the domain's ValidationStatus is SUCCESS and the certificate "
        "ISSUED. A private zone never validates (ACM asks public DNS); without DNS validation it stays pending "
        "(moto issues every request after 60 seconds, and gives all domains one record)",
        "https://docs.aws.amazon.com/acm/latest/userguide/dns-validation.html",
    )
    layer.rule(
        "acm-describe-certificate",
        "DescribeCertificate: DomainName first, SubjectAlternativeNames as requested (an imported certificate's CN "
        "among them), IssuedAt only once issued, InUseBy the load balancers whose TLS/HTTPS listeners use it "
        "(moto: listener ARNs, never removed)",
        ACM_API + "API_CertificateDetail.html",
    )
    layer.rule(
        "elb-tls-listener-certificate",
        "CreateListener/ModifyListener/AddListenerCertificates for a TLS or HTTPS listener: no certificate: "
        "ValidationError; a certificate not in ACM in this account and region: CertificateNotFound; one not ISSUED: "
        "UnsupportedCertificate 'The certificate '<arn>' must have a fully-qualified domain name, a supported "
        "signature, and a supported key size.'; an unknown SslPolicy: SSLPolicyNotFound; an SslPolicy on a TCP, "
        "UDP or HTTP listener: ValidationError (moto accepts all; its ModifyListener refused Protocol TLS)",
        "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-troubleshooting.html"
        "#acm-cert-unavailable",
    )
    layer.rule(
        "acm-delete-in-use",
        "DeleteCertificate while a load balancer uses it: ResourceInUseException 'Certificate <arn> in account <id> "
        "is in use.'; a load balancer that lets it go stays in InUseBy for 10 seconds",
        ACM_API + "API_DeleteCertificate.html",
    )
    layer.rule(
        "apigw-invoke-tls",
        "an https:// integration through a VPC link needs a TLS listener on the port whose certificate is ISSUED, "
        "names the URI's host (or a one-label wildcard of it) and comes from a CA API Gateway trusts (ACM-issued; an "
        "imported one only with tlsConfig.insecureSkipVerification, which still checks the host); http:// to a TLS "
        "listener, or https:// to a TCP one: 500",
        "https://docs.aws.amazon.com/apigateway/latest/api/API_TlsConfig.html",
    )

    @layer.after("acm", "RequestCertificate")
    def requested(layer, call, data):
        arn = _json(data).get("CertificateArn")
        if not arn or arn in layer.acm or call.param("CertificateAuthorityArn"):
            return  # an idempotent repeat, or a private CA's certificate (issued at once, as moto has it)
        names = [call.param("DomainName")] + list(call.param("SubjectAlternativeNames") or [])
        domains = []
        for name in names:
            name = str(name or "").strip().rstrip(".").lower()
            if name and name not in domains:
                domains.append(name)
        method = str(call.param("ValidationMethod") or "EMAIL").upper()
        layer.acm[arn] = {"account": call.account, "region": call.region, "method": method, "domains": domains,
                          "status": {d: "PENDING_VALIDATION" for d in domains}, "issued": None}
        # A record already in place (an earlier certificate's) validates this one too.
        _look(layer, arn, ACM_FIND_SECONDS)

    @layer.after("route53", "ChangeResourceRecordSets")
    def record_changed(layer, call, _data):
        # The record answers public DNS once the change has propagated.
        for arn, st in list(layer.acm.items()):
            if st["account"] == call.account:
                _look(layer, arn, CHANGE_PROPAGATION_SECONDS + ACM_FIND_SECONDS)

    @layer.before("elasticloadbalancing", "CreateListener", "ModifyListener", "AddListenerCertificates")
    def tls_listener(layer, call):
        listener = None
        if call.op != "CreateListener":
            listener = _listener(call, call.param("ListenerArn"))
            if listener is None:
                return  # moto: ListenerNotFound
        protocol = str(call.param("Protocol") or (listener.protocol if listener is not None else "")).upper()
        given = _given_certificates(call)
        policy = call.param("SslPolicy")
        if call.op != "AddListenerCertificates" and protocol in ("TCP", "UDP", "TCP_UDP", "HTTP") and policy:
            raise layer.refuse("elb-tls-listener-certificate", "ValidationError",
                               f"An SSL policy cannot be specifed for {protocol} listeners")
        if protocol not in SECURE:
            return
        kept = listener is not None and listener.protocol in SECURE and listener_certificates(listener)
        if call.op != "AddListenerCertificates" and not given and not kept:
            raise layer.refuse("elb-tls-listener-certificate", "ValidationError",
                               f"A certificate must be specified for {protocol} listeners")
        for arn in given:
            if ":iam:" in arn:
                continue  # an IAM server certificate: not modelled (moto looks it up on ModifyListener)
            bundle = certificate(call.account, call.region, arn)
            if bundle is None:
                raise layer.refuse("elb-tls-listener-certificate", "CertificateNotFound",
                                   f"Certificate '{arn}' not found")
            if bundle.status != "ISSUED":
                raise layer.refuse("elb-tls-listener-certificate", "UnsupportedCertificate",
                                   f"The certificate '{arn}' must have a fully-qualified domain name, a supported "
                                   "signature, and a supported key size.")
        if policy and policy not in SSL_POLICIES and policy not in MORE_POLICIES:
            raise layer.refuse("elb-tls-listener-certificate", "SSLPolicyNotFound",
                               "The specified SSL policy does not exist.")

    @layer.before("acm", "DeleteCertificate")
    def delete_in_use(layer, call):
        arn = call.param("CertificateArn") or ""
        if certificate(call.account, call.region, arn) is None:
            return  # moto: ResourceNotFoundException
        if in_use_by(layer, arn):
            raise layer.refuse("acm-delete-in-use", "ResourceInUseException",
                               f"Certificate {arn} in account {call.account} is in use.")

    @layer.after("acm", "DeleteCertificate")
    def forget(layer, call, _data):
        arn = call.param("CertificateArn") or ""
        st = layer.acm.pop(arn, None)
        for d in (st or {}).get("domains", []):
            layer.timeline.cancel(("acm-find", arn, d))
        layer.timeline.cancel(("acm-issue", arn))

    @layer.before("elasticloadbalancing", "DeleteListener", "DeleteLoadBalancer", "ModifyListener",
                  "RemoveListenerCertificates")
    def before_release(layer, call):
        call.acm_users = _users(call)

    @layer.after("elasticloadbalancing", "DeleteListener", "DeleteLoadBalancer", "ModifyListener",
                 "RemoveListenerCertificates")
    def released(layer, call, _data):
        # ACM learns late that a load balancer no longer uses a certificate.
        for cert_arn, lb_arn in getattr(call, "acm_users", set()) - _users(call):
            layer.acm_lingering.setdefault(cert_arn, set()).add(lb_arn)

            def gone(c=cert_arn, lb=lb_arn):
                users = layer.acm_lingering.get(c, set())
                users.discard(lb)
                if not users:
                    layer.acm_lingering.pop(c, None)

            layer.timeline.schedule(("acm-in-use", cert_arn, lb_arn), IN_USE_LINGER_SECONDS, gone)


def validation_record(account, domain):
    """(name, value) of the CNAME that validates `domain` for `account`: one per
    domain name and account, `*.example.com` sharing example.com's."""
    base = D.bare(domain[2:] if domain.startswith("*.") else domain)
    seed = f"{account}:{base}"
    name = hashlib.md5(f"name:{seed}".encode()).hexdigest()
    value = hashlib.md5(f"value:{seed}".encode()).hexdigest()
    label = "".join(chr(ord("a") + int(c, 16) % 26) for c in hashlib.md5(f"label:{seed}".encode()).hexdigest()[:10])
    return f"_{name}.{base}.", f"_{value}.{label}.acm-validations.aws."


def published(account, domain):
    """Whether public DNS answers the domain's validation CNAME with its value:
    the most specific public hosted zone holding the name has it."""
    name, value = validation_record(account, domain)
    qname = D.norm(name)
    zones = [z for z in D.route53(account).zones.values()
             if not z.private_zone and (qname == D.norm(z.name) or qname.endswith("." + D.norm(z.name)))]
    if not zones:
        return False
    longest = max(len(D.norm(z.name)) for z in zones)
    zone = [z for z in zones if len(D.norm(z.name)) == longest][0]
    for r in zone.rrsets:
        if D.norm(r.name) == qname and (r.type or "").upper() == "CNAME":
            values = [v.get("Value") if isinstance(v, dict) else v for v in (r.records or [])]
            if any(D.norm(str(v)) == D.norm(value) for v in values):
                return True
    return False


def certificate(account, region, arn):
    """moto's certificate `arn` in `account` and `region`, or None."""
    try:
        return acm_backends[account][region]._certificates.get(arn)
    except KeyError:
        return None


def listener_certificates(listener):
    """A listener's certificate ARNs, its default first."""
    out = list(listener.certificates or [])
    if listener.certificate and listener.certificate not in out:
        out.insert(0, listener.certificate)
    return out


def in_use_by(layer, cert_arn):
    """The load balancers using a certificate: their TLS/HTTPS listeners name it,
    or they let it go too recently for ACM to know."""
    parts = cert_arn.split(":")
    if len(parts) < 6:
        return []
    region, account = parts[3], parts[4]
    users = set((layer.acm_lingering.get(cert_arn) if layer else None) or set())
    try:
        balancers = list(elbv2_backends[account][region].load_balancers.values())
    except KeyError:
        balancers = []
    for lb in balancers:
        for listener in list(lb.listeners.values()):
            if str(listener.protocol).upper() in SECURE and cert_arn in listener_certificates(listener):
                users.add(lb.arn)
    return sorted(users)


def names_of(bundle):
    """The DNS names a certificate covers: its CN and subject alternative names."""
    names = [str(n).lower() for n in (bundle.sans or [])]
    cn = str(bundle.common_name or "").lower()
    if cn and cn not in names:
        names.insert(0, cn)
    return names


def covers(names, host):
    """A name covers `host` exactly, or as a wildcard for one leftmost label."""
    host = D.bare(host)
    for name in names:
        name = D.bare(name)
        if name == host:
            return True
        if name.startswith("*.") and "." in host and host.split(".", 1)[1] == name[2:] and host.split(".", 1)[0]:
            return True
    return False


def publicly_chained(bundle):
    """Whether API Gateway would trust an imported certificate: AWS trusts one
    that chains to a public certificate authority, and fails a self-signed or
    private-CA one with "PKIX path building failed". The sandbox cannot check a
    chain against the public CAs, so it trusts an imported certificate that is
    not self-signed and was imported with its issuer's chain (moto appends its
    own root to every chain; that alone does not count)."""
    from moto.acm.models import AWS_ROOT_CA

    cert = getattr(bundle, "_cert", None)
    if cert is None or cert.issuer == cert.subject:
        return False
    chain = (bundle.chain or b"").strip()
    return bool(chain) and chain != AWS_ROOT_CA.strip()


def tls_failure(where, listener, host, skip_verification):
    """Why API Gateway's TLS handshake with a TLS listener fails (what its
    execution log says), or None when it succeeds."""
    arns = listener_certificates(listener)
    bundle = certificate(where.account, where.region, arns[0]) if arns else None
    prefix = "Execution failed due to configuration error: "
    if bundle is None or bundle.status != "ISSUED":
        state = "missing" if bundle is None else bundle.status
        return prefix + f"General SSLEngine problem (the listener's certificate {arns[0] if arns else ''} is {state})"
    if bundle.type != "AMAZON_ISSUED" and not skip_verification and not publicly_chained(bundle):
        return (prefix + "PKIX path building failed: sun.security.provider.certpath.SunCertPathBuilderException: "
                f"unable to find valid certification path to requested target (the listener's certificate "
                f"{bundle.arn} is {bundle.type.lower()}, not from a certificate authority API Gateway trusts; "
                "tlsConfig.insecureSkipVerification would accept it)")
    if not covers(names_of(bundle), host or ""):
        return (prefix + f"Host name '{host}' does not match the certificate subject provided by the peer "
                f"(CN={bundle.common_name})")
    return None


def _json(data):
    try:
        out = json.loads(data or b"{}")
    except ValueError:
        return {}
    return out if isinstance(out, dict) else {}


def _given_certificates(call):
    """The certificate ARNs of a query call's `Certificates.member.N.CertificateArn`, in order."""
    found = []
    for k, v in call.params.items():
        m = CERT_PARAM.match(k)
        if m:
            found.append((int(m.group(1)), v))
    return [v for _, v in sorted(found)]


def _listener(call, arn):
    for lb in B.elbv2(call).load_balancers.values():
        if arn in lb.listeners:
            return lb.listeners[arn]
    return None


def _users(call):
    """(certificate ARN, load balancer ARN) for every TLS/HTTPS listener in the call's account and region."""
    out = set()
    for lb in B.elbv2(call).load_balancers.values():
        for listener in lb.listeners.values():
            if str(listener.protocol).upper() in SECURE:
                out.update((c, lb.arn) for c in listener_certificates(listener))
    return out


def _look(layer, arn, delay):
    """ACM looks for the validation records of a pending DNS-validated certificate:
    a domain whose record answers is found `delay` seconds later (if it still answers)."""
    st = layer.acm.get(arn)
    bundle = certificate(st["account"], st["region"], arn) if st else None
    if bundle is None or st["method"] != "DNS" or bundle.status != "PENDING_VALIDATION":
        return
    for d in st["domains"]:
        key = ("acm-find", arn, d)
        if st["status"][d] == "PENDING_VALIDATION" and not layer.timeline.pending(key) and published(
                st["account"], d):
            layer.timeline.schedule(key, delay, lambda a=arn, dom=d: _found(layer, a, dom))


def _found(layer, arn, domain):
    st = layer.acm.get(arn)
    bundle = certificate(st["account"], st["region"], arn) if st else None
    if bundle is None or bundle.status != "PENDING_VALIDATION":
        return
    if not published(st["account"], domain):
        return  # the record went before ACM saw it: a later change looks again
    st["status"][domain] = "SUCCESS"
    if all(s == "SUCCESS" for s in st["status"].values()):

        def issue():
            if bundle.status == "PENDING_VALIDATION" and arn in layer.acm:
                bundle.status = "ISSUED"
                st["issued"] = utcnow()

        layer.timeline.schedule(("acm-issue", arn), ACM_ISSUE_SECONDS, issue)


def _check(self):
    """moto's CertBundle.check without its issuing by time: only expiry."""
    if self._not_valid_after(self._cert) <= utcnow():
        self.status = "EXPIRED"


def _describe(self):
    out = _moto_describe(self)
    c = out.get("Certificate", {})
    layer = _current["layer"]
    st = layer.acm.get(self.arn) if layer is not None else None
    if self.type == "AMAZON_ISSUED" and st:
        account = st["account"]
        c["DomainName"] = st["domains"][0] if st["domains"] else c.get("DomainName")
        c["SubjectAlternativeNames"] = list(st["domains"])
        options = []
        for d in st["domains"]:
            base = d[2:] if d.startswith("*.") else d
            option = {"DomainName": d, "ValidationDomain": base, "ValidationStatus": st["status"][d],
                      "ValidationMethod": st["method"]}
            if st["method"] == "DNS":
                name, value = validation_record(account, d)
                option["ResourceRecord"] = {"Name": name, "Type": "CNAME", "Value": value}
            else:
                option["ValidationEmails"] = [f"{who}@{base}" for who in APPROVERS]
            options.append(option)
        c["DomainValidationOptions"] = options
        if self.status == "ISSUED" and st.get("issued") is not None:
            c["IssuedAt"] = datetime_to_epoch(st["issued"])
        else:
            c.pop("IssuedAt", None)
    elif self.type == "IMPORTED":
        c["SubjectAlternativeNames"] = names_of(self)
    c["InUseBy"] = in_use_by(layer, self.arn)
    return out


def _modify_listener(self, arn, port=None, protocol=None, ssl_policy=None, certificates=None, actions=None):
    """moto's ModifyListener, which refuses every protocol but HTTP, HTTPS and TCP,
    taking TLS (and UDP, TCP_UDP) for a network load balancer; a listener's
    certificates follow its protocol."""
    wanted = str(protocol).upper() if protocol else None
    listener = self.describe_listeners(load_balancer_arn=None, listener_arns=[arn])[0]
    lb = self.load_balancers.get(listener.load_balancer_arn)
    if wanted in ("TLS", "UDP", "TCP_UDP") and lb is not None and lb.type == "network":
        out = _moto_modify_listener(self, arn, port, None, ssl_policy, certificates, actions)
        out.protocol = wanted
    elif wanted in ("TLS", "UDP", "TCP_UDP"):
        raise ELBClientError("UnsupportedProtocol", f"Protocol {wanted} is not supported")
    else:
        out = _moto_modify_listener(self, arn, port, protocol, ssl_policy, certificates, actions)
    if out.protocol == "TLS" and certificates:
        out.certificate = certificates[0]["CertificateArn"]
        out.certificates = [c["CertificateArn"] for c in certificates]
    elif out.protocol not in SECURE:
        out.certificate = None
        out.certificates = []
    return out
