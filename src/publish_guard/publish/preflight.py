"""``GET /-/guard/check/<escaped-name>/<version>``: could this version be published now?"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from publish_guard.explain import GuardError
from publish_guard.explain.publish import suggestion_facts, verdict_error
from publish_guard.keys import PUBLISHER
from publish_guard.npm.documents import is_valid_version
from publish_guard.npm.names import InvalidPackageName, name_from_path_segment
from publish_guard.publish.lookup import fetch_document, lookup_headers
from publish_guard.publish.verdict import Outcome, Verdict

PREFIX = "/-/guard/check/"


async def check(request: web.Request) -> web.Response:
    raw = request.raw_path.partition("?")[0][len(PREFIX) :]
    raw_name, _, version = raw.rpartition("/")
    try:
        name = name_from_path_segment(raw_name)
    except InvalidPackageName as exc:
        raise GuardError("INVALID_PUBLISH", package=raw_name, detail=str(exc)) from None
    if not is_valid_version(version.lstrip("=v").split("+", 1)[0]):
        raise GuardError(
            "INVALID_PUBLISH", package=name.full, detail=f"invalid version: {version!r}"
        )
    service = request.app[PUBLISHER]
    asking = lookup_headers(request.headers)
    first = await fetch_document(service.upstream, name, asking, full=False)
    if first.status not in (200, 404):
        cause = (
            first.failure.error if first.failure else f"the registry answered HTTP {first.status}"
        )
        return web.json_response(
            {
                "package": name.full,
                "version": version,
                "publishable": None,
                "outcome": "unknown",
                "error": f"cannot tell whether {name.full}@{version} is free: {cause}",
            },
            status=200,
        )
    verdict = Verdict(Outcome.FREE, version)
    if first.document is not None:
        verdict = service.judge(first.document, version)
        if verdict.taken or service.flavor.reserves_unpublished:
            full = await fetch_document(service.upstream, name, asking, full=True)
            if full.document is not None:
                verdict = service.judge(full.document, version)
    body: dict[str, Any] = {
        "package": name.full,
        "version": version,
        "publishable": not verdict.taken,
        "outcome": "exists" if verdict.outcome is Outcome.IDENTICAL else verdict.outcome.value,
        "suggestions": suggestion_facts(verdict.suggestions),
    }
    if verdict.taken:
        error = verdict_error(verdict, name.full, service.flavor)
        body.update(error=error.error, hint=error.hint, code=error.code, **error.extra_body)
    return web.json_response(body)
