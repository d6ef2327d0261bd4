"""npm 11's staged publishing (``npm stage publish|list|view|approve|reject|download``), npmjs only.

``npm publish`` itself still sends ``PUT /<esc>``; only ``npm stage publish`` sends
``POST /-/stage/package/<esc>`` with the same body, answered ``{"stageId": <uuid>}``. Staging skips
the one-time password; approving (``POST /-/stage/<id>/approve``) asks for it and publishes.
"""

from __future__ import annotations

import uuid
from typing import Any

from aiohttp import web

from publish_guard.npm import documents as docs
from publish_guard.registry import packages
from publish_guard.registry.access import authorize, check_otp
from publish_guard.registry.errors import ErrorKind, RegistryError
from publish_guard.registry.flavors.base import RegistryAnswer, json_answer
from publish_guard.registry.model import Permission
from publish_guard.registry.routes.call import Call


def _enabled(call: Call) -> None:
    if not call.registry.flavor.stage_routes:
        raise RegistryError(ErrorKind.NOT_FOUND, package=call.package, repo=call.repo.key)


def _item(call: Call) -> dict[str, Any]:
    _enabled(call)
    item = call.registry.staged.get(call.path.ident or "")
    if item is None or item["repo"] != call.repo.key:
        raise RegistryError(ErrorKind.NOT_FOUND, repo=call.repo.key)
    authorize(call.registry, call.identity, call.repo, Permission.DEPLOY, package=item["name"])
    return item


def _public(item: dict[str, Any]) -> dict[str, Any]:
    return {
        k: item[k]
        for k in (
            "id",
            "packageName",
            "version",
            "tag",
            "createdAt",
            "actor",
            "actorType",
            "shasum",
        )
    }


async def stage_package(call: Call) -> RegistryAnswer:
    _enabled(call)
    body = await call.json()
    # Every check of a publish, except the one-time password, and nothing is stored yet.
    registry, repo = call.registry, call.repo
    checked, _ = packages.check_publish(
        registry, repo, call.identity, body, path_name=call.path.name, otp=None, require_otp=False
    )
    stage_id = str(uuid.uuid4())
    registry.staged[stage_id] = {
        "id": stage_id,
        "packageName": checked.name.full,
        "version": checked.version,
        "tag": checked.tag,
        "createdAt": docs.iso(registry.clock()),
        "actor": call.identity.name,
        "actorType": "user",
        "shasum": checked.shasum,
        "name": checked.name.full,
        "repo": repo.key,
        "body": body,
    }
    return json_answer(201, {"stageId": stage_id})


async def stage_list(call: Call) -> RegistryAnswer:
    _enabled(call)
    authorize(call.registry, call.identity, call.repo, Permission.DEPLOY)
    wanted = call.request.query.get("package")
    items = [
        _public(item)
        for item in call.registry.staged.values()
        if item["repo"] == call.repo.key and (not wanted or item["packageName"] == wanted)
    ]
    return json_answer(200, {"items": items, "total": len(items)})


async def stage_view(call: Call) -> RegistryAnswer:
    return json_answer(200, _public(_item(call)))


async def stage_tarball(call: Call) -> web.StreamResponse:
    item = _item(call)
    parsed = packages.parse_body(item["body"], None)
    return web.Response(body=parsed.tarball.data, content_type="application/octet-stream")


async def stage_approve(call: Call) -> RegistryAnswer:
    item = _item(call)
    check_otp(call.registry, call.identity, call.otp)
    packages.publish(
        call.registry, call.repo, call.identity, item["body"], path_name=None, otp=call.otp
    )
    del call.registry.staged[item["id"]]
    return json_answer(200, {"ok": True})


async def stage_reject(call: Call) -> RegistryAnswer:
    item = _item(call)
    check_otp(call.registry, call.identity, call.otp)
    del call.registry.staged[item["id"]]
    return json_answer(200, {"ok": True})


ROUTES = {
    ("stage_package", "POST"): stage_package,
    ("stage_list", "GET"): stage_list,
    ("stage_item", "GET"): stage_view,
    ("stage_item", "DELETE"): stage_reject,
    ("stage_approve", "POST"): stage_approve,
    ("stage_tarball", "GET"): stage_tarball,
}
