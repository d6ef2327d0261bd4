"""``GET /-/guard/check/<escaped-name>/<version>``: could this version be published now?"""

from __future__ import annotations

from aiohttp import web

from publish_guard.explain import GuardError
from publish_guard.explain.codes.publishes import INVALID_PUBLISH, InvalidPublish
from publish_guard.keys import PUBLISHER
from publish_guard.npm.documents import is_valid_version
from publish_guard.npm.names import InvalidPackageName, name_from_path_segment
from publish_guard.publish.availability import availability_now
from publish_guard.publish.lookup import lookup_headers

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
    asking = lookup_headers(request.headers)
    answer = await availability_now(service.upstream, name, asking, version, service.flavor)
    return web.json_response(answer)
