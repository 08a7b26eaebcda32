"""The classroom: one strict layer shared by a room, each student in an AWS
account of their own.

AWS keeps accounts apart: an id from one account names nothing in another.
moto keeps them apart by the account a request names (`x-moto-account-id`).
A student joins with a name and gets access keys of their own; every request
is mapped here from its access key to that student's account (whatever
account header the client sent is overwritten), so a student cannot reach
another's resources even with the other's ids. A key not on the roster gets
AWS's answer to credentials it does not know. Signatures are not verified:
a classroom is a teaching sandbox on the room's network, and the keys are
the identity (docs/decisions.md, Issue 16).

The instructor key (from the environment, never the command line) reads the
roster with every student's keys, so the instructor's board can read each
account, and writes the journal: when an exercise was applied, and what the
checks showed afterwards. The layer keeps the journal; it judges nothing.
"""

import json
import os
import re
import secrets
import threading
import time

from wire import Refusal, credential_scope

PREFIX = "/gatewalk-strict/classroom"
NAME = re.compile(r"^[a-z][a-z0-9-]{0,31}$")
# Students' accounts: 12 digits, far from moto's default 123456789012.
FIRST_ACCOUNT = 210000000001
# What AWS answers a key it does not know, by protocol.
UNKNOWN_KEY = {
    "ec2": ("AuthFailure", "AWS was not able to validate the provided access credentials", 401),
    "query": ("InvalidClientTokenId", "The security token included in the request is invalid.", 403),
    "json": ("UnrecognizedClientException", "The security token included in the request is invalid.", 400),
    "rest": ("UnrecognizedClientException", "The security token included in the request is invalid.", 403),
}


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
        key = os.environ.get("GATEWALK_CLASSROOM_KEY", "")
        if len(key) < 16:
            raise SystemExit("GATEWALK_CLASSROOM_KEY must hold the instructor key (16 characters or more)")
        seats = int(os.environ.get("GATEWALK_CLASSROOM_SEATS", "40"))
        cid = os.environ.get("GATEWALK_CLASSROOM_ID") or secrets.token_hex(6)
        region = os.environ.get("GATEWALK_CLASSROOM_REGION", "us-east-1")
        return cls(key, seats, cid, region)

    # -- every AWS request -------------------------------------------------

    def admit(self, environ, call):
        """Maps the request's key to its student's account, or refuses it as
        AWS refuses an unknown key. `call` is the parsed request (None when
        it carries no signature)."""
        _, _, access_key = credential_scope(environ)
        seat = self.by_key.get(access_key or "")
        if seat is None:
            code, msg, status = UNKNOWN_KEY[call.protocol if call else "query"]
            raise Refusal(code, msg, status)
        environ["HTTP_X_MOTO_ACCOUNT_ID"] = seat.account
        if call is not None:
            call.account = seat.account
        seat.last_seen = time.time()
        seat.calls += 1

    # -- the control routes ------------------------------------------------

    def instructor(self, environ):
        given = environ.get("HTTP_X_GATEWALK_INSTRUCTOR_KEY", "")
        return secrets.compare_digest(given.encode(), self.key.encode())

    def student(self, environ):
        """The seat whose keys the request carries in `x-gatewalk-seat`
        (`ACCESS:SECRET`), for a student's own reports."""
        given = environ.get("HTTP_X_GATEWALK_SEAT", "")
        ak, _, sk = given.partition(":")
        seat = self.by_key.get(ak)
        if seat and secrets.compare_digest(sk.encode(), seat.secret_key.encode()):
            return seat
        return None

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
        """A journal entry: from the instructor for any student, or from a
        student about themself."""
        seat = self.student(environ)
        if not (self.instructor(environ) or seat):
            return 403, {"error": "only the instructor or a student of this classroom writes the journal"}
        name = data.get("student")
        if seat is not None and name not in (None, seat.name):
            return 403, {"error": "a student writes only about themself"}
        name = name or (seat and seat.name)
        if name not in self.seats:
            return 404, {"error": f"no student `{name}` in this classroom"}
        event = data.get("event")
        if not isinstance(event, str) or not event:
            return 400, {"error": "a journal entry needs an event"}
        entry = {k: v for k, v in data.items() if k not in ("at", "student")}
        entry.update({"at": time.time(), "student": name})
        self.journal.append(entry)
        return 200, entry
