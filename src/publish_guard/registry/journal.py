"""Every request the emulator received, for tests that must prove what reached the upstream.

Secrets never enter the journal: ``authorization`` keeps only its scheme, ``npm-otp``, cookies and
API-key headers are replaced, the token in ``/-/user/token/<token>`` is masked, and bodies are
recorded by size only.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from publish_guard.registry.secrets import redact_authorization

REDACTED = "<redacted>"
_SECRET_HEADERS = frozenset(
    {"npm-otp", "cookie", "set-cookie", "x-jfrog-art-api", "x-api-key", "x-nexus-token"}
)
_AUTH_HEADERS = frozenset({"authorization", "proxy-authorization"})
_TOKEN_IN_PATH = re.compile(r"(/-/user/token/)[^/?]+")


@dataclass(slots=True)
class JournalEntry:
    method: str
    raw_path: str  # exactly as sent, query included (only a logout token is masked)
    headers: tuple[tuple[str, str], ...]  # secrets redacted
    body_size: int
    time: datetime
    status: int | None = None  # filled in when the answer is ready
    user: str | None = None  # who the credentials belonged to, if anyone

    @property
    def path(self) -> str:
        return self.raw_path.split("?", 1)[0]

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), None)


@dataclass
class Journal:
    entries: list[JournalEntry] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(
        self,
        method: str,
        raw_path: str,
        headers: Iterable[tuple[str, str]],
        body_size: int,
        time: datetime,
    ) -> JournalEntry:
        entry = JournalEntry(
            method=method.upper(),
            raw_path=mask_path(raw_path),
            headers=tuple(redact_header(k, v) for k, v in headers),
            body_size=body_size,
            time=time,
        )
        with self._lock:
            self.entries.append(entry)
        return entry

    def snapshot(self) -> list[JournalEntry]:
        with self._lock:
            return list(self.entries)

    def clear(self) -> None:
        with self._lock:
            self.entries.clear()

    def find(
        self, method: str | None = None, path_contains: str | None = None
    ) -> list[JournalEntry]:
        """Entries with this method (any case) whose raw path contains the text."""
        return [
            e
            for e in self.snapshot()
            if (method is None or e.method == method.upper())
            and (path_contains is None or path_contains in e.raw_path)
        ]


def mask_path(raw_path: str) -> str:
    """The path with the token of a logout (``/-/user/token/<token>``) masked."""
    return _TOKEN_IN_PATH.sub(rf"\g<1>{REDACTED}", raw_path)


def redact_header(name: str, value: str) -> tuple[str, str]:
    lower = name.lower()
    if lower in _AUTH_HEADERS:
        return name, redact_authorization(value)
    if lower in _SECRET_HEADERS:
        return name, REDACTED
    return name, value
