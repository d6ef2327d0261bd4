"""What one guard process remembers between publishes: per-package locks and seen versions."""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from cachetools import TTLCache

from publish_guard.publish.verdict import Outcome, Verdict


class PackageLocks:
    """One lock per package: an asyncio lock within the process and, with a lock directory, an
    ``flock`` on a file per package so that worker processes and guards on one host serialise
    too (no shared state beyond the file system; replicas on other hosts rely on the upstream
    and on routing a package's requests to one replica).

    Serialising matters beyond fairness: Verdaccio 6.8 stores the loser's tarball when two
    publishes of one version overlap, under the winner's integrity.
    """

    def __init__(self, lock_dir: Path | None = None, *, wait: float = 300.0) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}
        self._dir = lock_dir
        self._wait = wait
        if lock_dir is not None:
            lock_dir.mkdir(parents=True, exist_ok=True, mode=0o700)

    @asynccontextmanager
    async def hold(self, name: str, scope: str = "") -> AsyncIterator[None]:
        key = f"{scope}\n{name}"
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock, self._file_lock(key):
                yield
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    @asynccontextmanager
    async def _file_lock(self, key: str) -> AsyncIterator[None]:
        if self._dir is None:
            yield
            return
        path = self._dir / (hashlib.sha256(key.encode()).hexdigest()[:32] + ".lock")
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            deadline = time.monotonic() + self._wait
            delay = 0.005
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"waited {self._wait:g}s for {path}") from None
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 0.1)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

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
