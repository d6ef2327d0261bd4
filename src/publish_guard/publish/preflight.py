"""``GET /-/guard/check/<escaped-name>/<version>``: could this version be published now?"""

from __future__ import annotations

from aiohttp import web

from publish_guard.explain import GuardError
from publish_guard.explain.codes.publishes import INVALID_PUBLISH, InvalidPublish
from publish_guard.explain.publish import availability
from publish_guard.keys import PUBLISHER
from publish_guard.npm.documents import is_valid_version
from publish_guard.npm.names import InvalidPackageName, name_from_path_segment
from publish_guard.publish.lookup import look_up, lookup_headers
from publish_guard.publish.verdict import judge

PREFIX = "/-/guard/check/"


async def check(request: web.Request) -> web.Response:
    raw = request.raw_path.partition("?")[0][len(PREFIX) :]
    raw_name, _, version = raw.rpartition("/")
    try:
        name = name_from_path_segment(raw_name)
    except InvalidPackageName as exc:
        raise GuardError(
            INVALID_PUBLISH, InvalidPublish(package=raw_name, detail=str(exc))
        ) from None
    if not is_valid_version(version.lstrip("=v").split("+", 1)[0]):
        raise GuardError(
            INVALID_PUBLISH,
            InvalidPublish(package=name.full, detail=f"invalid version: {version!r}"),
        )
    service = request.app[PUBLISHER]
    reserves = service.flavor.reserves_unpublished
    lookup = await look_up(
        service.upstream, name, lookup_headers(request.headers), version, full=reserves
    )
    if lookup.failure is not None and lookup.failure.code == "UPSTREAM_DOCUMENT":
        raise lookup.failure
    if not lookup.known:
        cause = (
            lookup.failure.error
            if lookup.failure
            else f"the registry answered HTTP {lookup.status}"
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
    verdict = judge(lookup.document, version, reserves_unpublished=reserves)
    return web.json_response(availability(verdict, name.full, service.flavor))
