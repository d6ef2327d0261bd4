"""``--shared-state`` wired into the app: the Redis connection, the shared board, locks and dev
numbers, and the task that watches Redis. ``create_app`` imports this module only when the
setting is on, so a guard without it never loads redis-py (a sixth of its start-up)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import structlog
from aiohttp import web

from publish_guard.config import Settings
from publish_guard.keys import SHARED
from publish_guard.shared.board import SharedBoard
from publish_guard.shared.devnumbers import SharedDevNumbers
from publish_guard.shared.locks import SharedLocks
from publish_guard.shared.state import SharedState, replica_name
from publish_guard.status.board import Board
from publish_guard.status.recorder import BOARD, METRICS

WATCH_SECONDS = 5.0
log = structlog.get_logger("publish_guard")


@dataclass(frozen=True, slots=True)
class SharedParts:
    board: SharedBoard
    locks: SharedLocks
    numbers: SharedDevNumbers


def attach(app: web.Application, settings: Settings, board: Board) -> SharedParts:
    """Redis for this app: kept as ``app[SHARED]``, started and stopped with the app."""
    assert settings.shared_state is not None
    shared = SharedState(
        settings.shared_state,
        scope=str(settings.upstream),
        ca_bundle=settings.ca_bundle,
        replica=replica_name(),
    )
    app[SHARED] = shared
    app.cleanup_ctx.append(_shared_state)
    return SharedParts(
        board=SharedBoard(shared, board),
        locks=SharedLocks(shared, wait=settings.publish_timeout, linger=settings.publish_timeout),
        numbers=SharedDevNumbers(shared),
    )


async def _shared_state(app: web.Application) -> AsyncIterator[None]:
    """Redis, watched for the page and metrics; the board's writer runs while the app does."""
    shared, board = app[SHARED], app[BOARD]
    assert isinstance(board, SharedBoard)
    board.start()
    health = await shared.ping()
    log.info("shared_state", url=shared.where, reachable=health.ok, detail=health.detail)
    watching = asyncio.create_task(_watch_shared(app))
    yield
    watching.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await watching
    await board.stop()
    await shared.close()


async def _watch_shared(app: web.Application) -> None:
    shared, metrics = app[SHARED], app[METRICS]
    while True:
        health = await shared.ping()
        metrics.shared_state_up.set(1 if health.ok else 0)
        await asyncio.sleep(WATCH_SECONDS)
