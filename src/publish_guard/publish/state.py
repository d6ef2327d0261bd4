"""What one guard process remembers between publishes: per-package locks and seen versions."""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import os
import struct
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from cachetools import TTLCache

from publish_guard.publish.verdict import Outcome, Verdict


@dataclass(frozen=True, slots=True)
class Stamp:
    """How many publishes had ended when a look-up began (see ``PackageLocks.stamp``)."""

    ended_here: int  # in this process, of any package
    ended_on_host: int  # of this package, by every process sharing the lock directory


class Held:
    """A lock being held: ``unchanged_since`` tells whether a look-up made before taking it
    still shows the upstream as it is (no publish of the package has ended since)."""

    def __init__(self, locks: PackageLocks, ended_on_host: int) -> None:
        self._locks = locks
        self._ended_on_host = ended_on_host

    def unchanged_since(self, stamp: Stamp) -> bool:
        return (stamp.ended_here, stamp.ended_on_host) == (
            self._locks.ended,
            self._ended_on_host,
        )


class PackageLocks:
    """One lock per package: an asyncio lock within the process and, with a lock directory, an
    ``flock`` on a file per package so that worker processes and guards on one host serialise
    too (no shared state beyond the file system; replicas on other hosts rely on the upstream
    and on routing a package's requests to one replica).

    Serialising matters beyond fairness: Verdaccio 6.8 stores the loser's tarball when two
    publishes of one version overlap, under the winner's integrity.

    Every release counts as a publish that ended: in the process (``ended``) and in the lock
    file (its first 8 bytes), so a look-up made before the lock can be checked for freshness.
    """

    def __init__(self, lock_dir: Path | None = None, *, wait: float = 300.0) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}
        self._dir = lock_dir
        self._wait = wait
        self.ended = 0
        if lock_dir is not None:
            lock_dir.mkdir(parents=True, exist_ok=True, mode=0o700)

    @staticmethod
    def _key(name: str, scope: str) -> str:
        return f"{scope}\n{name}"

    def stamp(self, name: str, scope: str = "") -> Stamp:
        """Taken before a look-up that is to be used under the lock later."""
        ended_on_host = 0
        path = self._path(self._key(name, scope))
        if path is not None:
            try:
                fd = os.open(path, os.O_RDONLY)
            except FileNotFoundError:
                pass
            else:
                try:
                    ended_on_host = _read_count(fd)
                finally:
                    os.close(fd)
        return Stamp(self.ended, ended_on_host)

    @asynccontextmanager
    async def hold(self, name: str, scope: str = "") -> AsyncIterator[Held]:
        key = self._key(name, scope)
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock, self._file_lock(key) as ended_on_host:
                try:
                    yield Held(self, ended_on_host)
                finally:
                    self.ended += 1
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    def _path(self, key: str) -> Path | None:
        if self._dir is None:
            return None
        return self._dir / (hashlib.sha256(key.encode()).hexdigest()[:32] + ".lock")

    @asynccontextmanager
    async def _file_lock(self, key: str) -> AsyncIterator[int]:
        path = self._path(key)
        if path is None:
            yield 0
            return
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
            ended = _read_count(fd)
            try:
                yield ended
            finally:
                os.pwrite(fd, _COUNT.pack(ended + 1), 0)
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def __len__(self) -> int:
        return len(self._locks)


_COUNT = struct.Struct("<Q")


def _read_count(fd: int) -> int:
    raw = os.pread(fd, _COUNT.size, 0)
    return _COUNT.unpack(raw)[0] if len(raw) == _COUNT.size else 0


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
