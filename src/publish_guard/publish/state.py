"""What one guard process remembers between publishes: per-package locks and seen versions."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from cachetools import TTLCache

from publish_guard.publish.verdict import Outcome, Verdict


class PackageLocks:
    """One lock per package name, dropped when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, name: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(name, (asyncio.Lock(), 0))
        self._locks[name] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[name]
            if users <= 1:
                del self._locks[name]
            else:
                self._locks[name] = (lock, users - 1)

    def __len__(self) -> int:
        return len(self._locks)


class SeenVersions:
    """Versions seen to exist, for answering repeated collisions without a round trip.

    Versions are immutable, so a version that exists keeps existing (short TTL all the same, as
    an admin may delete one). Absence is never cached. Entries are per credential, so a caller
    never learns from the cache what their own token could not read.
    """

    def __init__(self, maxsize: int = 10_000, ttl: float = 60.0) -> None:
        self._cache: TTLCache[tuple[str, str, str], Verdict] = TTLCache(maxsize=maxsize, ttl=ttl)

    @staticmethod
    def _key(credential: str, name: str, version: str) -> tuple[str, str, str]:
        digest = hashlib.sha256(credential.encode()).hexdigest()
        return digest, name, version

    def get(self, credential: str, name: str, version: str) -> Verdict | None:
        return self._cache.get(self._key(credential, name, version))

    def remember(self, credential: str, name: str, verdict: Verdict) -> None:
        if verdict.outcome in (Outcome.EXISTS, Outcome.IDENTICAL, Outcome.RESERVED):
            self._cache[self._key(credential, name, verdict.version)] = verdict
