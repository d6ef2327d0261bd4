"""The status board: recent events, counters and a per-minute timeline of one guard process.

Pure bookkeeping (no I/O); the routes render ``snapshot()``. Nothing secret is ever recorded:
an event holds a package, a version, a code, the first words of an explanation and the client's
name — never headers or bodies.
"""

from __future__ import annotations

import os
import re
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from publish_guard.redact import scrub, scrub_text

MAX_EVENTS = 200
TIMELINE_MINUTES = 60
SUMMARY_WORDS = 14

# outcomes of a publish, as counted and charted
PUBLISHED = "published"
IDENTICAL = "identical"
REWRITTEN = "rewritten"  # dev mode
REFUSED = "refused"
FAILED = "failed"  # the upstream failed (or was unreachable)
OUTCOMES = (PUBLISHED, IDENTICAL, REWRITTEN, REFUSED, FAILED)


@dataclass(frozen=True, slots=True)
class Event:
    time: float
    outcome: str
    method: str
    status: int
    package: str | None = None
    version: str | None = None
    original_version: str | None = None  # dev mode: what the client sent
    code: str | None = None
    summary: str = ""
    client: str = ""
    request_id: str = ""

    @classmethod
    def scrubbed(cls, **fields: Any) -> Event:
        """An event whose texts went through the one redaction (a refused write's "package"
        may be its path, which may hold a token)."""
        return cls(**{k: scrub(v) if isinstance(v, str) else v for k, v in fields.items()})

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["time"] = utc_seconds(self.time)
        return data


class Recording(Protocol):
    """Where the request middleware records and the status routes read: ``Board``, or with
    ``--shared-state`` the deployment's ``shared.board.SharedBoard``."""

    def clock(self) -> float: ...

    def request(self, status: int) -> None: ...

    def record(self, event: Event) -> None: ...

    async def view(self) -> dict[str, Any]: ...


_CLASSES = tuple(f"{n}xx" for n in range(10))  # made once: every request is counted


@dataclass
class Board:
    started: float = field(default_factory=time.time)
    clock: Callable[[], float] = time.time
    events: deque[Event] = field(default_factory=lambda: deque(maxlen=MAX_EVENTS))
    requests: Counter[str] = field(default_factory=Counter)  # by status class: "2xx", …
    outcomes: Counter[str] = field(default_factory=Counter)
    codes: Counter[str] = field(default_factory=Counter)
    _minutes: dict[int, Counter[str]] = field(default_factory=dict)

    def request(self, status: int) -> None:
        self.requests[_CLASSES[status // 100]] += 1

    def record(self, event: Event) -> None:
        self.events.appendleft(event)
        self.outcomes[event.outcome] += 1
        if event.code:
            self.codes[event.code] += 1
        minute = int(event.time // 60)
        self._minutes.setdefault(minute, Counter())[event.outcome] += 1
        for old in [m for m in self._minutes if m <= minute - TIMELINE_MINUTES]:
            del self._minutes[old]

    def timeline(self) -> list[dict[str, Any]]:
        """One entry per minute of the last hour, oldest first, every outcome counted."""
        now_minute = int(self.clock() // 60)
        rows = []
        for minute in range(now_minute - TIMELINE_MINUTES + 1, now_minute + 1):
            counts = self._minutes.get(minute, Counter())
            rows.append(
                {"minute": utc_seconds(minute * 60), **{o: counts.get(o, 0) for o in OUTCOMES}}
            )
        return rows

    async def view(self) -> dict[str, Any]:
        """What the page and status.json show (``shared.board.SharedBoard`` shows the whole
        deployment's)."""
        return self.snapshot()

    def snapshot(self) -> dict[str, Any]:
        return {
            "process": {
                "pid": os.getpid(),
                "started": utc_seconds(self.started),
                "uptime_seconds": round(self.clock() - self.started, 1),
            },
            "counters": {
                "requests": sum(self.requests.values()),
                "requests_by_class": dict(sorted(self.requests.items())),
                "publishes": {o: self.outcomes.get(o, 0) for o in OUTCOMES},
                "by_code": dict(self.codes.most_common()),
            },
            "timeline": self.timeline(),
            "events": [event.as_dict() for event in self.events],
        }


def summary(text: str) -> str:
    """The first words of an explanation, secrets scrubbed."""
    words = scrub_text(text).split()
    short = " ".join(words[:SUMMARY_WORDS])
    return short + ("…" if len(words) > SUMMARY_WORDS else "")


_CLIENTS = (
    (re.compile(r"\bpnpm/(\S+)"), "pnpm"),
    (re.compile(r"\byarn/(\S+)"), "yarn"),
    (re.compile(r"\bnpm/(\S+)"), "npm"),
    (re.compile(r"\bbun/(\S+)"), "bun"),
)


def client_of(user_agent: str) -> str:
    """``npm/11.19.1 node/v20.20.2 linux x64 …`` → ``npm 11.19.1``; yarn berry sends ``got``."""
    for pattern, name in _CLIENTS:
        match = pattern.search(user_agent)
        if match:
            return f"{name} {match.group(1)}"
    if user_agent.startswith("got"):
        return "yarn (berry)"
    return user_agent.split("/", 1)[0][:32] if user_agent else "unknown"


def utc_seconds(epoch: float) -> str:
    """``2024-05-01T12:00:00Z`` (the status page's times; npm's own carry milliseconds)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))
