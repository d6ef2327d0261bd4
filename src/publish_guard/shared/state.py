"""The connection to the shared state (Redis), and what its being down means.

One ``redis.asyncio.Redis`` client per process (a connection pool), made from the
``--shared-state`` URL: ``redis://[user:password@]host:port/db`` or ``rediss://`` for TLS,
trusting ``--ca-bundle`` besides the system's CAs. Every failure to reach it becomes
``SharedStateDown``: a publish is then refused (503, retried by npm) and nothing is sent to the
registry; reads never need it. redis-py reconnects by itself, so the guard recovers as soon as
Redis answers again.
"""

from __future__ import annotations

import hashlib
import socket
import ssl
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from yarl import URL

from publish_guard.shared.errors import SharedStateDown

KEY_PREFIX = "publish-guard"
_TIMEOUT = 2.0  # seconds: connecting, and one command (Redis answers in well under 1 ms)


@dataclass(frozen=True, slots=True)
class SharedStatePing:
    ok: bool
    latency_ms: float
    detail: str


class SharedState:
    def __init__(self, url: URL, *, scope: str, ca_bundle: Path | None, replica: str) -> None:
        self.url = url
        self.replica = replica
        self.prefix = f"{KEY_PREFIX}:{hashlib.sha256(scope.encode()).hexdigest()[:12]}:"
        options: dict[str, Any] = {
            "socket_connect_timeout": _TIMEOUT,
            "socket_timeout": _TIMEOUT,
            "health_check_interval": 15,
            # a connection of the pool that a restarted Redis closed is made again at once
            "retry": Retry(ExponentialBackoff(cap=0.2, base=0.02), 2),
            "retry_on_error": [RedisConnectionError],
        }
        if url.scheme == "rediss":
            options["ssl_cert_reqs"] = ssl.CERT_REQUIRED
            if ca_bundle is not None:
                options["ssl_ca_certs"] = str(ca_bundle)
        self.redis: aioredis.Redis = aioredis.Redis.from_url(str(url), **options)
        self.last: SharedStatePing | None = None

    def key(self, *parts: str) -> str:
        return self.prefix + ":".join(parts)

    @property
    def where(self) -> str:
        """The URL without its credentials and query (``?password=`` is one), for logs and the
        page."""
        return str(self.url.with_user(None).with_password(None).with_query(None))

    async def ping(self) -> SharedStatePing:
        started = time.perf_counter()
        try:
            await self.redis.ping()
        except (RedisError, OSError) as exc:
            self.last = SharedStatePing(False, _ms(started), describe(exc))
        else:
            self.last = SharedStatePing(True, _ms(started), "PONG")
        return self.last

    async def close(self) -> None:
        await self.redis.aclose()


def describe(exc: BaseException) -> str:
    """A failure to reach Redis in words (redis-py's messages name only host and port)."""
    if isinstance(exc, socket.gaierror):
        return "its host could not be resolved"
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:200]


def replica_name() -> str:
    """This replica's name for events: the pod's name (its host name) and the process."""
    import os

    return f"{socket.gethostname()}/{os.getpid()}"


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)


__all__ = [
    "RedisError",
    "SharedState",
    "SharedStateDown",
    "SharedStatePing",
    "describe",
    "replica_name",
]
