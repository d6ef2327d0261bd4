"""Reading a body the guard must check before forwarding: bounded in size, time and memory, and
only in a form it reads exactly as the registry will.

- ``Content-Type`` must be JSON, in UTF-8 (or with no charset): a registry decodes other
  charsets first (Verdaccio's JSON reader takes ``charset=utf-7``, where ``+ACI-`` is a quote),
  so one body would be two documents — the one checked and the one stored.
- ``Content-Encoding`` gzip or deflate is decoded for the check (a separate copy, within the
  size limit and the memory budget); other encodings are refused.
- The bytes are taken from the process's memory budget before they are read, and a body must
  keep the pace that brings it whole within ``--publish-timeout``: a client that declares a big
  body and sends a byte now and then holds the budget for seconds, not for ever.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web

from publish_guard.codings import CodingError, content_codings, decode
from publish_guard.config import Settings
from publish_guard.explain import GuardError
from publish_guard.explain.codes.publishes import (
    INVALID_PUBLISH,
    PUBLISH_TOO_LARGE,
    InvalidPublish,
    PublishTooLarge,
)
from publish_guard.explain.codes.requests import (
    CLIENT_TOO_SLOW,
    UNSUPPORTED_ENCODING,
    ClientTooSlow,
    UnsupportedEncoding,
)
from publish_guard.npm.body_scan import Received
from publish_guard.publish.budget import Reservation

_RENEW = 0.5  # seconds: how often the deadline of a body that arrives is moved on
_TICK = 1.0  # seconds: how often a body that does not arrive is looked at
_GRACE = 10.0  # seconds a declared body may take before it must keep pace
_JSON_TYPES = ("application/json", "text/json")


@dataclass(frozen=True, slots=True)
class Body:
    """A body as sent (``sent``, what is forwarded) and as checked (``inspected``: the same,
    or its decoded copy)."""

    sent: Received
    inspected: bytes | Received
    encoded: bool


def check_framing(request: web.Request, what: str, package: str) -> list[str]:
    """The body's content codings, once its type and charset are ones the guard reads as the
    registry does (else a 415, before anything is read)."""
    content_type = request.headers.get("Content-Type", "")
    media, _, parameters = content_type.partition(";")
    media = media.strip().lower()
    charset = _charset(parameters)
    if media and media not in _JSON_TYPES and not media.endswith("+json"):
        raise _unsupported(what, package, f"Content-Type {media!r} is not JSON")
    if charset not in (None, "utf-8", "utf8"):
        raise _unsupported(
            what,
            package,
            f"charset {charset!r} would be read otherwise by the registry (send UTF-8 JSON)",
        )
    try:
        return content_codings(request.headers.get("Content-Encoding"))
    except CodingError as exc:
        raise _unsupported(what, package, str(exc)) from None


async def read_checked_body(
    request: web.Request,
    settings: Settings,
    held: Reservation,
    package: str,
    codings: list[str],
    each: Callable[[bytes], None] | None = None,
) -> Body:
    sent = await read_body(
        request,
        settings.max_publish_size,
        package,
        held,
        settings.read_timeout,
        settings.publish_timeout,
        None if codings else each,
    )
    if not codings:
        return Body(sent, sent, False)
    limit = settings.max_publish_size
    try:
        inspected = await asyncio.to_thread(decode, sent.pieces, codings, limit, held.take_now)
    except CodingError as exc:
        if exc.kind == "too_large":
            raise GuardError(
                PUBLISH_TOO_LARGE,
                PublishTooLarge(
                    package=package,
                    size=f"more than {human_size(limit)} once decoded",
                    limit=human_size(limit),
                ),
                body={"limit": limit},
            ) from None
        raise GuardError(
            INVALID_PUBLISH,
            InvalidPublish(package=package, detail=str(exc)),
            body={"reason": "bad_encoding"},
        ) from None
    return Body(sent, inspected, True)


async def read_body(
    request: web.Request,
    limit: int,
    package: str,
    held: Reservation,
    idle_timeout: float = 60.0,
    total_timeout: float = 300.0,
    each: Callable[[bytes], None] | None = None,
) -> Received:
    """The whole body, in the pieces it came in, refusing (413) past ``limit`` — before reading
    when the length is known — and (408) when the client sends nothing for ``idle_timeout``
    seconds, or falls behind the pace that would bring the whole body within
    ``total_timeout``. The declared length is taken from the memory budget before anything is
    read (all or nothing, so that bodies that arrive together cannot each hold part of it and
    starve one another); a chunked body's pieces as they come. ``OverBudget`` when it cannot
    be had; ``each`` sees every piece."""
    declared = request.content_length
    if declared is not None and declared > limit:
        raise _too_large(package, declared, limit)
    if declared:
        await held.take(declared)
    loop = asyncio.get_running_loop()
    pieces: list[bytes] = []
    size = 0
    started = last_data = loop.time()
    while True:
        try:
            # one deadline, moved on at most every _RENEW seconds: not a timer per piece
            async with asyncio.timeout(_TICK) as deadline:
                renewed = loop.time()
                while chunk := await request.content.readany():
                    last_data = now = loop.time()
                    if now - renewed > _RENEW:
                        deadline.reschedule(now + _TICK)
                        renewed = now
                    size += len(chunk)
                    if size > limit:
                        raise _too_large(package, size, limit, at_least=True)
                    if declared is None:
                        await held.take(len(chunk))
                    pieces.append(chunk)
                    if each is not None:
                        each(chunk)
                return Received(pieces)
        except TimeoutError:
            now = loop.time()
            late = _late(
                now - started, now - last_data, size, declared, idle_timeout, total_timeout
            )
            if late is not None:
                raise GuardError(
                    CLIENT_TOO_SLOW,
                    ClientTooSlow(method=request.method, target=request.path[:200], seconds=late),
                ) from None


def _late(
    elapsed: float,
    idle: float,
    size: int,
    declared: int | None,
    idle_timeout: float,
    total_timeout: float,
) -> str | None:
    """Why a body is too slow to wait for, as the seconds of CLIENT_TOO_SLOW, or ``None``."""
    if idle > idle_timeout:
        return f"{idle_timeout:g}"
    if elapsed > total_timeout:
        return f"{total_timeout:g}"
    behind = (
        declared is not None
        and elapsed > _GRACE
        and (size < declared * (elapsed - _GRACE) / total_timeout)
    )
    return f"{total_timeout:g}" if behind else None


async def drain(request: web.Request, idle_timeout: float) -> None:
    """Read what is left of the body and drop it, so that the client, which sends its whole
    body before it reads an answer, gets the answer (a 503 it retries) instead of a reset."""
    try:
        async with asyncio.timeout(idle_timeout) as deadline:
            while await request.content.readany():
                deadline.reschedule(asyncio.get_running_loop().time() + idle_timeout)
    except (TimeoutError, ConnectionError):
        pass


def _charset(parameters: str) -> str | None:
    for parameter in parameters.split(";"):
        key, _, value = parameter.partition("=")
        if key.strip().lower() == "charset":
            return value.strip().strip('"').lower()
    return None


def _unsupported(what: str, package: str, detail: str) -> GuardError:
    return GuardError(
        UNSUPPORTED_ENCODING, UnsupportedEncoding(what=what, package=package, detail=detail)
    )


def _too_large(package: str, size: int, limit: int, *, at_least: bool = False) -> GuardError:
    shown = ("more than " if at_least else "") + human_size(size)
    return GuardError(
        PUBLISH_TOO_LARGE,
        PublishTooLarge(package=package, size=shown, limit=human_size(limit)),
        body={"size": size, "limit": limit},
    )


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} bytes"
