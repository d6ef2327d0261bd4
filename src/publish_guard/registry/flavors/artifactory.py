"""JFrog Artifactory: one npm API per repository under ``/artifactory/api/npm/<key>/``.

Opaque on purpose, like the real server: an existing version, missing deploy rights, a remote
repository and a virtual one without a default deployment repository all answer
``403 {"error":"forbidden"}``. The repository REST API tells them apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from aiohttp import web

from publish_guard.registry.errors import ErrorKind, RegistryError
from publish_guard.registry.flavors.base import (
    RegistryAnswer,
    RegistryBehaviour,
    Site,
    generic_error,
    json_answer,
    request_origin,
    split_prefixed,
    text_answer,
    to_response,
)
from publish_guard.registry.model import Repo, RepoKind

API_PREFIX = "/artifactory/api/npm/"
REALM = 'Basic realm="Artifactory Realm"'
VERSION = "7.77.5"
_CHALLENGE = (("WWW-Authenticate", REALM),)
_AUTH_MESSAGES = {
    ErrorKind.AUTH_MISSING: "Authentication is required",
    ErrorKind.AUTH_BAD: "Bad credentials",
    ErrorKind.AUTH_EXPIRED: "Token failed verification: expired",
}
_OPAQUE = frozenset(
    {
        ErrorKind.FORBIDDEN_READ,
        ErrorKind.FORBIDDEN_DEPLOY,
        ErrorKind.FORBIDDEN_DELETE,
        ErrorKind.VERSION_EXISTS,
        ErrorKind.REMOTE_NOT_DEPLOYABLE,
        ErrorKind.VIRTUAL_NOT_DEPLOYABLE,
    }
)


def rest_errors(
    status: int, message: str, headers: tuple[tuple[str, str], ...] = ()
) -> RegistryAnswer:
    """Artifactory's REST error shape (npm prints none of it)."""
    return json_answer(status, {"errors": [{"status": status, "message": message}]}, headers)


def pattern_rejection(repo: str, path: str) -> str:
    return (
        f"The repository '{repo}' rejected the artifact '{path}' due to its include/exclude "
        "patterns settings."
    )


class ArtifactoryBehaviour(RegistryBehaviour):
    name: ClassVar[str] = "artifactory"
    abbreviated_documents: ClassVar[bool] = False  # [?] not confirmed either way: serve full
    identity_headers: ClassVar[tuple[tuple[str, str], ...]] = (
        ("X-JFrog-Version", f"Artifactory/{VERSION} 77705900"),
        ("X-Artifactory-Id", "5f2d9e1c0b7a4e3f8a6d1c2b3a4e5f60b7c8d9e0"),
        ("X-Artifactory-Node-Id", "publish-guard-emulator"),
    )

    def default_repos(self) -> list[Repo]:
        return [Repo("npm-local")]

    def mount_path(self, repo_key: str) -> str:
        return f"{API_PREFIX}{repo_key}/"

    def split_path(self, raw_path: str) -> tuple[str, str] | None:
        return split_prefixed(raw_path, API_PREFIX)

    def override_base(self, headers: Mapping[str, str], repo_key: str) -> str | None:
        """``X-JFrog-Override-Base-Url: https://host/artifactory`` (sent by reverse proxies)."""
        base = headers.get("X-JFrog-Override-Base-Url", "").strip().rstrip("/")
        return f"{base}/api/npm/{repo_key}/" if base else None

    def origin(
        self, headers: Mapping[str, str], scheme: str, host: str, configured: str | None
    ) -> str:
        """Tarball URLs: the base URL setting, else the request's own URL (``X-Forwarded-*``
        ignored). ``X-JFrog-Override-Base-Url`` is handled by ``override_base``."""
        return request_origin(headers, scheme, host, configured, proto=False)

    def error(self, err: RegistryError) -> RegistryAnswer:
        kind = err.kind
        if kind in _AUTH_MESSAGES:
            return rest_errors(401, _AUTH_MESSAGES[kind], _CHALLENGE)
        if kind is ErrorKind.OTP_REQUIRED:
            return self.otp_answer()
        if kind in _OPAQUE:
            return json_answer(403, {"error": "forbidden"})
        if kind is ErrorKind.PATTERN_REJECTED:
            return json_answer(403, {"error": pattern_rejection(err.repo or "", err.path or "")})
        if kind is ErrorKind.NOT_FOUND:
            return rest_errors(404, err.detail or "Not Found")
        if kind is ErrorKind.TOO_LARGE:
            return rest_errors(413, "Request Entity Too Large")
        return generic_error(err)

    def add_routes(self, app: web.Application, site: Site) -> None:
        async def ping(request: web.Request) -> web.StreamResponse:
            return to_response(text_answer(200, "OK"))

        async def version(request: web.Request) -> web.StreamResponse:
            return to_response(
                json_answer(200, {"version": VERSION, "revision": "77705900", "addons": []})
            )

        async def repositories(request: web.Request) -> web.StreamResponse:
            listed = [
                {
                    "key": repo.key,
                    "type": repo.kind.name,
                    "packageType": "Npm",
                    "url": site.public_url(request) + self.mount_path(repo.key).lstrip("/"),
                }
                for repo in site.repos.values()
            ]
            return to_response(json_answer(200, listed))

        async def repository(request: web.Request) -> web.StreamResponse:
            repo = site.repos.get(request.match_info["key"])
            if repo is None:
                return to_response(rest_errors(400, "Bad Request"))
            return to_response(json_answer(200, describe(repo)))

        app.router.add_get("/artifactory/api/system/ping", ping)
        app.router.add_get("/artifactory/api/system/version", version)
        app.router.add_get("/artifactory/api/repositories", repositories)
        app.router.add_get("/artifactory/api/repositories/{key}", repository)


def describe(repo: Repo) -> dict[str, object]:
    """``GET /artifactory/api/repositories/<key>``: the fields a non-admin user gets."""
    body: dict[str, object] = {
        "key": repo.key,
        "packageType": "npm",
        "description": "",
        "rclass": repo.kind.value,
        "includesPattern": ",".join(repo.includes),
        "excludesPattern": ",".join(repo.excludes),
    }
    if repo.kind is RepoKind.VIRTUAL:
        body["repositories"] = list(repo.members)
        if repo.default_deployment_repo:
            body["defaultDeploymentRepo"] = repo.default_deployment_repo
    if repo.kind is RepoKind.REMOTE:
        body["url"] = repo.url or "https://registry.npmjs.org"
    return body
