"""Sonatype Nexus Repository 3: one npm API per repository under ``/repository/<name>/``.

npm answers use ``{"success": false, "error": ...}`` (NpmResponses); authentication failures are a
bare 401 with the Nexus realm. Proxy repositories have no write routes (404); group repositories
refuse writes (PRO feature, or 400 on older versions); a hosted repository's deployment policy
decides what happens to an existing version.
"""

from __future__ import annotations

from typing import ClassVar

from aiohttp import web

from publish_guard.registry.errors import ErrorKind, RegistryError
from publish_guard.registry.flavors.base import (
    Done,
    RegistryAnswer,
    RegistryBehaviour,
    Site,
    json_answer,
    split_prefixed,
)
from publish_guard.registry.model import Repo

API_PREFIX = "/repository/"
REALM = 'BASIC realm="Sonatype Nexus Repository Manager"'
VERSION = "3.70.1-02"
INSUFFICIENT_LICENSE = (
    "Deploying to groups is a PRO-licensed feature. "
    "See https://links.sonatype.com/product-nexus-repository"
)
_KIND_NAMES = {"local": "hosted", "remote": "proxy", "virtual": "group"}


def failure(status: int, message: str) -> RegistryAnswer:
    return json_answer(status, {"success": False, "error": message})


def empty(status: int, headers: tuple[tuple[str, str], ...] = ()) -> RegistryAnswer:
    return RegistryAnswer(status, b"", None, headers)


class NexusBehaviour(RegistryBehaviour):
    name: ClassVar[str] = "nexus"
    abbreviated_documents: ClassVar[bool] = False
    honours_deployment_policy: ClassVar[bool] = True
    remote_has_no_write_routes: ClassVar[bool] = True
    identity_headers: ClassVar[tuple[tuple[str, str], ...]] = (
        ("Server", f"Nexus/{VERSION} (OSS)"),
        ("X-Content-Type-Options", "nosniff"),
    )

    def default_repos(self) -> list[Repo]:
        return [Repo("npm-hosted")]

    def mount_path(self, repo_key: str) -> str:
        return f"{API_PREFIX}{repo_key}/"

    def split_path(self, raw_path: str) -> tuple[str, str] | None:
        return split_prefixed(raw_path, API_PREFIX)

    def error(self, err: RegistryError) -> RegistryAnswer:
        kind = err.kind
        repo = err.repo or ""
        if kind in (ErrorKind.AUTH_MISSING, ErrorKind.AUTH_BAD, ErrorKind.AUTH_EXPIRED):
            if err.action == "login":
                return failure(401, "Bad username or password")
            return empty(401, (("WWW-Authenticate", REALM),))
        if kind is ErrorKind.OTP_REQUIRED:
            return self.otp_answer()
        if kind in (ErrorKind.FORBIDDEN_READ, ErrorKind.FORBIDDEN_DEPLOY):
            return empty(403)  # [?] body not confirmed
        if kind is ErrorKind.FORBIDDEN_DELETE:
            return empty(403)
        if kind in (ErrorKind.VERSION_EXISTS, ErrorKind.REDEPLOY_DISABLED):
            return failure(400, f"Repository does not allow updating assets: {repo}")
        if kind is ErrorKind.READ_ONLY:
            return failure(400, f"Repository is read only: {repo}")
        if kind is ErrorKind.REMOTE_NOT_DEPLOYABLE:
            return empty(404)
        if kind is ErrorKind.GROUP_NOT_DEPLOYABLE:
            return empty(400) if err.detail == "legacy" else failure(403, INSUFFICIENT_LICENSE)
        if kind is ErrorKind.LATEST_TAG_LOCKED:
            return failure(400, "Unable to update latest tag")
        if kind is ErrorKind.NOT_FOUND:
            return failure(404, err.detail or f"Package '{err.package}' not found")
        if kind is ErrorKind.TOO_LARGE:
            return empty(413)
        if kind is ErrorKind.CONFLICT:
            return failure(409, err.detail or "Conflict")
        return failure(400, err.detail or kind.value)

    def success(self, done: Done, package: str | None = None) -> RegistryAnswer:
        if done is Done.LOGGED_OUT:
            return json_answer(200, {"ok": "true"})
        return json_answer(200, {"success": True})

    def login_answer(self, user: str, token: str, created: bool) -> RegistryAnswer:
        return json_answer(
            201,
            {
                "ok": "true",
                "rev": "_we_dont_use_revs_any_more",
                "id": "org.couchdb.user:undefined",
                "token": token,
            },
        )

    def add_routes(self, app: web.Application, site: Site) -> None:
        async def status(request: web.Request) -> web.StreamResponse:
            return web.Response(status=200)

        async def repositories(request: web.Request) -> web.StreamResponse:
            listed = [
                {
                    "name": repo.key,
                    "format": "npm",
                    "type": _KIND_NAMES[repo.kind.value],
                    "url": site.public_url(request) + self.mount_path(repo.key).strip("/"),
                }
                for repo in site.repos.values()
            ]
            return web.json_response(listed)

        app.router.add_get("/service/rest/v1/status", status)
        app.router.add_get("/service/rest/v1/status/writable", status)
        app.router.add_get("/service/rest/v1/repositories", repositories)
