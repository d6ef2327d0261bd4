"""One publish, from the body to the answer (see the package docstring for the walk)."""

from __future__ import annotations

from typing import Any

import structlog
from aiohttp import web
from multidict import CIMultiDict

from publish_guard.config import Settings
from publish_guard.explain import GuardError
from publish_guard.explain.publish import verdict_error
from publish_guard.explain.refusals import Refusal
from publish_guard.explain.writes import explain_write, guard_url
from publish_guard.flavors import Flavor
from publish_guard.headers import request_headers, response_headers
from publish_guard.npm.body_scan import Received
from publish_guard.npm.names import InvalidPackageName, PackageName, parse_name
from publish_guard.npm.publish_body import PublishBody
from publish_guard.publish.answers import Answer, relay, short_cause, success, upstream_facts
from publish_guard.publish.budget import BodyBudget
from publish_guard.publish.devflow import DevPublisher
from publish_guard.publish.devmode import DEV_PREFIX, dev_hint, dev_trigger
from publish_guard.publish.lookup import EarlyLookup, Lookup, fetch_document, lookup_headers
from publish_guard.publish.state import Held, PackageLocks, SeenVersions
from publish_guard.publish.verdict import Outcome, Verdict, judge
from publish_guard.status.board import IDENTICAL
from publish_guard.status.metrics import Metrics
from publish_guard.status.recorder import note
from publish_guard.upstream import Upstream

log = structlog.get_logger("publish_guard.publish")
MAX_ANSWER_SIZE = 4 * 1024**2


class PublishService:
    """The publish pipeline of one guard process; the app holds one."""

    def __init__(
        self, settings: Settings, upstream: Upstream, flavor: Flavor, metrics: Metrics
    ) -> None:
        self.settings = settings
        self.metrics = metrics
        self.upstream = upstream
        self.flavor = flavor
        self.locks = PackageLocks(settings.lock_dir, wait=settings.publish_timeout)
        self.budget = BodyBudget(settings.max_publish_memory)
        self.seen = SeenVersions()

    async def publish(
        self,
        request: web.Request,
        relative_target: str,
        body: bytes | Received,
        parsed: PublishBody,
        *,
        via_dev_prefix: bool = False,
        early: EarlyLookup | None = None,
    ) -> web.StreamResponse:
        name = parsed.name
        asking = lookup_headers(request.headers)
        reason = dev_trigger(self.settings, name, parsed.tag, via_dev_prefix)
        if via_dev_prefix and reason is None:
            raise GuardError("DEV_MODE_OFF", package=name.full, dev_url=DEV_PREFIX)
        if reason is not None:
            dev_answer = await DevPublisher(self).publish(
                request, relative_target, parsed, asking, reason
            )
            if dev_answer is not None:
                return dev_answer
        credential = request.headers.get("authorization", "")
        async with self.locks.hold(name.full, str(self.upstream.base)) as held:
            fresh = (early, held) if early is not None else None
            verdict = await self._verdict(name, parsed, asking, credential, fresh)
            if verdict.taken:
                return self._refuse_or_accept(request, verdict, parsed)
            headers = request_headers(
                request.headers, client_ip=request.remote, scheme=request.scheme, host=request.host
            )
            try:
                answer = await self.forward(request.method, relative_target, headers, body)
            except GuardError as failure:
                return await self.resolve_unknown(request, relative_target, parsed, asking, failure)
            if answer.status >= 500:
                server_error = GuardError(
                    "UPSTREAM_REJECTED",
                    registry=self.flavor.title,
                    upstream_status=answer.status,
                    reason=answer.reason,
                )
                return await self.resolve_unknown(
                    request, relative_target, parsed, asking, server_error, answer=answer
                )
            if answer.status >= 400:
                return await self._explain_rejection(
                    request, relative_target, parsed, asking, answer
                )
            log.info("published", package=name.full, version=parsed.version, status=answer.status)
            return relay(answer)

    # -- deciding -------------------------------------------------------------------------

    def look_up_early(self, request: web.Request, path_name: str) -> EarlyLookup | None:
        """The look-up of the package a publish names in its path, started before its body is
        read (``publish`` uses it if it is still fresh under the lock)."""
        try:
            name = parse_name(path_name, strict=False)
        except InvalidPackageName:
            return None
        stamp = self.locks.stamp(name.full, str(self.upstream.base))
        asking = lookup_headers(request.headers)
        return EarlyLookup(fetch_document(self.upstream, name, asking, full=False), stamp)

    async def _verdict(
        self,
        name: PackageName,
        parsed: PublishBody,
        asking: CIMultiDict[str],
        credential: str,
        early: tuple[EarlyLookup, Held] | None = None,
    ) -> Verdict:
        cached = self.seen.get(credential, name.full, parsed.version)
        if cached is not None:
            return cached.for_tarball(parsed.integrity, parsed.shasum)
        with self.metrics.publish_check_seconds.time():
            first = await early[0].take(early[1]) if early is not None else None
            verdict = await self._look_up(name, parsed, asking, first)
        self.seen.remember(credential, name.full, verdict)
        return verdict

    async def _look_up(
        self,
        name: PackageName,
        parsed: PublishBody,
        asking: CIMultiDict[str],
        first: Lookup | None = None,
    ) -> Verdict:
        if first is None:
            first = await fetch_document(self.upstream, name, asking, full=False)
        if first.document is None:
            # 404: a new package. Anything else (401, 403, 5xx, unreachable): the upstream is
            # the judge; the publish is forwarded and its answer explained.
            return Verdict(Outcome.FREE, parsed.version)
        verdict = self._judge(first, parsed)
        needs_time = verdict.taken or self.flavor.reserves_unpublished
        if needs_time and not _has_time(first.document):
            full = await fetch_document(self.upstream, name, asking, full=True)
            if full.document is not None:
                verdict = self._judge(full, parsed)
        return verdict

    def _judge(self, lookup: Lookup, parsed: PublishBody) -> Verdict:
        return self.judge(lookup.document, parsed.version, parsed.integrity, parsed.shasum)

    def judge(
        self, document: dict[str, Any] | None, version: str, integrity: str = "", shasum: str = ""
    ) -> Verdict:
        return judge(
            document,
            version,
            integrity=integrity,
            shasum=shasum,
            reserves_unpublished=self.flavor.reserves_unpublished,
        )

    def _refuse_or_accept(
        self, request: web.Request, verdict: Verdict, parsed: PublishBody
    ) -> web.Response:
        package = parsed.name.full
        if verdict.outcome is Outcome.IDENTICAL and self.settings.identical_republish == "accept":
            log.info("identical_republish", package=package, version=parsed.version)
            note(request, package, parsed.version).outcome = IDENTICAL
            return success(
                package,
                parsed.version,
                f"{package}@{parsed.version} is already published with identical content; "
                "nothing was changed",
                identical=True,
            )
        log.info(
            "collision", package=package, version=parsed.version, outcome=verdict.outcome.value
        )
        raise self.refusal(request, verdict, package)

    def refusal(self, request: web.Request, verdict: Verdict, package: str) -> GuardError:
        hint = dev_hint(self.settings, guard_url(request, self.settings))
        return verdict_error(verdict, package, self.flavor, dev_hint=hint)

    # -- forwarding and verifying ---------------------------------------------------------

    async def forward(
        self,
        method: str,
        relative_target: str,
        headers: CIMultiDict[str],
        body: bytes | Received,
    ) -> Answer:
        async with self.upstream.request(
            method,
            relative_target,
            headers=headers,
            data=body,
            total_timeout=self.settings.publish_timeout,
        ) as response:
            content = await self.upstream.read_body(response, MAX_ANSWER_SIZE)
            return Answer(
                response.status, response.reason or "", response_headers(response.headers), content
            )

    async def _explain_rejection(
        self,
        request: web.Request,
        relative_target: str,
        parsed: PublishBody,
        asking: CIMultiDict[str],
        answer: Answer,
    ) -> web.StreamResponse:
        """The upstream refused although the check said free: look again to say what happened
        (another publish won a race, or the check could not see the version)."""
        lookup = await fetch_document(self.upstream, parsed.name, asking, full=True)
        if lookup.document is not None:
            verdict = self._judge(lookup, parsed)
            if verdict.taken:
                self.seen.remember(asking.get("authorization", ""), parsed.name.full, verdict)
                return self._refuse_or_accept(request, verdict, parsed)
        error = await self.explain(request, relative_target, parsed, asking, answer, lookup.known)
        if error is not None:
            raise error
        return relay(answer)

    async def resolve_unknown(
        self,
        request: web.Request,
        relative_target: str,
        parsed: PublishBody,
        asking: CIMultiDict[str],
        failure: GuardError,
        answer: Answer | None = None,
    ) -> web.Response:
        """The body was sent and the answer was lost or a 5xx: ask the upstream what landed."""
        package, version = parsed.name.full, parsed.version
        cause = short_cause(failure, answer)
        lookup = await fetch_document(self.upstream, parsed.name, asking, full=False)
        if lookup.failure is not None or not lookup.known:
            raise GuardError(
                "PUBLISH_OUTCOME_UNKNOWN",
                package=package,
                version=version,
                cause=cause,
                lookup=lookup.failure.error if lookup.failure else f"HTTP {lookup.status}",
                upstream=str(self.upstream.base),
            )
        verdict = self._judge(lookup, parsed)
        if verdict.outcome is Outcome.IDENTICAL:
            log.warning("landed_despite_failure", package=package, version=version, cause=cause)
            return success(
                package,
                version,
                f"{package}@{version} was published; the registry's answer was lost or an error "
                f"({cause}), but the version is there with this tarball",
            )
        if verdict.taken:
            raise self.refusal(request, verdict, package)
        log.warning("did_not_land", package=package, version=version, cause=cause)
        if answer is not None:
            # a 5xx that says why (Verdaccio's "uplinks is down") is explained as such
            explained = await self.explain(request, relative_target, parsed, asking, answer, True)
            if explained is not None and explained.code != "UPSTREAM_REJECTED":
                raise explained
        raise GuardError(
            "PUBLISH_NOT_LANDED",
            package=package,
            version=version,
            cause=cause,
            upstream=str(self.upstream.base),
            status=504 if failure.status == 504 else 502,
            body={"upstream": upstream_facts(answer, self.flavor)} if answer else None,
        )

    async def explain(
        self,
        request: web.Request,
        relative_target: str,
        parsed: PublishBody,
        asking: CIMultiDict[str],
        answer: Answer,
        visible: bool,
    ) -> GuardError | None:
        return await explain_write(
            request,
            Refusal(answer.status, answer.reason, answer.headers, answer.body),
            settings=self.settings,
            upstream=self.upstream,
            flavor=self.flavor,
            relative_path=relative_target.partition("?")[0],
            asking=asking,
            package=parsed.name.full,
            version=parsed.version,
            version_visible=visible,
        )


def _has_time(document: dict[str, Any] | None) -> bool:
    return bool(document and isinstance(document.get("time"), dict))
