"""The registry's catch-all handler: every request is classified before anything is forwarded.

Reads stream through. Writes are understood or refused (``publish.writes``): publishes go to the
pipeline, document updates are checked to change metadata only, other writes to a package are
serialised with its publishes, account writes pass, and a write the guard does not know gets a
405 unless ``--allow-write`` names it.
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from publish_guard.codings import CodingError, content_codings, decode
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
from publish_guard.publish.body import drain, human_size, read_body
from publish_guard.publish.budget import Held, OverBudget
from publish_guard.publish.devmode import hidden_from_publish_check
from publish_guard.publish.lookup import EarlyLookup, fetch_document, lookup_headers
from publish_guard.publish.updates import is_publish_attempt, names_versions, update_problems
from publish_guard.publish.writes import Write, WriteKind, classify
from publish_guard.redact import redact_path
from publish_guard.status.recorder import note

EARLY_FROM = 64 * 1024  # bytes of body: from here on the look-up runs while the body is read
_CHECKED = (WriteKind.DOCUMENT_PUT, WriteKind.PUBLISH, WriteKind.DOCUMENT_UPDATE)


async def registry(request: web.Request) -> web.StreamResponse:
    target = request[TARGET]
    relative = target.path[1:]
    write = classify(request.method, relative)
    if write.kind is WriteKind.QUERY:
        return await passthrough(request, explain=False)
    if write.kind is WriteKind.READ:
        hidden = hidden_from_publish_check(
            request.app[SETTINGS],
            request.method,
            relative,
            request.headers.get("npm-command"),
            request.get(VIA_DEV_PREFIX, False),
        )
        if hidden is not None:
            return _dev_publish_check(hidden)
        return await passthrough(request)
    if write.kind in _CHECKED:
        return await _checked_write(request, write)
    if write.kind is WriteKind.PACKAGE_WRITE:
        assert write.package is not None
        note(request, write.package).write = True
        service = request.app[PUBLISHER]
        async with service.locks.hold(write.package, str(service.upstream.base)):
            return await passthrough(request)
    note(request, redact_path(relative)).write = True
    if write.kind is WriteKind.ACCOUNT_WRITE or any(
        allowed.matches(request.method, relative) for allowed in request.app[SETTINGS].allow_writes
    ):
        return await passthrough(request)
    raise GuardError(
        "UNKNOWN_WRITE",
        method=request.method[:16],
        target=redact_path(request.raw_path[:200]),
        headers={"Allow": "GET, HEAD, OPTIONS"},
    )


async def _checked_write(request: web.Request, write: Write) -> web.StreamResponse:
    """A publish or a document update: its body is read (within the memory budget), decoded
    for inspection if it came encoded, and checked; what is forwarded is the body as sent."""
    assert write.package is not None
    path_name = write.package
    note(request, path_name)
    what = "update" if write.kind is WriteKind.DOCUMENT_UPDATE else "publish"
    try:
        codings = content_codings(request.headers.get("Content-Encoding"))
    except CodingError as exc:
        raise GuardError(
            "UNSUPPORTED_ENCODING", what=what, package=path_name, detail=str(exc)
        ) from None
    service = request.app[PUBLISHER]
    held = Held(service.budget)
    early = None
    declared = request.content_length
    wants_early = write.kind is not WriteKind.DOCUMENT_UPDATE and not request.get(VIA_DEV_PREFIX)
    if wants_early and (declared is None or declared >= EARLY_FROM):
        early = service.look_up_early(request, path_name)
    try:
        return await _read_and_check(request, write, held, codings, early)
    except OverBudget as exc:
        await drain(request, request.app[SETTINGS].read_timeout)
        raise _busy(service.budget.limit, exc.wanted, service.budget.wait) from None
    finally:
        held.release()
        if early is not None:
            early.close()


async def _read_and_check(
    request: web.Request,
    write: Write,
    held: Held,
    codings: list[str],
    early: EarlyLookup | None,
) -> web.StreamResponse:
    settings = request.app[SETTINGS]
    assert write.package is not None
    path_name = write.package
    scan = tarball_scan()
    try:
        body = await read_body(
            request,
            settings.max_publish_size,
            path_name,
            held,
            settings.read_timeout,
            None if codings else scan.feed,
        )
        scanned = await asyncio.to_thread(scan.finish) if scan.found else None
    finally:
        scan.close()
    inspected: bytes | Received = body
    if codings:
        inspected = await _decoded(body, codings, settings.max_publish_size, held, path_name)
    try:
        doc, known = load_publish_json(inspected, scanned)
    except PublishBodyError as exc:
        raise _invalid(path_name, exc) from None
    if write.kind is WriteKind.DOCUMENT_UPDATE:
        if is_publish_attempt(doc):
            versions = doc.get("versions")
            shown = ", ".join(map(str, versions)) if isinstance(versions, dict) else "?"
            raise GuardError(
                "PUBLISH_TO_REV", package=path_name, rev=write.path.rev or "", version=shown
            )
        return await _metadata_update(request, write, doc, body)
    if write.kind is WriteKind.DOCUMENT_PUT and not is_publish_attempt(doc):
        return await _metadata_update(request, write, doc, body)  # deprecate, star
    try:
        name = parse_name(path_name, strict=False)
        parsed = parse_publish_body(doc, path_name=name, known=known)
    except InvalidPackageName as exc:
        raise GuardError("INVALID_PUBLISH", package=path_name, detail=str(exc)) from None
    except PublishBodyError as exc:
        raise _invalid(path_name, exc) from None
    assert is_publish_body(doc)
    publish_note = note(request, path_name)
    publish_note.package, publish_note.version = parsed.name.full, parsed.version
    return await request.app[PUBLISHER].publish(
        request,
        request[TARGET].relative,
        body,
        parsed,
        via_dev_prefix=request.get(VIA_DEV_PREFIX, False),
        early=early,
    )


async def _metadata_update(
    request: web.Request, write: Write, doc: dict[str, object], body: Received
) -> web.StreamResponse:
    """A document update (deprecate, owner, star, unpublish of one version): checked under the
    package's lock against the registry's document, then forwarded as sent."""
    assert write.package is not None
    note(request, write.package).write = True
    service = request.app[PUBLISHER]
    async with service.locks.hold(write.package, str(service.upstream.base)):
        if names_versions(doc):
            name = parse_name(write.package, strict=False)
            asking = lookup_headers(request.headers)
            lookup = await fetch_document(service.upstream, name, asking, full=True, write=True)
            if not lookup.known:
                cause = (
                    lookup.failure.error
                    if lookup.failure is not None
                    else f"the registry answered HTTP {lookup.status}"
                )
                raise GuardError(
                    "UPDATE_UNCHECKED",
                    package=write.package,
                    cause=cause,
                    headers={"Retry-After": "5"},
                )
            problems = update_problems(doc, lookup.document)
            if problems:
                raise GuardError(
                    "METADATA_ONLY", package=write.package, problems=", ".join(problems)
                )
        return await passthrough(request, body=body.joined())


async def _decoded(
    body: Received, codings: list[str], limit: int, held: Held, package: str
) -> bytes:
    """The body with its ``Content-Encoding`` undone, off the event loop and within the limit
    and the memory budget (a "zip bomb" stops at the limit)."""
    try:
        return await asyncio.to_thread(decode, body.pieces, codings, limit, held.take_now)
    except CodingError as exc:
        if exc.kind == "too_large":
            raise GuardError(
                "PUBLISH_TOO_LARGE",
                package=package,
                size=f"more than {human_size(limit)} once decoded",
                limit=human_size(limit),
                body={"limit": limit},
            ) from None
        raise GuardError(
            "INVALID_PUBLISH", package=package, detail=str(exc), body={"reason": "bad_encoding"}
        ) from None


def _busy(limit: int, wanted: int, wait: float) -> GuardError:
    return GuardError(
        "PUBLISHES_BUSY",
        held=human_size(limit),
        size=human_size(wanted),
        seconds=f"{wait:g}",
        headers={"Retry-After": "5"},
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


__all__ = ["PackageName", "registry"]
