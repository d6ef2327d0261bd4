"""A dev publish: ``1.2.3`` becomes ``1.2.3-dev.N`` with the next free N, consistently.

There is no shared state between guard replicas: the upstream is the single source of truth.
N is chosen from the upstream's document, the rewritten body is published, and when the
upstream answers that the chosen version exists (another replica took it), N is chosen again,
a bounded number of times.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import orjson
import structlog
from aiohttp import web
from multidict import CIMultiDict

from publish_guard.explain import GuardError
from publish_guard.headers import request_headers
from publish_guard.npm.dev import (
    ProvenanceError,
    dev_version,
    next_dev_number,
    rewrite_publish_body,
)
from publish_guard.npm.documents import existing_versions, unpublished_versions, version_identity
from publish_guard.npm.publish_body import PublishBody, parse_publish_body
from publish_guard.publish.answers import relay
from publish_guard.publish.lookup import fetch_document
from publish_guard.status.board import REWRITTEN
from publish_guard.status.recorder import note

if TYPE_CHECKING:
    from publish_guard.publish.pipeline import PublishService

log = structlog.get_logger("publish_guard.dev")
MAX_ATTEMPTS = 8


class DevPublisher:
    def __init__(self, service: PublishService) -> None:
        self.service = service

    async def publish(
        self,
        request: web.Request,
        relative_target: str,
        parsed: PublishBody,
        asking: CIMultiDict[str],
        reason: str,
    ) -> web.StreamResponse | None:
        """The answer, or ``None`` when on-conflict mode finds the version free (publish it as
        it is)."""
        service, settings = self.service, self.service.settings
        name = parsed.name.full
        if parsed.extra_attachments:
            raise GuardError("DEV_PROVENANCE", package=name, version=parsed.version)
        async with service.locks.hold(name, str(service.upstream.base)):
            for attempt in range(1, MAX_ATTEMPTS + 1):
                lookup = await fetch_document(
                    service.upstream, parsed.name, asking, full=service.flavor.reserves_unpublished
                )
                document = lookup.document
                if settings.dev_mode == "on-conflict" and attempt == 1:
                    verdict = service.judge(
                        document, parsed.version, parsed.integrity, parsed.shasum
                    )
                    if not verdict.taken:
                        return None
                taken = existing_versions(document or {})
                if service.flavor.reserves_unpublished:
                    taken += unpublished_versions(document or {})
                new_version = dev_version(parsed.version, next_dev_number(parsed.version, taken))
                answer = await self._publish_as(
                    request, relative_target, parsed, asking, new_version
                )
                if answer is not None:
                    noted = note(request, name)  # made by the route, with the sent version
                    noted.version, noted.original_version = new_version, parsed.version
                    noted.outcome = REWRITTEN
                    log.info(
                        "dev_publish",
                        package=name,
                        version=new_version,
                        original=parsed.version,
                        reason=reason,
                        attempt=attempt,
                    )
                    return answer
        raise GuardError(
            "DEV_ALLOCATION_FAILED", package=name, version=parsed.version, attempts=MAX_ATTEMPTS
        )

    async def _publish_as(
        self,
        request: web.Request,
        relative_target: str,
        parsed: PublishBody,
        asking: CIMultiDict[str],
        new_version: str,
    ) -> web.StreamResponse | None:
        """Publish the body rewritten to ``new_version``; ``None`` when someone else took it."""
        service = self.service
        try:
            new_doc, facts = rewrite_publish_body(
                parsed.document(),
                new_version,
                registry_tarball_base=None,
                dev_tag=service.settings.dev_dist_tag,
            )
        except ProvenanceError:
            raise GuardError(
                "DEV_PROVENANCE", package=parsed.name.full, version=parsed.version
            ) from None
        body = orjson.dumps(new_doc)
        rewritten = parse_publish_body(new_doc, path_name=parsed.name)
        headers = request_headers(
            request.headers, client_ip=request.remote, scheme=request.scheme, host=request.host
        )
        headers["Content-Length"] = str(len(body))
        headers.popall("Content-Encoding", None)  # the rewritten body is sent as it is made
        success = _dev_success(parsed.name.full, parsed.version, new_version, facts.tag)
        try:
            answer = await service.forward(request.method, relative_target, headers, body)
        except GuardError as failure:
            await service.resolve_unknown(request, relative_target, rewritten, asking, failure)
            return success(200)
        if answer.status >= 500:
            server_error = GuardError(
                "UPSTREAM_REJECTED",
                registry=service.flavor.title,
                upstream_status=answer.status,
                reason=answer.reason,
            )
            await service.resolve_unknown(
                request, relative_target, rewritten, asking, server_error, answer=answer
            )
            return success(200)
        if answer.status < 400:
            return success(answer.status)
        again = await fetch_document(service.upstream, parsed.name, asking, full=False)
        wanted = version_identity(new_version)
        if any(version_identity(v) == wanted for v in existing_versions(again.document or {})):
            log.info("dev_version_taken", package=parsed.name.full, version=new_version)
            return None
        error = await service.explain(
            request, relative_target, rewritten, asking, answer, again.known
        )
        if error is not None:
            raise error
        return relay(answer)


def _dev_success(
    package: str, original: str, published: str, tag: str
) -> Callable[[int], web.Response]:
    notice = (
        f"published {package}@{published} (dev mode, from {original}); "
        f"install with npm i {package}@{tag}"
    )

    def respond(status: int) -> web.Response:
        body = {
            "ok": True,
            "success": True,
            "id": package,
            "version": published,
            "original": original,
            "dev": True,
            "tag": tag,
            "notice": notice,
        }
        return web.Response(
            body=orjson.dumps(body),
            status=status,
            content_type="application/json",
            headers={"npm-notice": notice},
        )

    return respond
