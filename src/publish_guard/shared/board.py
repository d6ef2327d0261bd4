"""The status board of the whole deployment: every replica's events, counters and hour in Redis.

Each replica keeps its own ``Board`` as before (it is what the page shows while Redis is away)
and hands what it records to a writer task, which sends it to Redis in one pipeline per second:
new events (each naming its replica) pushed onto a list trimmed to ``MAX_EVENTS``, counters
added to a hash, outcome counts added to the hash of their minute (kept two hours). A request
never waits for Redis. ``snapshot`` reads the deployment's view back; when Redis cannot be read
it is this replica's view, and says so.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from typing import Any

import orjson
import structlog
from redis.exceptions import RedisError

from publish_guard.shared.state import SharedState, describe
from publish_guard.status.board import (
    MAX_EVENTS,
    OUTCOMES,
    TIMELINE_MINUTES,
    Board,
    Event,
    utc_seconds,
)

log = structlog.get_logger("publish_guard.shared")
FLUSH_SECONDS = 1.0
MINUTE_TTL = 2 * 3600
_PENDING_MAX = 10_000  # events waiting for Redis; older ones are dropped from the shared view


class SharedBoard:
    def __init__(self, state: SharedState, local: Board) -> None:
        self._state = state
        self.local = local
        self._events: list[Event] = []
        self._counters: Counter[str] = Counter()
        self._minutes: dict[int, Counter[str]] = {}
        self._task: asyncio.Task[None] | None = None
        self.failure: str | None = None  # why the shared view is not available, if it is not

    # -- recording (from the request middleware: no I/O here) ----------------------------

    def clock(self) -> float:
        return self.local.clock()

    def request(self, status: int) -> None:
        self.local.request(status)
        self._counters[f"requests:{status // 100}xx"] += 1

    def record(self, event: Event) -> None:
        self.local.record(event)
        if len(self._events) < _PENDING_MAX:
            self._events.append(event)
        self._counters[f"outcome:{event.outcome}"] += 1
        if event.code:
            self._counters[f"code:{event.code}"] += 1
        self._minutes.setdefault(int(event.time // 60), Counter())[event.outcome] += 1

    # -- the writer -------------------------------------------------------------------------

    def start(self) -> None:
        self._task = asyncio.create_task(self._write_forever())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.flush()

    async def _write_forever(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_SECONDS)
            await self.flush()

    async def flush(self) -> None:
        if not (self._events or self._counters):
            return
        events, counters, minutes = self._events, self._counters, self._minutes
        self._events, self._counters, self._minutes = [], Counter(), {}
        key = self._state.key
        try:
            async with self._state.redis.pipeline(transaction=False) as pipe:
                if events:
                    replica = self._state.replica
                    pipe.lpush(
                        key("events"),
                        *(orjson.dumps({**e.as_dict(), "replica": replica}) for e in events),
                    )
                    pipe.ltrim(key("events"), 0, MAX_EVENTS - 1)
                for name, count in counters.items():
                    pipe.hincrby(key("counters"), name, count)
                for minute, counts in minutes.items():
                    for outcome, count in counts.items():
                        pipe.hincrby(key("minute", str(minute)), outcome, count)
                    pipe.expire(key("minute", str(minute)), MINUTE_TTL)
                await pipe.execute()
        except (RedisError, OSError) as exc:
            self.failure = describe(exc)
            self._requeue(events, counters, minutes)
        else:
            self.failure = None

    def _requeue(
        self, events: list[Event], counters: Counter[str], minutes: dict[int, Counter[str]]
    ) -> None:
        """What could not be written waits for the next flush (bounded)."""
        self._events = (events + self._events)[-_PENDING_MAX:]
        self._counters.update(counters)
        for minute, counts in minutes.items():
            self._minutes.setdefault(minute, Counter()).update(counts)

    # -- reading ----------------------------------------------------------------------------

    async def view(self) -> dict[str, Any]:
        """The deployment's events, counters and hour; this replica's when Redis is away
        (``shared.ok`` says which)."""
        await self.flush()
        local = self.local.snapshot()
        now_minute = int(self.local.clock() // 60)
        minutes = range(now_minute - TIMELINE_MINUTES + 1, now_minute + 1)
        key = self._state.key
        try:
            async with self._state.redis.pipeline(transaction=False) as pipe:
                pipe.lrange(key("events"), 0, MAX_EVENTS - 1)
                pipe.hgetall(key("counters"))
                for minute in minutes:
                    pipe.hgetall(key("minute", str(minute)))
                raw_events, raw_counters, *raw_minutes = await pipe.execute()
        except (RedisError, OSError) as exc:
            self.failure = describe(exc)
            return {**local, "shared": {"ok": False, "detail": self.failure}}
        counters = {_text(k): int(v) for k, v in raw_counters.items()}
        requests = {
            name.removeprefix("requests:"): n
            for name, n in sorted(counters.items())
            if name.startswith("requests:")
        }
        codes = {k.removeprefix("code:"): n for k, n in counters.items() if k.startswith("code:")}
        return {
            **local,
            "counters": {
                "requests": sum(requests.values()),
                "requests_by_class": requests,
                "publishes": {o: counters.get(f"outcome:{o}", 0) for o in OUTCOMES},
                "by_code": dict(sorted(codes.items(), key=lambda item: -item[1])),
            },
            "timeline": [
                {
                    "minute": utc_seconds(minute * 60),
                    **{o: int(_field(counts, o)) for o in OUTCOMES},
                }
                for minute, counts in zip(minutes, raw_minutes, strict=True)
            ],
            "events": [orjson.loads(raw) for raw in raw_events],
            "shared": {"ok": True, "detail": "every replica's"},
        }


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _field(counts: dict[Any, Any], name: str) -> int:
    return int(counts.get(name.encode(), counts.get(name, 0)))
