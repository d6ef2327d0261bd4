"""Per-package publish locks across every replica: redis-py's ``Lock``, kept alive while held.

A lock is taken in the process first (publishes of one package through one replica queue there,
not in Redis), then in Redis with a TTL of ``LOCK_TTL`` seconds, renewed every third of it while
the publish runs, so a replica that dies frees it within ``LOCK_TTL``. Before anything is sent
to the registry the pipeline asks ``still_held``: a lock whose renewal failed (Redis went away,
or the TTL ran out) is not held, and nothing is forwarded unlocked. Every release counts one
more ended publish of the package, for the freshness of early look-ups.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from redis.asyncio.lock import Lock
from redis.exceptions import LockError, RedisError

from publish_guard.publish.locks import LockBusy, Stamp
from publish_guard.shared.state import SharedState, SharedStateDown, describe

log = structlog.get_logger("publish_guard.shared")
LOCK_TTL = 30.0  # seconds: how long a lock outlives a replica that died holding it
ENDED_TTL = 24 * 3600


class SharedHeld:
    def __init__(self, locks: SharedLocks, ended: int, lock: Lock) -> None:
        self._locks = locks
        self._ended = ended
        self._lock = lock
        self.lost: str | None = None  # why the lock may be gone (its renewal failed)

    def unchanged_since(self, stamp: Stamp) -> bool:
        return stamp.ended_on_host == self._ended

    async def still_held(self) -> bool:
        """True only if Redis says this lock is still this replica's."""
        if self.lost is not None:
            return False
        try:
            return bool(await self._lock.owned())
        except (RedisError, OSError) as exc:
            self.lost = describe(exc)
            return False


class SharedLocks:
    """The ``publish.locks.PackageLocks`` interface, across replicas."""

    def __init__(self, state: SharedState, *, wait: float = 300.0) -> None:
        self._state = state
        self.wait = wait
        self._local: dict[str, tuple[asyncio.Lock, int]] = {}
        self.ended = 0

    def _key(self, kind: str, name: str) -> str:
        return self._state.key(kind, name)

    async def stamp(self, name: str, scope: str = "") -> Stamp:
        try:
            value = await self._state.redis.get(self._key("ended", name))
        except (RedisError, OSError):
            return Stamp(-1, -1)  # never fresh: the look-up is made again under the lock
        return Stamp(0, int(value or 0))

    @asynccontextmanager
    async def hold(self, name: str, scope: str = "") -> AsyncIterator[SharedHeld]:
        deadline = time.monotonic() + self.wait
        local, users = self._local.get(name, (asyncio.Lock(), 0))
        self._local[name] = (local, users + 1)
        try:
            try:
                async with asyncio.timeout(self.wait):
                    await local.acquire()
            except TimeoutError:
                raise LockBusy(name, self.wait) from None
            try:
                async with self._redis_lock(name, deadline) as held:
                    yield held
            finally:
                local.release()
        finally:
            local, users = self._local[name]
            if users <= 1:
                del self._local[name]
            else:
                self._local[name] = (local, users - 1)

    @asynccontextmanager
    async def _redis_lock(self, name: str, deadline: float) -> AsyncIterator[SharedHeld]:
        redis = self._state.redis
        lock = Lock(
            redis,
            self._key("lock", name),
            timeout=LOCK_TTL,
            sleep=0.01,
            blocking=True,
            blocking_timeout=max(0.0, deadline - time.monotonic()),
            thread_local=False,
            raise_on_release_error=False,
        )
        try:
            acquired = await lock.acquire()
            ended = int(await redis.get(self._key("ended", name)) or 0)
        except (RedisError, OSError) as exc:
            raise SharedStateDown(describe(exc)) from None
        if not acquired:
            raise LockBusy(name, self.wait)
        held = SharedHeld(self, ended, lock)
        renewing = asyncio.create_task(self._renew(lock, held))
        try:
            yield held
        finally:
            renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewing
            self.ended += 1
            await self._release(name, lock)

    async def _release(self, name: str, lock: Lock) -> None:
        key = self._key("ended", name)
        try:
            async with self._state.redis.pipeline(transaction=True) as pipe:
                pipe.incr(key)
                pipe.expire(key, int(ENDED_TTL))
                await pipe.execute()
            await lock.release()
        except (RedisError, LockError, OSError) as exc:
            # the lock expires by itself within LOCK_TTL; the next publish looks up afresh
            log.warning("shared_lock_release_failed", package=name, detail=describe(exc))

    @staticmethod
    async def _renew(lock: Lock, held: SharedHeld) -> None:
        while True:
            await asyncio.sleep(LOCK_TTL / 3)
            try:
                await lock.extend(LOCK_TTL, replace_ttl=True)
            except (RedisError, LockError, OSError) as exc:
                held.lost = describe(exc)
                return

    def __len__(self) -> int:
        return len(self._local)
