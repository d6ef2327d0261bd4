"""One publish, from the parsed body to the answer: the only place of the walk that does I/O.

Under the package's lock: look the package up (fresh), let the policies decide (``policies``),
then refuse, accept, or forward what they chose and verify what the registry did with it
(``forwarding``). A dev publish whose version another publish took in the meantime is decided
again, a bounded number of times. Every answer given instead of the registry's comes from a
look-up made under the lock, after the body was read; the early look-up of a big publish (made
while its body arrived) may only let a publish through, and only if no publish of the package
ended since it began.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import structlog
from aiohttp import web

from publish_guard.config import Settings
from publish_guard.explain import GuardError
from publish_guard.explain.codes.publishes import (
    DEV_ALLOCATION_FAILED,
    TARBALL_INVALID,
    TARBALL_TOO_LARGE,
    BadTarball,
    DevAllocationFailed,
)
from publish_guard.explain.writes import guard_url
from publish_guard.flavors import Flavor
from publish_guard.npm.body_scan import Received
from publish_guard.npm.dev import dev_base, dev_version
from publish_guard.npm.names import InvalidPackageName, parse_name
from publish_guard.npm.publish_body import PublishBody
from publish_guard.npm.tarball import Limits, Package, TarballError, read_package
from publish_guard.publish.answers import success
from publish_guard.publish.availability import look_up_version
from publish_guard.publish.budget import BodyBudget, Reservation
from publish_guard.publish.devnumbers import DevNumbers, LocalDevNumbers
from publish_guard.publish.forwarding import Forwarding, Landed, Retry
from publish_guard.publish.locks import HeldLock, Locks, PackageLocks
from publish_guard.publish.lookup import EarlyLookup, Lookup, fetch_document, lookup_headers
from publish_guard.publish.policies import Accept, Candidate, Findings, Forward, Refuse, decide
from publish_guard.shared.errors import SharedStateDown
from publish_guard.status.metrics import Metrics
from publish_guard.upstream import Upstream

log = structlog.get_logger("publish_guard.publish")
MAX_ATTEMPTS = 8  # rounds of a dev publish whose chosen version others keep taking


@dataclass(frozen=True, slots=True)
class Published:
    """What became of a publish that was not refused: the answer, and the facts the status
    board records (``outcome``: ``published``, ``identical`` or ``rewritten``)."""

    response: web.StreamResponse
    version: str
    outcome: str
    original_version: str | None = None


class PublishService:
    """The publish pipeline of one guard process; the app holds one."""

    def __init__(
        self,
        settings: Settings,
        upstream: Upstream,
        flavor: Flavor,
        metrics: Metrics,
        *,
        locks: Locks | None = None,
        numbers: DevNumbers | None = None,
    ) -> None:
        self.settings = settings
        self.metrics = metrics
        self.upstream = upstream
        self.flavor = flavor
        self.locks: Locks = (
            locks
            if locks is not None
            else PackageLocks(settings.lock_dir, wait=settings.publish_timeout)
        )
        self.numbers: DevNumbers = numbers if numbers is not None else LocalDevNumbers()
        self.budget = BodyBudget(settings.max_publish_memory)
        self.limits = Limits(settings.max_unpacked_size, settings.max_tarball_entries)

    @property
    def scope(self) -> str:
        """Locks are per registry: one guard host may serve several upstreams' lock files."""
        return str(self.upstream.base)

    async def look_up_early(self, request: web.Request, path_name: str) -> EarlyLookup | None:
        """The look-up of the package a publish names in its path, started before its body is
        read (used under the lock only if still fresh, and only to let the publish through)."""
        try:
            name = parse_name(path_name, strict=False)
        except InvalidPackageName:
            return None
        stamp = await self.locks.stamp(name.full, self.scope)
        asking = lookup_headers(request.headers)
        return EarlyLookup(fetch_document(self.upstream, name, asking, full=False), stamp)

    async def publish(
        self,
        request: web.Request,
        relative_target: str,
        body: bytes | Received,
        parsed: PublishBody,
        held: Reservation,
        *,
        via_dev_prefix: bool = False,
        early: EarlyLookup | None = None,
    ) -> Published:
        held.take_now(parsed.tarball.size)  # decoded to be read (and, in dev mode, rewritten)
        packed = await self._read_tarball(parsed)
        candidate = Candidate(parsed, packed, via_dev_prefix)
        forwarding = Forwarding(self, request, relative_target, body)
        async with self.locks.hold(parsed.name.full, self.scope) as lock:
            return await self._decide_and_send(request, candidate, forwarding, early, lock)

    async def _decide_and_send(
        self,
        request: web.Request,
        candidate: Candidate,
        forwarding: Forwarding,
        early: EarlyLookup | None,
        held: HeldLock,
    ) -> Published:
        first = await early.take(held) if early is not None else None
        for _attempt in range(MAX_ATTEMPTS):
            with self.metrics.publish_check_seconds.time():
                facts = await self.facts(request, candidate, first)
                decision = decide(candidate, facts)
                if first is not None and not _lets_through(decision):
                    # an answer instead of the registry's: from a look-up made now
                    facts = await self.facts(request, candidate, None)
                    decision = decide(candidate, facts)
            first = None
            if isinstance(decision, Refuse):
                log.info("refused", package=candidate.package, code=decision.error.code)
                raise decision.error
            if isinstance(decision, Accept):
                log.info(
                    "identical_republish", package=candidate.package, version=candidate.version
                )
                return Published(
                    success(
                        candidate.package, candidate.version, decision.notice, **decision.extra
                    ),
                    candidate.version,
                    "identical",
                )
            if decision.candidate.dev_version is not None:
                decision = await self._claimed(decision)
            if not await held.still_held():
                raise SharedStateDown("the package's lock could not be kept") from None
            with held.sending():
                result = await forwarding.send(decision, facts)
            if isinstance(result, Landed):
                return Published(
                    result.response,
                    decision.candidate.version,
                    "rewritten" if decision.candidate.dev_version else "published",
                    candidate.parsed.version if decision.candidate.dev_version else None,
                )
            assert isinstance(result, Retry)
            log.info("dev_version_taken", package=candidate.package, version=result.version)
        raise GuardError(
            DEV_ALLOCATION_FAILED,
            DevAllocationFailed(
                package=candidate.package, version=candidate.parsed.version, attempts=MAX_ATTEMPTS
            ),
        )

    async def _claimed(self, decision: Forward) -> Forward:
        """The dev version chosen from the document, or a higher one: never one handed out
        before (a publish elsewhere may not show in the document yet)."""
        candidate = decision.candidate
        assert candidate.dev_version is not None
        base = dev_base(candidate.parsed.version)
        proposed = int(candidate.dev_version.rsplit(".", 1)[1])
        number = await self.numbers.claim(candidate.package, base, proposed)
        if number == proposed:
            return decision
        version = dev_version(candidate.parsed.version, number)
        tags = {tag: version for tag in candidate.tags}
        return Forward(replace(candidate, dev_version=version, dev_tags=tags), decision.warnings)

    async def facts(
        self, request: web.Request, candidate: Candidate, first: Lookup | None
    ) -> Findings:
        """The registry's document now, as the policies see it. A registry that answers
        neither 200 nor 404 (401, 403, 5xx, unreachable) is the judge itself: the publish is
        forwarded and its answer explained. A document the guard cannot read is a 502."""
        lookup = await look_up_version(
            self.upstream,
            candidate.parsed.name,
            lookup_headers(request.headers),
            candidate.parsed.version,
            self.flavor,
            first=first,
        )
        return Findings(
            lookup.document,
            self.flavor,
            self.settings,
            guard_url(request, self.settings),
            datetime.now(UTC),
            lookup.known,
        )

    async def _read_tarball(self, parsed: PublishBody) -> Package:
        """The tarball's package.json and files, read off the event loop within the limits."""
        source = parsed.tarball.source
        try:
            read = None if source is None else source.package
            if isinstance(read, TarballError):
                raise read
            if read is not None:
                return read  # read while the body arrived
            return await asyncio.to_thread(read_package, parsed.tarball.data, self.limits)
        except TarballError as exc:
            text = TARBALL_TOO_LARGE if exc.too_large else TARBALL_INVALID
            raise GuardError(
                text,
                BadTarball(
                    package=parsed.name.full, version=parsed.version, detail=_detail(str(exc))
                ),
                body={"reason": "tarball"},
            ) from None


def _lets_through(decision: object) -> bool:
    return isinstance(decision, Forward) and decision.candidate.dev_version is None


def _detail(message: str) -> str:
    """A TarballError's message as a clause after "its tarball"."""
    message = message.removeprefix("the tarball ").removeprefix("the ")
    return (
        message if message.split(" ", 1)[0] in ("is", "has", "unpacks") else f"is broken: {message}"
    )


__all__ = ["PublishService", "Published"]
