"""Reading a body the guard must check before forwarding: bounded in size, time and memory."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from aiohttp import web

from publish_guard.explain import GuardError
from publish_guard.npm.body_scan import Received
from publish_guard.publish.budget import Held

_RENEW = 0.5  # seconds: how late a stalled body may be noticed past --read-timeout


async def read_body(
    request: web.Request,
    limit: int,
    package: str,
    held: Held,
    idle_timeout: float = 60.0,
    each: Callable[[bytes], None] | None = None,
) -> Received:
    """The whole body, in the pieces it came in, refusing (413) past ``limit`` — before reading
    when the length is known — and (408) when the client sends nothing for ``idle_timeout``
    seconds. Its bytes are taken from the process's memory budget before they are read (the
    declared length at once; piece by piece for a chunked body), which may raise
    ``OverBudget``. ``each`` sees every piece as it arrives."""
    declared = request.content_length
    if declared is not None and declared > limit:
        raise _too_large(package, declared, limit)
    if declared is not None:
        await held.take(declared)
    loop = asyncio.get_running_loop()
    pieces: list[bytes] = []
    size = 0
    try:
        # one deadline, moved on at most every _RENEW seconds: not a timer per piece
        async with asyncio.timeout(idle_timeout + _RENEW) as deadline:
            renewed = loop.time()
            while chunk := await request.content.readany():
                if (now := loop.time()) - renewed > _RENEW:
                    deadline.reschedule(now + idle_timeout + _RENEW)
                    renewed = now
                size += len(chunk)
                if size > limit:
                    raise _too_large(package, size, limit, at_least=True)
                if declared is None or size > declared:
                    await held.take(len(chunk))
                pieces.append(chunk)
                if each is not None:
                    each(chunk)
    except TimeoutError:
        raise GuardError(
            "CLIENT_TOO_SLOW",
            method=request.method,
            target=request.path[:200],
            seconds=f"{idle_timeout:g}",
        ) from None
    return Received(pieces)


async def drain(request: web.Request, idle_timeout: float) -> None:
    """Read what is left of the body and drop it, so that the client, which sends its whole
    body before it reads an answer, gets the answer (a 503 it retries) instead of a reset."""
    try:
        async with asyncio.timeout(idle_timeout) as deadline:
            while await request.content.readany():
                deadline.reschedule(asyncio.get_running_loop().time() + idle_timeout)
    except (TimeoutError, ConnectionError):
        pass


def _too_large(package: str, size: int, limit: int, *, at_least: bool = False) -> GuardError:
    shown = ("more than " if at_least else "") + human_size(size)
    return GuardError(
        "PUBLISH_TOO_LARGE",
        package=package,
        size=shown,
        limit=human_size(limit),
        body={"size": size, "limit": limit},
    )


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} bytes"
