"""The shared locks against a real redis-server that stalls, restarts empty and is stopped
under them: a lock is never held by two replicas at once while this replica forwards, and a
look-up made before the lock is never trusted across a change it cannot see."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from yarl import URL

from publish_guard.publish.locks import LockBusy
from publish_guard.shared.devnumbers import SharedDevNumbers
from publish_guard.shared.locks import SharedLocks
from publish_guard.shared.state import SharedState
from tests.harness.redis_server import RedisServer

pytestmark = pytest.mark.e2e
NAME = "pkg"


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    with RedisServer(tmp_path / "redis") as server:
        yield server


@pytest.fixture
async def replicas(redis: RedisServer) -> AsyncIterator[list[SharedLocks]]:
    states = [
        SharedState(URL(redis.url), scope="http://registry/", ca_bundle=None, replica=f"r{i}")
        for i in range(2)
    ]
    # short times, so that a stall or a restart outlasts several renewals
    yield [SharedLocks(s, wait=3, linger=6, ttl=3, renew_every=0.3) for s in states]
    for state in states:
        await state.redis.aclose()


async def _busy_for(locks: SharedLocks, seconds: float) -> bool:
    locks.wait = seconds
    try:
        async with locks.hold(NAME):
            return False
    except LockBusy:
        return True


@pytest.fixture
async def settled(replicas: list[SharedLocks]) -> list[SharedLocks]:
    """Both replicas, each having taken and given back a lock: the epoch is known to both."""
    for locks in replicas:
        await _settled(locks)
    return replicas


async def _settled(locks: SharedLocks) -> None:
    """One lock taken and given back, so that the deployment's epoch is known."""
    async with locks.hold(NAME):
        pass


async def test_a_stalled_redis_does_not_cost_a_held_lock(
    redis: RedisServer, settled: list[SharedLocks]
) -> None:
    first, second = settled
    async with first.hold(NAME) as held:
        redis.pause()  # several renewals fail (each waits 2 s for an answer)
        await asyncio.sleep(2.5)
        redis.resume()
        await asyncio.sleep(1.5)  # past the TTL since the last good renewal before the stall
        assert await held.still_held()
        assert await _busy_for(second, 1.0)
    assert not await _busy_for(second, 1.0)


async def test_a_key_lost_with_redis_data_is_taken_again_before_anyone_else_publishes(
    redis: RedisServer, settled: list[SharedLocks]
) -> None:
    first, second = settled
    async with first.hold(NAME) as held:
        redis.stop()
        redis.start()  # empty: no persistence
        started = time.monotonic()
        assert await _busy_for(second, 3.0)  # it waits for holders to come back first
        assert time.monotonic() - started >= second._grace
        assert await held.still_held()


async def test_an_early_look_up_is_trusted_only_if_nothing_changed(
    redis: RedisServer, replicas: list[SharedLocks]
) -> None:
    first, second = replicas
    await _settled(first)
    stamp = await second.stamp(NAME)
    async with second.hold(NAME) as held:
        assert held.unchanged_since(stamp)  # nothing happened between: trusted

    stamp = await second.stamp(NAME)
    await _settled(first)  # a publish ended in between
    async with second.hold(NAME) as held:
        assert not held.unchanged_since(stamp)

    async with first.hold(NAME):
        during = await second.stamp(NAME)  # a publish is under way
    async with second.hold(NAME) as held:
        assert not held.unchanged_since(during)

    stamp = await second.stamp(NAME)
    redis.stop()
    redis.start()  # the marks are gone with the data
    async with second.hold(NAME) as held:
        assert not held.unchanged_since(stamp)


async def test_an_early_look_up_is_not_trusted_when_a_release_failed(
    redis: RedisServer, settled: list[SharedLocks]
) -> None:
    first, second = settled
    stamp = await second.stamp(NAME)
    async with first.hold(NAME):
        redis.pause()
    # the release could not be written; once Redis answers, the lock expires by its TTL
    redis.resume()
    async with second.hold(NAME) as held:
        assert not held.unchanged_since(stamp)


async def test_a_publish_stopped_at_the_registry_keeps_its_lock(
    redis: RedisServer, settled: list[SharedLocks]
) -> None:
    first, second = settled
    at_the_registry = asyncio.Event()

    async def publish() -> None:
        async with first.hold(NAME) as held:
            with held.sending():
                at_the_registry.set()
                await asyncio.sleep(60)

    task = asyncio.ensure_future(publish())
    await at_the_registry.wait()
    task.cancel()  # the guard stopping
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await _busy_for(second, 3.0), "the lock was freed while the registry stored the body"
    await asyncio.sleep(3.5)  # past its linger (6 s in all)
    assert not await _busy_for(second, 1.0)


async def test_a_publish_that_ends_frees_its_lock_at_once(settled: list[SharedLocks]) -> None:
    first, second = settled
    async with first.hold(NAME) as held:
        with held.sending():
            pass
    started = time.monotonic()
    assert not await _busy_for(second, 1.0)
    assert time.monotonic() - started < 0.5


async def test_a_replica_never_hands_out_again_a_dev_number_it_saw_after_redis_lost_it(
    redis: RedisServer,
) -> None:
    state = SharedState(URL(redis.url), scope="http://registry/", ca_bundle=None, replica="r0")
    numbers = SharedDevNumbers(state)
    try:
        assert await numbers.claim("pkg", "1.0.0-dev", 0) == 0
        assert await numbers.claim("pkg", "1.0.0-dev", 0) == 1  # dev.0 unpublished: not again
        redis.stop()
        redis.start()  # empty
        assert await numbers.claim("pkg", "1.0.0-dev", 0) == 2
    finally:
        await state.redis.aclose()
