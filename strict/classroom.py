"""The classroom: one strict layer shared by a room, each student in an AWS
account of their own.

AWS keeps accounts apart: an id from one account names nothing in another.
moto keeps them apart by the account a request names (`x-moto-account-id`).
A student joins with a name and gets access keys of their own; every request
is mapped here from its access key to that student's account (whatever
account header the client sent is overwritten), so a student cannot reach
another's resources even with the other's ids. A key not on the roster gets
AWS's answer to credentials it does not know, and a request whose SigV4
signature is not the one the key's secret makes gets AWS's answer to a bad
signature (so a key id seen on the room's network is not enough to act as
its student).

The instructor key (from the environment, never the command line) reads the
roster with every student's keys, so the instructor's board can read each
account, and alone writes the journal: when an exercise was applied, and what the
checks showed afterwards. The layer keeps the journal; it judges nothing.
"""

import hmac
import json
import os
import re
import secrets
import threading
import time

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from wire import Refusal, credential_scope

PREFIX = "/gatewalk-strict/classroom"
# The journal's limits: bytes per entry, entries kept per student.
MAX_ENTRY = 8192
MAX_ENTRIES = 500
NAME = re.compile(r"^[a-z][a-z0-9-]{0,31}$")
# Students' accounts: 12 digits, far from moto's default 123456789012.
FIRST_ACCOUNT = 210000000001
# What AWS answers a key it does not know, by protocol.
UNKNOWN_KEY = {
    "ec2": ("AuthFailure", "AWS was not able to validate the provided access credentials", 401),
    "query": ("InvalidClientTokenId", "The security token included in the request is invalid.", 403),
    "json": ("UnrecognizedClientException", "The security token included in the request is invalid.", 400),
    "rest": ("UnrecognizedClientException", "The security token included in the request is invalid.", 403),
    "rest-xml": ("InvalidClientTokenId", "The security token included in the request is invalid.", 403),
}
# What AWS answers a signature that does not match the key's secret, by protocol.
BAD_SIGNATURE = {
    "ec2": ("AuthFailure", "AWS was not able to validate the provided access credentials", 401),
    "query": ("SignatureDoesNotMatch", "The request signature we calculated does not match the signature you "
              "provided. Check your AWS Secret Access Key and signing method.", 403),
    "json": ("InvalidSignatureException", "The request signature we calculated does not match the signature you "
             "provided. Check your AWS Secret Access Key and signing method.", 400),
    "rest": ("InvalidSignatureException", "The request signature we calculated does not match the signature you "
             "provided. Check your AWS Secret Access Key and signing method.", 403),
    "rest-xml": ("SignatureDoesNotMatch", "The request signature we calculated does not match the signature you "
                 "provided. Check your AWS Secret Access Key and signing method.", 403),
}
SIGNED = re.compile(r"SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})")


def signature_matches(environ, body, secret_key, access_key):
    """Whether the request's SigV4 signature is the one its key's secret
    makes: the request is signed again here, over the headers it says it
    signed, at the time it says it was signed."""
    auth = environ.get("HTTP_AUTHORIZATION", "")
    m = SIGNED.search(auth)
    service, region, _ = credential_scope(environ)
    if not m or not service:
        return False
    headers = {}
    for h in m.group(1).split(";"):
        if h == "content-type":
            v = environ.get("CONTENT_TYPE")
        elif h == "content-length":
            v = environ.get("CONTENT_LENGTH")
        else:
            v = environ.get("HTTP_" + h.upper().replace("-", "_"))
        if v is None:
            return False
        headers[h] = v
    stamp = headers.get("x-amz-date")
    if not stamp:
        return False
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI") or environ.get("PATH_INFO", "/")
    url = f"http://{headers.get('host') or environ.get('HTTP_HOST', '')}{raw}"
    req = AWSRequest(method=environ.get("REQUEST_METHOD", "GET"), url=url, data=body, headers=headers)
    req.context["timestamp"] = stamp
    signer = SigV4Auth(Credentials(access_key, secret_key), service, region)
    canonical = signer.canonical_request(req)
    expected = signer.signature(signer.string_to_sign(req, canonical), req)
    return hmac.compare_digest(expected, m.group(2))



class Seat:
    def __init__(self, name, account, token):
        self.name = name
        self.account = account
        self.access_key = "AKIA" + secrets.token_hex(8).upper()
        self.secret_key = secrets.token_urlsafe(30)
        self.token = token
        self.joined_at = time.time()
        self.last_seen = None
        self.calls = 0

    def public(self, with_keys):
        out = {
            "name": self.name,
            "account": self.account,
            "joined_at": self.joined_at,
            "last_seen": self.last_seen,
            "calls": self.calls,
        }
        if with_keys:
            out["access_key"] = self.access_key
            out["secret_key"] = self.secret_key
        return out


class Classroom:
    def __init__(self, key, seats, cid, region):
        self.key = key
        self.capacity = seats
        self.id = cid
        self.region = region
        self.started_at = time.time()
        self.seats = {}  # name -> Seat
        self.by_key = {}  # access key -> Seat
        self.journal = []  # {"at", "student", "event", ...}
        self.lock = threading.Lock()

    @classmethod
    def from_env(cls):
        if os.environ.get("MOTO_ACCOUNT_ID"):
            raise SystemExit("MOTO_ACCOUNT_ID is set: moto would put every student in that one account")
        key = os.environ.get("GATEWALK_CLASSROOM_KEY", "")
        if len(key) < 16:
            raise SystemExit("GATEWALK_CLASSROOM_KEY must hold the instructor key (16 characters or more)")
        seats = int(os.environ.get("GATEWALK_CLASSROOM_SEATS", "40"))
        cid = os.environ.get("GATEWALK_CLASSROOM_ID") or secrets.token_hex(6)
        region = os.environ.get("GATEWALK_CLASSROOM_REGION", "us-east-1")
        return cls(key, seats, cid, region)

    # -- every AWS request -------------------------------------------------

    def admit(self, environ, body, call):
        """Maps the request's key to its student's account, or refuses it as
        AWS refuses an unknown key or a wrong signature. `call` is the parsed
        request (None when it carries no signature)."""
        _, _, access_key = credential_scope(environ)
        seat = self.by_key.get(access_key or "")
        protocol = call.protocol if call else "query"
        if seat is None:
            raise Refusal(*UNKNOWN_KEY[protocol])
        if not signature_matches(environ, body, seat.secret_key, seat.access_key):
            raise Refusal(*BAD_SIGNATURE[protocol])
        environ["HTTP_X_MOTO_ACCOUNT_ID"] = seat.account
        if call is not None:
            call.account = seat.account
        # The instructor's board reads as the student (app/gatewalk-board in
        # its user agent): that is not the student's own activity.
        agents = environ.get("HTTP_USER_AGENT", "") + " " + environ.get("HTTP_X_AMZ_USER_AGENT", "")
        if "app/gatewalk-board" not in agents:
            seat.last_seen = time.time()
            seat.calls += 1

    # -- the control routes ------------------------------------------------

    def instructor(self, environ):
        given = environ.get("HTTP_X_GATEWALK_INSTRUCTOR_KEY", "")
        return secrets.compare_digest(given.encode(), self.key.encode())

    def summary(self):
        return {
            "classroom": self.id,
            "started_at": self.started_at,
            "seats": self.capacity,
            "taken": len(self.seats),
            "region": self.region,
        }

    def handle(self, method, path, body, environ):
        """(status, json) for a classroom route, or None for another path."""
        if not path.startswith(PREFIX):
            return None
        route = path[len(PREFIX):].strip("/")
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            return 400, {"error": "the request body is not JSON"}
        if not isinstance(data, dict):
            return 400, {"error": "the request body is not a JSON object"}
        with self.lock:
            if route == "" and method == "GET":
                return 200, self.summary()
            if route == "join" and method == "POST":
                return self.join(data)
            if route == "roster" and method == "GET":
                if not self.instructor(environ):
                    return 403, {"error": "the instructor key is wrong"}
                out = self.summary()
                out["students"] = [s.public(True) for s in self.seats.values()]
                out["journal"] = self.journal
                return 200, out
            if route == "journal" and method == "POST":
                return self.note(data, environ)
        return 404, {"error": f"no classroom route {method} {path}"}

    def join(self, data):
        name = data.get("name")
        token = data.get("token")
        if not isinstance(name, str) or not NAME.match(name):
            return 400, {"error": "a name is 1 to 32 lowercase letters, digits and hyphens, starting with a letter"}
        if not isinstance(token, str) or len(token) < 16:
            return 400, {"error": "the join request carries no seat token"}
        seat = self.seats.get(name)
        if seat is not None:
            if secrets.compare_digest(token.encode(), seat.token.encode()):
                return 200, dict(self.summary(), **seat.public(True), rejoined=True)
            return 409, {"error": f"the name `{name}` is taken in this classroom; choose another with --as"}
        if len(self.seats) >= self.capacity:
            return 403, {"error": f"the classroom is full: all {self.capacity} seats are taken"}
        seat = Seat(name, str(FIRST_ACCOUNT + len(self.seats)), token)
        self.seats[name] = seat
        self.by_key[seat.access_key] = seat
        self.journal.append({"at": time.time(), "student": name, "event": "joined"})
        return 200, dict(self.summary(), **seat.public(True), rejoined=False)

    def note(self, data, environ):
        """A journal entry about a student, from the instructor's gatewalk
        (the board and `break`): students cannot write it, so nobody fakes
        a fix. Entries are small and a student's oldest go first past a cap."""
        if not self.instructor(environ):
            return 403, {"error": "only the instructor writes the journal"}
        name = data.get("student")
        if name not in self.seats:
            return 404, {"error": f"no student `{name}` in this classroom"}
        event = data.get("event")
        if not isinstance(event, str) or not event:
            return 400, {"error": "a journal entry needs an event"}
        if len(json.dumps(data)) > MAX_ENTRY:
            return 400, {"error": f"a journal entry is at most {MAX_ENTRY} bytes"}
        entry = {k: v for k, v in data.items() if k not in ("at", "student")}
        entry.update({"at": time.time(), "student": name})
        self.journal.append(entry)
        mine = [i for i, e in enumerate(self.journal) if e["student"] == name]
        if len(mine) > MAX_ENTRIES:
            del self.journal[mine[0]]
        return 200, entry
