"""The strict-AWS layer: a WSGI middleware around moto's server app.

moto accepts what AWS refuses and finishes at once what takes AWS minutes. Every
request passes through here first: the timeline carries out the state changes that
are due, the rules of the request's operation may refuse it the way AWS would, and
after moto has done it the operation's hooks put in AWS's in-between states (a
`provisioning` load balancer, a `DRAINING` service, a lingering network interface).

The rules model AWS, read moto's own backend state, and share nothing with
gatewalk's checks. Each cites the AWS page it follows; docs/strict-aws.md lists them.
"""

import io
import json
import os
import sys
import threading
import traceback
from urllib.parse import parse_qs

import deploys
import resolver as dns
import invoke
from clock import Buckets, Clock, Timeline
from wire import Answer, Refusal, error_response, parse, read_body

CONTROL = "/gatewalk-strict"
# Every call is logged (to the sandbox log) when this is set: for debugging.
TRACE = bool(os.environ.get("GATEWALK_STRICT_TRACE"))


class Layer:
    """What the layer knows beyond moto's state, and its rule tables."""

    def __init__(self, pace):
        self.clock = Clock(pace)
        self.timeline = Timeline(self.clock)
        self.buckets = Buckets(self.clock)
        self.pre = {}  # (service, op) -> [fn(layer, call)] raising Refusal
        self.post = {}  # (service, op) -> [fn(layer, call, response_json_or_text)]
        self.rules = []  # (id, summary, citation) for docs and the control endpoint
        self.reset()

    def reset(self):
        self.timeline.clear()
        self.buckets.clear()
        self.enis = {}  # owner key -> [eni ids] the layer made for AWS-managed interfaces
        self.svcs = {}  # (account, region, service arn) -> tasks.Svc: the data plane's tasks and deployments
        self.by_ip = {}  # (account, region, task ip) -> tasks.Life
        self.snapshots = {}  # (account, api id, deployment id) -> routes as deployed
        self.ptc_rules = {}  # (account, region) -> {prefix: rule}: ECR pull-through cache rules (moto has none)
        self.dns_changes = {}  # (account, change id) -> Route 53 change: PENDING until it has propagated
        self.alias_bindings = {}  # (account, zone id, record key) -> the load balancer ARN an alias named when made
        self.acm = {}  # certificate ARN -> what ACM knows of a requested certificate's validation (rules_acm)
        self.acm_lingering = {}  # certificate ARN -> {load balancer ARN}: still in use a while after it let go
        self.counts = {}  # rule id -> refusals, for the control endpoint
        self.internal_errors = 0

    def rule(self, rule_id, summary, citation):
        self.rules.append({"id": rule_id, "summary": summary, "aws": citation})

    def before(self, service, *ops):
        def deco(fn):
            for op in ops:
                self.pre.setdefault((service, op), []).append(fn)
            return fn

        return deco

    def after(self, service, *ops):
        def deco(fn):
            for op in ops:
                self.post.setdefault((service, op), []).append(fn)
            return fn

        return deco

    def refuse(self, rule_id, code, message, status=400, headers=None):
        self.counts[rule_id] = self.counts.get(rule_id, 0) + 1
        print(f"strict-aws: {rule_id}: {code}: {message}", file=sys.stderr, flush=True)
        return Refusal(code, message, status, headers)


class StrictApp:
    def __init__(self, inner, layer, account_of, classroom=None):
        self.inner = inner
        self.layer = layer
        self.account_of = account_of
        self.lock = threading.RLock()
        # A shared classroom (classroom.py): every request mapped to its
        # student's account; None for a sandbox of one's own.
        self.classroom = classroom

    def control(self, environ, start_response):
        body = read_body(environ)
        method = environ.get("REQUEST_METHOD")
        path = environ.get("PATH_INFO", "")
        status = "200 OK"
        if self.classroom is not None:
            answered = self.classroom.handle(method, path, body, environ)
            if answered is not None:
                code, out = answered
                return self._json(start_response, f"{code} {'OK' if code == 200 else 'Refused'}", out)
        if path.rstrip("/") == f"{CONTROL}/resolve" and method == "GET":
            return self.resolve(environ, start_response)
        pace_change = path.rstrip("/") == f"{CONTROL}/pace" and method == "POST"
        if pace_change and self.classroom is not None and not self.classroom.instructor(environ):
            return self._json(start_response, "403 Refused", {"error": "the classroom's pace is the instructor's"})
        if pace_change:
            try:
                self.layer.clock.set(json.loads(body or b"{}").get("pace"))
            except (ValueError, AttributeError) as e:
                status = "400 Bad Request"
                out = {"error": str(e)}
                return self._json(start_response, status, out)
        out = {
            "pace": self.layer.clock.pace,
            "rules": self.layer.rules,
            "refusals": self.layer.counts,
            "pending_changes": len(self.layer.timeline.items),
            # Tasks run, targets have health and invoke URLs answer (see invoke.py).
            "data_plane": True,
            "internal_errors": self.layer.internal_errors,
        }
        with self.lock:
            try:
                # Route 53 alias records whose load balancer is gone (resolver.py): AWS keeps them.
                out["dangling_aliases"] = dns.dangling_aliases(self.layer)
            except Exception:  # noqa: BLE001
                self.layer.internal_errors += 1
                out["internal_errors"] = self.layer.internal_errors
                print(f"strict-aws: INTERNAL ERROR listing dangling aliases:\n{traceback.format_exc()}",
                      file=sys.stderr, flush=True)
        return self._json(start_response, status, out)

    def resolve(self, environ, start_response):
        """`GET {CONTROL}/resolve?name=…[&vpc=…&account=…&region=…]`: what a client
        would get for the name's A record (resolver.py), from inside the VPC when one is named."""
        q = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True).items()}
        name = q.get("name", "").strip()
        if not name:
            return self._json(start_response, "400 Bad Request", {"error": "name= is required"})
        account = q.get("account") or environ.get("HTTP_X_MOTO_ACCOUNT_ID") or self.account_of("")
        region = q.get("region") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
        with self.lock:
            try:
                out = dns.resolve(account, region, name, q.get("vpc") or None, layer=self.layer)
            except dns.NoSuchVpc as e:
                return self._json(start_response, "400 Bad Request", {"error": str(e)})
            except Exception:  # noqa: BLE001
                self.layer.internal_errors += 1
                print(f"strict-aws: INTERNAL ERROR resolving {name}:\n{traceback.format_exc()}", file=sys.stderr,
                      flush=True)
                return self._json(start_response, "500 Internal Error", {"error": "internal error in the layer"})
        return self._json(start_response, "200 OK", out)

    @staticmethod
    def _json(start_response, status, out):
        data = json.dumps(out, indent=1).encode()
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
        return [data]

    def guarded(self, fn, call, *data):
        """Runs a rule or hook; a bug in the layer is logged and counted (the
        control endpoint reports it, and the test harness fails on it) rather
        than turned into an error AWS would never send."""
        try:
            fn(self.layer, call, *data)
        except (Refusal, Answer):
            raise
        except Exception:  # noqa: BLE001
            self.layer.internal_errors += 1
            print(
                f"strict-aws: INTERNAL ERROR in {fn.__name__} for {call.service} {call.op}:\n{traceback.format_exc()}",
                file=sys.stderr,
                flush=True,
            )

    def advance(self):
        """What is due on the timeline, then one step of every service's tasks."""
        self.layer.timeline.tick()
        try:
            deploys.reconcile(self.layer, self.layer.clock.now())
        except Exception:  # noqa: BLE001
            self.layer.internal_errors += 1
            print(f"strict-aws: INTERNAL ERROR in the data plane:\n{traceback.format_exc()}", file=sys.stderr,
                  flush=True)

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith(CONTROL):
            return self.control(environ, start_response)
        if invoke.is_invoke(environ):
            with self.lock:
                self.advance()
                try:
                    reply = invoke.answer(self.layer, environ)
                except Exception:  # noqa: BLE001
                    self.layer.internal_errors += 1
                    print(f"strict-aws: INTERNAL ERROR answering an invoke URL:\n{traceback.format_exc()}",
                          file=sys.stderr, flush=True)
                    reply = invoke.Reply(500, '{"message":"Internal server error"}', why="an internal error of the sandbox")
            return reply.send(start_response)
        with self.lock:
            if self.classroom is not None and path.startswith("/moto-api"):
                # moto's own API shows and resets every account: not the room's.
                if not self.classroom.instructor(environ):
                    return self._json(start_response, "403 Refused", {"error": "moto's API is the instructor's"})
            if path.startswith("/moto-api/reset"):
                self.layer.reset()
                return self.inner(environ, start_response)
            body = read_body(environ)
            call = parse(environ, body, self.account_of)
            if self.classroom is not None and not path.startswith("/moto-api"):
                try:
                    self.classroom.admit(environ, body, call)
                except Refusal as r:
                    if call is None:
                        return self._json(start_response, f"{r.status} Refused", {"message": r.message})
                    status, headers, data = error_response(call, r)
                    start_response(f"{status} Refused", headers + [("Content-Length", str(len(data)))])
                    return [data]
            if call is None:
                return self.inner(environ, start_response)
            if TRACE:
                print(f"strict-aws: call {call.service} {call.op}", file=sys.stderr, flush=True)
            self.advance()
            try:
                for fn in self.layer.pre.get((call.service, call.op), []):
                    self.guarded(fn, call)
            except Refusal as r:
                status, headers, data = error_response(call, r)
                start_response(f"{status} Refused", headers + [("Content-Length", str(len(data)))])
                return [data]
            except Answer as a:
                headers = [("Content-Type", a.content_type), ("Content-Length", str(len(a.body)))]
                start_response(f"{a.status} OK", headers)
                return [a.body]
            if call.rewritten:
                data = json.dumps(call.params).encode()
                environ["wsgi.input"] = io.BytesIO(data)
                environ["CONTENT_LENGTH"] = str(len(data))
            captured = {}

            def capture(status, headers, exc_info=None):
                captured["status"] = status
                captured["headers"] = headers
                return lambda _chunk: None

            chunks = self.inner(environ, capture)
            try:
                data = b"".join(chunks)
            finally:
                if hasattr(chunks, "close"):
                    chunks.close()
            code = int(captured["status"].split()[0])
            if code < 300:
                for fn in self.layer.post.get((call.service, call.op), []):
                    self.guarded(fn, call, data)
            headers = [(k, v) for k, v in captured["headers"] if k.lower() != "content-length"]
            start_response(captured["status"], headers + [("Content-Length", str(len(data)))])
            return [data]
