"""The registry's catch-all handler: every request is classified before anything is forwarded.

Reads stream through. Writes are understood or refused (``publish.writes``): publishes go to the
pipeline, document updates are checked to change metadata only, other writes to a package are
serialised with its publishes, account writes pass, and a write the guard does not know gets a
405 unless ``--allow-write`` names it.
"""

from __future__ import annotations

import asyncio

import structlog
from aiohttp import web

from publish_guard.config import Settings
from publish_guard.explain import GuardError
from publish_guard.explain.codes.network import SHARED_STATE_DOWN, SharedStateUnreachable
from publish_guard.explain.codes.publishes import (
    DEV_PUBLISH_CHECK,
    INVALID_PUBLISH,
    LOCK_BUSY,
    DevPublishCheck,
    InvalidPublish,
    PackageLocked,
)
from publish_guard.explain.codes.requests import (
    METADATA_ONLY,
    PUBLISH_TO_REV,
    PUBLISHES_BUSY,
    UNKNOWN_WRITE,
    UPDATE_UNCHECKED,
    MetadataOnly,
    PublishesBusy,
    PublishToRev,
    UnknownWrite,
    UpdateUnchecked,
)
from publish_guard.keys import PUBLISHER, SETTINGS, TARGET, VIA_DEV_PREFIX
from publish_guard.logs import bind_package
from publish_guard.npm.body_scan import Received
from publish_guard.npm.names import InvalidPackageName, PackageName, parse_name
from publish_guard.npm.publish_body import is_publish_body, parse_publish_body
from publish_guard.npm.publish_json import PublishBodyError, load_document, tarball_scan
from publish_guard.passthrough import passthrough
from publish_guard.publish.body import (
    check_framing,
    drain,
    human_size,
    read_body,
    read_checked_body,
)
from publish_guard.publish.budget import OverBudget, Reservation
from publish_guard.publish.devmode import hidden_from_publish_check
from publish_guard.publish.locks import LockBusy
from publish_guard.publish.lookup import EarlyLookup, fetch_document, lookup_headers
from publish_guard.publish.updates import is_publish_attempt, names_versions, update_problems
from publish_guard.publish.writes import READ_METHODS, Write, WriteKind, classify
from publish_guard.redact import redact_path
from publish_guard.shared.errors import SharedStateDown
from publish_guard.status.recorder import note

log = structlog.get_logger("publish_guard.publish")
EARLY_FROM = 64 * 1024  # bytes of body: from here on the look-up runs while the body is read
SMALL_WRITE = 1024 * 1024  # the body of a dist-tag, access or unpublish write
_CHECKED = (WriteKind.DOCUMENT_PUT, WriteKind.PUBLISH, WriteKind.DOCUMENT_UPDATE)


async def registry(request: web.Request) -> web.StreamResponse:
    target = request[TARGET]
    relative = target.path[1:]
    if request.method in READ_METHODS:
        hidden = hidden_from_publish_check(
            request.app[SETTINGS],
            request.method,
            relative,
            request.headers.get("npm-command"),
            request[VIA_DEV_PREFIX],
        )
        if hidden is not None:
            raise _dev_publish_check(hidden)
        return await passthrough(request)
    write = classify(request.method, relative)
    if write.kind is WriteKind.QUERY:
        return await passthrough(request, explain=False)
    if write.kind in _CHECKED:
        return await _checked_write(request, write)
    if write.kind is WriteKind.PACKAGE_WRITE:
        return await _package_write(request, write)
    note(request, redact_path(relative)).write = True
    if write.kind is WriteKind.ACCOUNT_WRITE or any(
        allowed.matches(request.method, relative) for allowed in request.app[SETTINGS].allow_writes
    ):
        return await passthrough(request)
    raise GuardError(
        UNKNOWN_WRITE,
        UnknownWrite(method=request.method[:16], target=redact_path(request.raw_path[:200])),
        headers={"Allow": "GET, HEAD, OPTIONS"},
    )


async def _package_write(request: web.Request, write: Write) -> web.StreamResponse:
    """A dist-tag change, an unpublish, an access change: serialised with the package's
    publishes. Its (small) body is read first, so that a client dribbling it never holds the
    package's lock."""
    assert write.package is not None
    bind_package(write.package)
    note(request, write.package).write = True
    service, settings = request.app[PUBLISHER], request.app[SETTINGS]
    held = Reservation(service.budget)
    try:
        body = await read_body(
            request,
            SMALL_WRITE,
            write.package,
            held,
            settings.read_timeout,
            settings.publish_timeout,
        )
        async with service.locks.hold(write.package, service.scope) as lock:
            if not await lock.still_held():
                raise SharedStateDown("the package's lock could not be kept")
            with lock.sending():
                return await passthrough(request, body=body.joined() if body.size else None)
    except OverBudget as exc:
        raise _busy(service.budget.limit, exc.wanted, service.budget.wait) from None
    except LockBusy as busy:
        raise _lock_busy(busy) from None
    except SharedStateDown as down:
        raise _shared_down(down, "write") from None
    finally:
        held.release()


async def _checked_write(request: web.Request, write: Write) -> web.StreamResponse:
    """A publish or a document update: its body is read (within the memory budget), decoded
    for inspection if it came encoded, and checked; what is forwarded is the body as sent."""
    assert write.package is not None
    path_name = write.package
    bind_package(path_name)  # before the early look-up, whose task copies the context
    note(request, path_name)
    what = "update" if write.kind is WriteKind.DOCUMENT_UPDATE else "publish"
    codings = check_framing(request, what, path_name)
    service = request.app[PUBLISHER]
    held = Reservation(service.budget)
    early = None
    declared = request.content_length
    wants_early = write.kind is not WriteKind.DOCUMENT_UPDATE and not request[VIA_DEV_PREFIX]
    try:
        if wants_early and (declared is None or declared >= EARLY_FROM):
            early = await service.look_up_early(request, path_name)
        return await _read_and_check(request, write, held, codings, early)
    except OverBudget as exc:
        await drain(request, request.app[SETTINGS].read_timeout)
        raise _busy(service.budget.limit, exc.wanted, service.budget.wait) from None
    except LockBusy as busy:
        raise _lock_busy(busy) from None
    except SharedStateDown as down:
        raise _shared_down(down, what) from None
    finally:
        held.release()
        if early is not None:
            early.close()


async def _read_and_check(
    request: web.Request,
    write: Write,
    held: Reservation,
    codings: list[str],
    early: EarlyLookup | None,
) -> web.StreamResponse:
    settings = request.app[SETTINGS]
    assert write.package is not None
    path_name = write.package
    scan = tarball_scan(request.app[PUBLISHER].limits)
    try:
        body = await read_checked_body(request, settings, held, path_name, codings, scan.feed)
        scanned = await asyncio.to_thread(scan.finish) if scan.found and not body.encoded else None
    finally:
        scan.close()
    try:
        doc, known = load_document(body.inspected, scanned)
    except PublishBodyError as exc:
        raise _invalid(path_name, exc) from None
    if write.kind is WriteKind.DOCUMENT_UPDATE:
        if is_publish_attempt(doc):
            versions = doc.get("versions")
            shown = ", ".join(map(str, versions)) if isinstance(versions, dict) else "?"
            raise GuardError(
                PUBLISH_TO_REV,
                PublishToRev(package=path_name, rev=write.path.rev or "", version=shown),
            )
        return await _metadata_update(request, write, doc, body.sent)
    if write.kind is WriteKind.DOCUMENT_PUT and not is_publish_attempt(doc):
        return await _metadata_update(request, write, doc, body.sent)  # deprecate, star
    try:
        name = parse_name(path_name, strict=False)
        parsed = parse_publish_body(doc, path_name=name, known=known)
    except InvalidPackageName as exc:
        raise GuardError(
            INVALID_PUBLISH, InvalidPublish(package=path_name, detail=str(exc))
        ) from None
    except PublishBodyError as exc:
        raise _invalid(path_name, exc) from None
    assert is_publish_body(doc)
    publish_note = note(request, path_name)
    publish_note.package, publish_note.version = parsed.name.full, parsed.version
    bind_package(parsed.name.full, parsed.version)
    published = await request.app[PUBLISHER].publish(
        request,
        request[TARGET].relative,
        body.sent,
        parsed,
        held,
        via_dev_prefix=request[VIA_DEV_PREFIX],
        early=early,
    )
    publish_note.version = published.version
    publish_note.outcome = published.outcome
    publish_note.original_version = published.original_version
    if published.original_version is not None:
        bind_package(parsed.name.full, published.version, published.original_version)
    return published.response


async def _metadata_update(
    request: web.Request, write: Write, doc: dict[str, object], body: Received
) -> web.StreamResponse:
    """A document update (deprecate, owner, star, unpublish of one version): checked under the
    package's lock against the registry's document, then forwarded as sent."""
    assert write.package is not None
    note(request, write.package).write = True
    service, settings = request.app[PUBLISHER], request.app[SETTINGS]
    async with service.locks.hold(write.package, service.scope) as lock:
        if names_versions(doc) or doc.get("_attachments") not in (None, {}):
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
                    UPDATE_UNCHECKED,
                    UpdateUnchecked(package=write.package, cause=cause),
                    headers={"Retry-After": "5"},
                )
            problems = update_problems(doc, lookup.document, _tarball_bases(settings))
            if problems:
                raise GuardError(
                    METADATA_ONLY, MetadataOnly(package=write.package, problems=", ".join(problems))
                )
        if not await lock.still_held():
            raise SharedStateDown("the package's lock could not be kept")
        with lock.sending():
            return await passthrough(request, body=body.joined())


def _tarball_bases(settings: Settings) -> tuple[tuple[str, str], ...]:
    """The registry's base, as tarball URLs may name it, and the guard's ``--public-url`` that
    clients were shown instead (``passthrough`` rewrites both schemes)."""
    if settings.public_url is None:
        return ()
    rest = str(settings.upstream).split("://", 1)[1]
    shown = str(settings.public_url)
    return ((f"http://{rest}", shown), (f"https://{rest}", shown))


def _shared_down(down: SharedStateDown, what: str) -> GuardError:
    log.warning("shared_state_down", detail=down.detail)
    return GuardError(
        SHARED_STATE_DOWN,
        SharedStateUnreachable(what=what, detail=down.detail),
        headers={"Retry-After": "5"},
    )


def _lock_busy(busy: LockBusy) -> GuardError:
    return GuardError(
        LOCK_BUSY,
        PackageLocked(package=busy.package, seconds=f"{busy.seconds:g}"),
        headers={"Retry-After": "5"},
    )


def _busy(limit: int, wanted: int, wait: float) -> GuardError:
    return GuardError(
        PUBLISHES_BUSY,
        PublishesBusy(held=human_size(limit), size=human_size(wanted), seconds=f"{wait:g}"),
        headers={"Retry-After": "5"},
    )


def _dev_publish_check(package: str) -> GuardError:
    """npm 11's read before a dev publish: "not found", so that it sends the PUT (npm ignores
    this answer's body, and a 404 is what it expects for a new package)."""
    return GuardError(DEV_PUBLISH_CHECK, DevPublishCheck(package=package))


def _invalid(package: str, exc: PublishBodyError) -> GuardError:
    return GuardError(
        INVALID_PUBLISH,
        InvalidPublish(package=package, detail=exc.message),
        body={"reason": exc.code},
    )


__all__ = ["PackageName", "registry"]
