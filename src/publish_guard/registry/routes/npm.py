"""The npm API of one repository: turns requests into package operations and their answers."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from publish_guard.npm import documents as docs
from publish_guard.npm.publish_body import is_publish_body
from publish_guard.registry import changes, jsonio, packages
from publish_guard.registry.access import authorize
from publish_guard.registry.documents import abbreviate, wants_abbreviated, with_tarball_urls
from publish_guard.registry.errors import ErrorKind, RegistryError
from publish_guard.registry.flavors.base import Done, RegistryAnswer, json_answer
from publish_guard.registry.model import Permission
from publish_guard.registry.routes import accounts, stage
from publish_guard.registry.routes.call import Call

ABBREVIATED_CONTENT_TYPE = docs.ABBREVIATED_MEDIA_TYPE


async def handle(call: Call) -> RegistryAnswer | web.StreamResponse:
    kind, method = call.path.kind, call.method
    handler = _ROUTES.get((kind, method))
    if handler is not None:
        result: RegistryAnswer | web.StreamResponse = await handler(call)
        return result
    if any(k == kind for k, _ in _ROUTES):
        return RegistryAnswer(405, b"", None, (("Allow", _allowed(kind)),))
    raise RegistryError(ErrorKind.NOT_FOUND, package=call.package, repo=call.repo.key)


def _allowed(kind: str) -> str:
    return ", ".join(sorted(m for k, m in _ROUTES if k == kind))


async def _get_document(call: Call) -> RegistryAnswer:
    name = call.package or ""
    doc, _ = packages.read_document(call.registry, call.repo, call.identity, name)
    rendered = with_tarball_urls(doc, call.tarball_url)
    write = call.request.query.get("write") == "true"
    if write:
        rendered["_attachments"] = {}
    elif (
        call.registry.flavor.abbreviated_documents
        and wants_abbreviated(call.request.headers.get("Accept"))
        and not docs.is_tombstone(doc)
    ):
        return RegistryAnswer(200, jsonio.dumps(abbreviate(rendered)), ABBREVIATED_CONTENT_TYPE)
    return json_answer(200, rendered)


async def _get_version(call: Call) -> RegistryAnswer:
    name = call.package or ""
    doc, _ = packages.read_document(call.registry, call.repo, call.identity, name)
    spec = call.path.tag or ""
    version = (doc.get("dist-tags") or {}).get(spec, spec)
    manifest = (doc.get("versions") or {}).get(version)
    if manifest is None:
        raise RegistryError(
            ErrorKind.NOT_FOUND, "this version doesn't exist", package=name, repo=call.repo.key
        )
    rendered = with_tarball_urls({"name": name, "versions": {version: manifest}}, call.tarball_url)
    return json_answer(200, rendered["versions"][version])


async def _put_document(call: Call) -> RegistryAnswer:
    body = await call.json()
    if not isinstance(body, dict):
        raise RegistryError(ErrorKind.BAD_REQUEST, "the body must be a JSON object")
    if call.path.kind == "document" and is_publish_body(body):
        packages.publish(
            call.registry,
            call.repo,
            call.identity,
            body,
            path_name=call.path.name,
            otp=call.otp,
        )
        return call.done(Done.PUBLISHED)
    changes.update_document(
        call.registry, call.repo, call.identity, call.package or "", body, otp=call.otp
    )
    return call.done(Done.CHANGED)


async def _delete_package(call: Call) -> RegistryAnswer:
    changes.unpublish_package(
        call.registry, call.repo, call.identity, call.package or "", otp=call.otp
    )
    return call.done(Done.PACKAGE_REMOVED)


async def _get_tarball(call: Call) -> web.StreamResponse:
    data = packages.read_tarball(
        call.registry, call.repo, call.identity, call.package or "", call.path.filename or ""
    )
    return web.Response(body=data, content_type="application/octet-stream")


async def _delete_tarball(call: Call) -> RegistryAnswer:
    changes.delete_tarball(
        call.registry,
        call.repo,
        call.identity,
        call.package or "",
        call.path.filename or "",
        otp=call.otp,
    )
    return call.done(Done.TARBALL_REMOVED)


async def _get_dist_tags(call: Call) -> RegistryAnswer:
    doc, _ = packages.read_document(call.registry, call.repo, call.identity, call.package or "")
    return json_answer(200, doc.get("dist-tags") or {})


async def _put_dist_tag(call: Call) -> RegistryAnswer:
    version = await call.json()
    doc = changes.set_dist_tag(
        call.registry,
        call.repo,
        call.identity,
        call.package or "",
        call.path.tag or "",
        version,
        otp=call.otp,
    )
    answer = call.done(Done.TAG_ADDED)
    return _tags_answer(call, answer, doc)


async def _delete_dist_tag(call: Call) -> RegistryAnswer:
    doc = changes.remove_dist_tag(
        call.registry,
        call.repo,
        call.identity,
        call.package or "",
        call.path.tag or "",
        otp=call.otp,
    )
    return _tags_answer(call, call.done(Done.TAG_REMOVED), doc)


def _tags_answer(call: Call, answer: RegistryAnswer, doc: docs.PackageDocument) -> RegistryAnswer:
    if call.registry.flavor.name == "npmjs":
        return json_answer(200, doc.get("dist-tags") or {})  # npmjs answers with the new tags
    return answer


async def _ping(call: Call) -> RegistryAnswer:
    return call.registry.flavor.ping_answer()


async def _search(call: Call) -> RegistryAnswer:
    authorize(call.registry, call.identity, call.repo, Permission.READ)
    text = call.request.query.get("text", "")
    size = int(call.request.query.get("size", "20") or 20)
    objects = []
    for source in packages._sources(call.registry, call.repo):
        for name in call.registry.storage.package_names(source.key):
            doc = call.registry.storage.load_document(source.key, name) or {}
            latest = (doc.get("dist-tags") or {}).get("latest")
            if text in name and latest:
                manifest = (doc.get("versions") or {}).get(latest, {})
                entry = {"name": name, "version": latest}
                entry["description"] = manifest.get("description", "")
                objects.append({"package": entry, "score": {"final": 1.0}, "searchScore": 1.0})
    return json_answer(200, {"objects": objects[:size], "total": len(objects), "time": ""})


_Handler = Any
_ROUTES: dict[tuple[str, str], _Handler] = {
    ("root", "GET"): _ping,
    ("ping", "GET"): _ping,
    ("search", "GET"): _search,
    ("document", "GET"): _get_document,
    ("document", "PUT"): _put_document,
    ("document_rev", "PUT"): _put_document,
    ("document_rev", "DELETE"): _delete_package,
    ("version", "GET"): _get_version,
    ("tarball", "GET"): _get_tarball,
    ("tarball", "DELETE"): _delete_tarball,
    ("tarball_rev", "DELETE"): _delete_tarball,
    ("dist_tags", "GET"): _get_dist_tags,
    ("dist_tag", "PUT"): _put_dist_tag,
    ("dist_tag", "POST"): _put_dist_tag,
    ("dist_tag", "DELETE"): _delete_dist_tag,
    **accounts.ROUTES,
    **stage.ROUTES,
}

__all__ = ["Call", "handle"]
