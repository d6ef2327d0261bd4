"""The registry's catch-all handler: publishes go to the pipeline, everything else streams."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from aiohttp import web

from publish_guard.explain import GuardError
from publish_guard.keys import PUBLISHER, SETTINGS, TARGET, VIA_DEV_PREFIX
from publish_guard.npm.body_scan import Received
from publish_guard.npm.names import InvalidPackageName, PackageName, parse_name
from publish_guard.npm.publish_body import (
    PublishBodyError,
    is_publish_body,
    load_publish_json,
    parse_publish_body,
    tarball_scan,
)
from publish_guard.passthrough import passthrough
from publish_guard.publish.detect import Kind, classify, is_publish_attempt
from publish_guard.publish.devmode import hidden_from_publish_check
from publish_guard.publish.lookup import EarlyLookup
from publish_guard.status.recorder import PublishNote, note

EARLY_FROM = 64 * 1024  # bytes of body: from here on the look-up runs while the body is read
_RENEW = 0.5  # seconds: how late a stalled body may be noticed past --read-timeout


async def registry(request: web.Request) -> web.StreamResponse:
    target = request[TARGET]
    kind, path_name = classify(request.method, target.path[1:])
    if kind is Kind.OTHER or path_name is None:
        hidden = hidden_from_publish_check(
            request.app[SETTINGS],
            request.method,
            target.path[1:],
            request.headers.get("npm-command"),
            request.get(VIA_DEV_PREFIX, False),
        )
        if hidden is not None:
            return _dev_publish_check(hidden)
        return await passthrough(request)
    noted = note(request, path_name)
    declared = request.content_length
    early = None
    if (declared is None or declared >= EARLY_FROM) and not request.get(VIA_DEV_PREFIX, False):
        early = request.app[PUBLISHER].look_up_early(request, path_name)
    try:
        return await _publish_or_write(request, kind, path_name, noted, early)
    finally:
        if early is not None:
            early.close()


async def _publish_or_write(
    request: web.Request,
    kind: Kind,
    path_name: str,
    noted: PublishNote,
    early: EarlyLookup | None,
) -> web.StreamResponse:
    settings = request.app[SETTINGS]
    target = request[TARGET]
    scan = tarball_scan()
    try:
        body = await read_body(
            request, settings.max_publish_size, path_name, settings.read_timeout, scan.feed
        )
        scanned = await asyncio.to_thread(scan.finish) if scan.found else None
    finally:
        scan.close()
    try:
        doc, known = load_publish_json(body, scanned)
    except PublishBodyError as exc:
        raise _invalid(path_name, exc) from None
    if kind is Kind.DOCUMENT_WRITE and not is_publish_attempt(doc):
        noted.write = True
        return await passthrough(request, body=body.joined())  # deprecate, star, owner
    try:
        name = parse_name(path_name, strict=False)
        parsed = parse_publish_body(doc, path_name=name, known=known)
    except InvalidPackageName as exc:
        raise GuardError("INVALID_PUBLISH", package=path_name, detail=str(exc)) from None
    except PublishBodyError as exc:
        raise _invalid(path_name, exc) from None
    assert is_publish_body(doc)
    noted.package, noted.version = parsed.name.full, parsed.version
    return await request.app[PUBLISHER].publish(
        request,
        target.relative,
        body,
        parsed,
        via_dev_prefix=request.get(VIA_DEV_PREFIX, False),
        early=early,
    )


def _dev_publish_check(package: str) -> web.Response:
    """npm 11's read before a dev publish: "not found", so that it sends the PUT (npm ignores
    this answer's body, and a 404 is what it expects for a new package)."""
    error = (
        f"publish-guard dev mode: the versions of {package} are not shown to the publish's own "
        "check; the guard picks the next free -dev.N version"
    )
    return web.json_response({"error": error}, status=404)


def _invalid(package: str, exc: PublishBodyError) -> GuardError:
    return GuardError(
        "INVALID_PUBLISH", package=package, detail=exc.message, body={"reason": exc.code}
    )


async def read_body(
    request: web.Request,
    limit: int,
    package: str,
    idle_timeout: float = 60.0,
    each: Callable[[bytes], None] | None = None,
) -> Received:
    """The whole body, in the pieces it came in, refusing (413) past ``limit`` — before reading
    when the length is known — and (408) when the client sends nothing for ``idle_timeout``
    seconds. ``each`` sees every piece as it arrives."""
    declared = request.content_length
    if declared is not None and declared > limit:
        raise _too_large(package, declared, limit)
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


__all__ = ["PackageName", "registry"]
