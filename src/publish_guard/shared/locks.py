"""Per-package publish locks across every replica: redis-py's ``Lock``, kept while held.

A lock is taken in the process first (publishes of one package through one replica queue there,
not in Redis), then in Redis with a TTL of ``LOCK_TTL`` seconds, renewed every ``RENEW_EVERY``
seconds while the publish runs, so a replica that dies frees it within ``LOCK_TTL``.

- A renewal that fails (Redis stalled or restarting) is tried again until ``LOCK_TTL`` has passed
  since the last good one; a key found gone (Redis restarted empty) is taken again at once if no
  other replica has it. Before anything is sent to the registry the pipeline asks
  ``still_held``; nothing is forwarded on a lock this replica does not hold.
- Redis losing its data is seen through an epoch key: the first replica to take a lock after a
  loss lets it go and waits ``2 * RENEW_EVERY + 1`` seconds, so that the publishes still at the
  registry take their keys again before any new one looks the registry up.
- A publish cancelled while its body is at the registry (the guard stopping) keeps the lock for
  ``linger`` seconds instead of freeing it: the registry may still store that body.
- Each lock taken writes a new random mark of the package; a look-up made before the lock is
  trusted under it only if the mark has not changed since and no lock was held when it began
  (so a look-up begun after a publish ended, or while none ran, is; one that overlapped a
  publish, or Redis's losing its data, is not). Releasing writes nothing but the lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

import structlog
from redis.asyncio.lock import Lock
from redis.exceptions import LockError, LockNotOwnedError, RedisError

from publish_guard.publish.locks import InProcessLocks, LockBusy, Stamp
from publish_guard.shared.state import SharedState, SharedStateDown, describe

log = structlog.get_logger("publish_guard.shared")
LOCK_TTL = 30.0  # seconds: how long a lock outlives a replica that died holding it
RENEW_EVERY = 2.0
MARK_TTL = 24 * 3600
UNTRUSTED = Stamp(-1, "")


def _token() -> str:
    return os.urandom(12).hex()


class SharedHeld:
    def __init__(self, mark_before: str, lock: Lock) -> None:
        self._before = mark_before
        self._lock = lock
        self.lost: str | None = None  # why the lock is no longer this replica's
        self.forwarding = False

    def unchanged_since(self, stamp: Stamp) -> bool:
        return bool(self._before) and stamp.ended_on_host == self._before

    async def still_held(self) -> bool:
        """True only if Redis says this lock is still this replica's."""
        if self.lost is not None:
            return False
        try:
            return bool(await self._lock.owned())
        except (RedisError, OSError) as exc:
            self.lost = describe(exc)
            return False

    @contextmanager
    def sending(self) -> Iterator[None]:
        self.forwarding = True
        try:
            yield
        except asyncio.CancelledError:
            raise  # still forwarding as far as the registry knows: the lock lingers
        except BaseException:
            self.forwarding = False
            raise
        self.forwarding = False


class SharedLocks:
    """The ``publish.locks.Locks`` interface, across replicas."""

    def __init__(
        self,
        state: SharedState,
        *,
        wait: float = 300.0,
        linger: float = 300.0,
        ttl: float = LOCK_TTL,
        renew_every: float = RENEW_EVERY,
    ) -> None:
        self._state = state
        self.wait = wait
        self.linger = linger
        self.ttl = ttl
        self.renew_every = renew_every
        self._in_process = InProcessLocks()
        self._epoch: str | None = None

    def _key(self, kind: str, name: str) -> str:
        return self._state.key(kind, name)

    async def stamp(self, name: str, scope: str = "") -> Stamp:
        try:
            async with self._state.redis.pipeline(transaction=False) as pipe:
                pipe.get(self._key("mark", name))
                pipe.exists(self._key("lock", name))
                mark, busy = await pipe.execute()
        except (RedisError, OSError):
            return UNTRUSTED  # the look-up is made again under the lock
        if mark is None or busy:
            return UNTRUSTED
        return Stamp(-1, _text(mark))

    @asynccontextmanager
    async def hold(self, name: str, scope: str = "") -> AsyncIterator[SharedHeld]:
        deadline = time.monotonic() + self.wait
        async with (
            self._in_process.hold(name, name, self.wait),
            self._redis_lock(name, deadline) as held,
        ):
            yield held

    @asynccontextmanager
    async def _redis_lock(self, name: str, deadline: float) -> AsyncIterator[SharedHeld]:
        lock, before = await self._acquire(name, deadline)
        held = SharedHeld(before, lock)
        renewing = asyncio.create_task(self._renew(name, lock, held))
        try:
            yield held
        finally:
            renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewing
            if held.forwarding:
                await self._keep(name, lock)
            else:
                await self._release(name, lock)

    async def _acquire(self, name: str, deadline: float) -> tuple[Lock, str]:
        """The lock, and the package's mark as it was when the lock was taken."""
        while True:
            lock = Lock(
                self._state.redis,
                self._key("lock", name),
                timeout=self.ttl,
                sleep=0.01,
                blocking=True,
                blocking_timeout=max(0.0, deadline - time.monotonic()),
                thread_local=False,
                raise_on_release_error=False,
            )
            try:
                if not await lock.acquire():
                    raise LockBusy(name, self.wait)
                async with self._state.redis.pipeline(transaction=True) as pipe:
                    pipe.set(self._state.key("epoch"), _token(), nx=True)
                    pipe.get(self._state.key("epoch"))
                    pipe.get(self._key("mark", name))
                    pipe.set(self._key("mark", name), _token(), ex=MARK_TTL)
                    created, epoch, before, _ = await pipe.execute()
            except (RedisError, OSError) as exc:
                raise SharedStateDown(describe(exc)) from None
            known, self._epoch = self._epoch, _text(epoch)
            lost_data = bool(created) or (known is not None and known != self._epoch)
            if not lost_data:
                return lock, _text(before) if before is not None else ""
            # Redis has lost its data (or is new): let publishes still at the registry take
            # their keys again before this one looks the registry up
            log.warning("shared_state_was_emptied", package=name, wait=self._grace)
            await self._release(name, lock)
            await asyncio.sleep(self._grace)

    @property
    def _grace(self) -> float:
        return 2 * self.renew_every + 1

    async def _release(self, name: str, lock: Lock) -> None:
        try:
            await lock.release()
        except (RedisError, LockError, OSError) as exc:
            # the lock expires by itself within LOCK_TTL; the next publish looks up afresh
            log.warning("shared_lock_release_failed", package=name, detail=describe(exc))

    async def _keep(self, name: str, lock: Lock) -> None:
        """Stopped while the registry may still be storing the body: the lock stays until it
        must have finished."""
        log.warning("shared_lock_kept", package=name, seconds=self.linger)
        with contextlib.suppress(RedisError, LockError, OSError):
            await lock.extend(self.linger, replace_ttl=True)

    async def _renew(self, name: str, lock: Lock, held: SharedHeld) -> None:
        last_good = time.monotonic()
        while True:
            await asyncio.sleep(self.renew_every)
            try:
                try:
                    await lock.extend(self.ttl, replace_ttl=True)
                except LockNotOwnedError:  # the key is gone: Redis restarted empty
                    if not await lock.acquire(blocking=False, token=lock.local.token):
                        held.lost = "another replica holds the package's lock"
                        log.error("shared_lock_lost", package=name)
                        return
                    log.warning("shared_lock_taken_again", package=name)
                last_good = time.monotonic()
            except (RedisError, LockError, OSError) as exc:
                if time.monotonic() - last_good >= self.ttl:
                    held.lost = describe(exc)
                    log.error("shared_lock_lost", package=name, detail=held.lost)
                    return
                log.warning("shared_lock_renewal_failed", package=name, detail=describe(exc))

    def __len__(self) -> int:
        return len(self._in_process)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
