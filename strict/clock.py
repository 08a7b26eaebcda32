"""Time in the strict layer: the pace setting and the timeline of AWS's slow state changes.

AWS does not finish things at once: a load balancer provisions, a NAT gateway is
pending, a VPC link is PENDING, a deleted service drains. The layer keeps each such
change on a timeline and carries it out when it is due, at the start of a later
request (nothing runs in the background, so a test is never raced by a thread).

Every duration is AWS's typical time, scaled by the pace:
  real     AWS's typical times (a workshop sees the waits it will meet on AWS)
  fast     a tenth of them (the sandbox's default)
  instant  no waiting; but a change still needs one later request to be seen in
           its in-between state before it completes, so a client that never polls
           (or deletes the cluster right after DeleteService) is caught at any pace.
"""

import threading
import time

PACES = {"instant": 0.0, "fast": 0.1, "real": 1.0}


class Clock:
    """The pace, changeable while the layer runs."""

    def __init__(self, pace):
        self.set(pace)

    def set(self, pace):
        if pace not in PACES:
            raise ValueError(f"unknown pace {pace!r}: one of {', '.join(PACES)}")
        self.pace = pace

    def scale(self, seconds):
        """AWS's typical `seconds`, at this pace."""
        return seconds * PACES[self.pace]

    @staticmethod
    def now():
        return time.monotonic()


class Transition:
    __slots__ = ("key", "due", "action", "seen")

    def __init__(self, key, due, action):
        self.key = key
        self.due = due
        self.action = action
        self.seen = False


class Timeline:
    """Changes that AWS makes a while after a call returns."""

    def __init__(self, clock):
        self.clock = clock
        self.items = []
        self.lock = threading.RLock()

    def schedule(self, key, typical_seconds, action):
        """Runs `action()` once `typical_seconds` (scaled) have passed and at least
        one later request has seen the state before it. A change with the same key
        is replaced."""
        with self.lock:
            self.cancel(key)
            due = self.clock.now() + self.clock.scale(typical_seconds)
            self.items.append(Transition(key, due, action))

    def cancel(self, key):
        with self.lock:
            self.items = [t for t in self.items if t.key != key]

    def pending(self, key):
        with self.lock:
            return any(t.key == key for t in self.items)

    def tick(self):
        """Carries out what is due. Called at the start of every request."""
        with self.lock:
            now = self.clock.now()
            keep = []
            due = []
            for t in self.items:
                if t.seen and now >= t.due:
                    due.append(t)
                else:
                    t.seen = True
                    keep.append(t)
            self.items = keep
        for t in due:
            t.action()

    def clear(self):
        with self.lock:
            self.items = []


class Buckets:
    """Token buckets for control-plane throttling: `count` calls per `window`
    seconds (scaled by the pace; at instant pace nothing is throttled)."""

    def __init__(self, clock):
        self.clock = clock
        self.state = {}

    def take(self, key, count, window):
        """Takes one token; returns None, or the seconds until one is free."""
        window = self.clock.scale(window)
        if window <= 0:
            return None
        now = self.clock.now()
        tokens, last = self.state.get(key, (float(count), now))
        tokens = min(float(count), tokens + (now - last) * count / window)
        if tokens >= 1.0:
            self.state[key] = (tokens - 1.0, now)
            return None
        self.state[key] = (tokens, now)
        return (1.0 - tokens) * window / count

    def clear(self):
        self.state = {}
