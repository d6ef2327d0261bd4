"""Per-package publish locks of one host: in the process, and across processes by lock files.

Serialising matters beyond fairness: Verdaccio 6.8 stores the loser's tarball when two publishes
of one version overlap, under the winner's integrity; Nexus with "Allow redeploy" lets the second
of two checked publishes overwrite the first.

The lock directory is the guard's own (``lockdir``). Lock files are opened without following
symlinks, must be regular files, and a count of the publishes that ended is written into their
first 8 bytes (never anything at another offset), so a look-up made before the lock can be
checked for freshness.
A lock not had within the wait is a ``LockBusy``, which the caller answers with a 503.
"""

from __future__ import annotations

import asyncio
import errno
import fcntl
import hashlib
import os
import stat
import struct
import time
from collections.abc import AsyncIterator
from contextlib import (
    AbstractAsyncContextManager,
    AbstractContextManager,
    asynccontextmanager,
    nullcontext,
)
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from publish_guard.lockdir import UnsafeLockDir, prepare_lock_dir

_COUNT = struct.Struct("<Q")


class LockBusy(Exception):
    """The package's lock was not had within the wait."""

    def __init__(self, package: str, seconds: float) -> None:
        super().__init__(f"the lock of {package} was busy for {seconds:g}s")
        self.package = package
        self.seconds = seconds


@dataclass(frozen=True, slots=True)
class Stamp:
    """How many publishes had ended when a look-up began (see ``PackageLocks.stamp``)."""

    ended_here: int  # in this process, of any package
    ended_on_host: int | str  # of this package, on the host (a count) or everywhere (a mark)


class HeldLock(Protocol):
    """A package's lock, held."""

    def unchanged_since(self, stamp: Stamp) -> bool:
        """A look-up made before the lock was taken still shows the upstream as it is (no
        publish of the package has ended since it began)."""
        ...

    async def still_held(self) -> bool:
        """The lock is still this process's (checked before anything is forwarded)."""
        ...

    def sending(self) -> AbstractContextManager[None]:
        """Around a forward: a lock left while the registry may still be storing the body
        (the guard stopping) is kept until it must have finished, not freed."""
        ...


class Locks(Protocol):
    """Per-package publish locks: ``PackageLocks`` (one host), ``shared.locks.SharedLocks``
    (every replica)."""

    wait: float

    async def stamp(self, name: str, scope: str = "") -> Stamp: ...

    def hold(self, name: str, scope: str = "") -> AbstractAsyncContextManager[HeldLock]: ...


class InProcessLocks:
    """One asyncio lock per key, made on first use and dropped when its last user leaves: the
    in-process part of ``PackageLocks`` and ``shared.locks.SharedLocks``."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, key: str, name: str, wait: float) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            try:
                async with asyncio.timeout(wait):
                    await lock.acquire()
            except TimeoutError:
                raise LockBusy(name, wait) from None
            try:
                yield
            finally:
                lock.release()
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    def __len__(self) -> int:
        return len(self._locks)


class Held:
    def __init__(self, locks: PackageLocks, ended_on_host: int) -> None:
        self._locks = locks
        self._ended_on_host = ended_on_host

    def unchanged_since(self, stamp: Stamp) -> bool:
        return (stamp.ended_here, stamp.ended_on_host) == (self._locks.ended, self._ended_on_host)

    async def still_held(self) -> bool:
        return True  # a lock of this host is lost only with the process

    def sending(self) -> AbstractContextManager[None]:
        return nullcontext()  # the guard waits for its publishes before it stops


class PackageLocks:
    """One lock per package: an asyncio lock within the process and, with a lock directory, an
    ``flock`` on a file per package, so that worker processes and guards on one host serialise
    too. Every release counts as a publish that ended: in the process (``ended``) and in the
    lock file."""

    def __init__(self, lock_dir: Path | None = None, *, wait: float = 300.0) -> None:
        self._in_process = InProcessLocks()
        self._dir = prepare_lock_dir(lock_dir) if lock_dir is not None else None
        self.wait = wait
        self.ended = 0

    @staticmethod
    def _key(name: str, scope: str) -> str:
        return f"{scope}\n{name}"

    async def stamp(self, name: str, scope: str = "") -> Stamp:
        """Taken before a look-up that is to be used under the lock later."""
        ended_on_host = 0
        path = self._path(self._key(name, scope))
        if path is not None:
            try:
                fd = _open(path, create=False)
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
        """Hold the package's lock; ``LockBusy`` when it is not had within ``wait``."""
        key = self._key(name, scope)
        deadline = time.monotonic() + self.wait
        async with (
            self._in_process.hold(key, name, self.wait),
            self._file_lock(key, name, deadline) as ended_on_host,
        ):
            try:
                yield Held(self, ended_on_host)
            finally:
                self.ended += 1

    def _path(self, key: str) -> Path | None:
        if self._dir is None:
            return None
        return self._dir / (hashlib.sha256(key.encode()).hexdigest()[:32] + ".lock")

    @asynccontextmanager
    async def _file_lock(self, key: str, name: str, deadline: float) -> AsyncIterator[int]:
        path = self._path(key)
        if path is None:
            yield 0
            return
        fd = _open(path, create=True)
        try:
            delay = 0.005
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise LockBusy(name, self.wait) from None
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
        return len(self._in_process)


def _open(path: Path, *, create: bool) -> int:
    """The lock file, never through a symlink, and only if it is a regular file."""
    flags = os.O_RDWR | os.O_NOFOLLOW | os.O_CLOEXEC | (os.O_CREAT if create else 0)
    try:
        fd = os.open(path, flags, 0o600)
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # a symlink was planted where the lock file goes
            raise UnsafeLockDir(f"lock file {path} is a symlink; it was not followed") from None
        raise
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise UnsafeLockDir(f"lock file {path} is not a regular file")
    return fd


def _read_count(fd: int) -> int:
    raw = os.pread(fd, _COUNT.size, 0)
    return _COUNT.unpack(raw)[0] if len(raw) == _COUNT.size else 0
