"""The facts around a refused write that only a request and the upstream can give."""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web
from multidict import CIMultiDict

from publish_guard.config import Settings
from publish_guard.explain.answer import GuardError
from publish_guard.explain.refusals import Refusal, WriteContext, explain_refusal
from publish_guard.flavors import Flavor
from publish_guard.upstream import Upstream

_COMMANDS = {
    "publish",
    "deprecate",
    "dist-tag",
    "unpublish",
    "login",
    "adduser",
    "owner",
    "star",
    "unstar",
    "access",
    "logout",
}


def command_of(request: web.Request, relative_path: str) -> str:
    """The npm command behind a write: npm says it in ``npm-command``; yarn does not."""
    said = request.headers.get("npm-command", "").lower()
    if said in _COMMANDS:
        return {"adduser": "login", "unstar": "star"}.get(said, said)
    if relative_path.startswith("-/user/org.couchdb.user:"):
        return "login"
    if relative_path.startswith("-/package/") and "/dist-tags" in relative_path:
        return "dist-tag"
    if "/-rev/" in relative_path or request.method == "DELETE":
        return "unpublish"
    return "write"


def guard_url(request: web.Request, settings: Settings) -> str:
    if settings.public_url is not None:
        return str(settings.public_url)
    return f"{request.scheme}://{request.host}/"


async def artifactory_repo_info(
    upstream: Upstream, repo: str, headers: CIMultiDict[str]
) -> dict[str, Any] | None:
    """``GET /artifactory/api/repositories/<key>`` with the caller's credentials: rclass and
    defaultDeploymentRepo tell why a publish is refused. ``None`` when it cannot be read."""
    path = f"artifactory/api/repositories/{repo}"
    ask = CIMultiDict(headers)
    ask["accept"] = "application/json"
    try:
        async with upstream.request("GET", path, headers=ask, from_origin=True) as answer:
            if answer.status != 200:
                return None
            info = orjson.loads(await upstream.read_body(answer, 256 * 1024))
    except (GuardError, orjson.JSONDecodeError):
        return None
    return info if isinstance(info, dict) else None


async def explain_write(
    request: web.Request,
    refusal: Refusal,
    *,
    settings: Settings,
    upstream: Upstream,
    flavor: Flavor,
    relative_path: str,
    asking: CIMultiDict[str],
    package: str | None = None,
    version: str | None = None,
    version_visible: bool | None = None,
) -> GuardError | None:
    command = command_of(request, relative_path)
    if version is not None:
        command = "publish"
    repo = flavor.repo_key(upstream.base)
    info = None
    if repo and flavor.wants_repo_info(refusal.status, command):
        info = await artifactory_repo_info(upstream, repo, asking)
    ctx = WriteContext(
        command=command,
        flavor=flavor,
        guard_url=guard_url(request, settings),
        package=package,
        version=version,
        repo=repo,
        repo_info=info,
        request_size=request.content_length,
        method_path=f"{request.method} /{relative_path}",
        version_visible=version_visible,
    )
    return explain_refusal(refusal, ctx)
