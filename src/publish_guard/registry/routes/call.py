"""One request to a repository's npm API, with what every handler needs read once."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from publish_guard.npm.routes import NpmPath
from publish_guard.registry import jsonio
from publish_guard.registry.accounts import Identity
from publish_guard.registry.documents import tarball_filename
from publish_guard.registry.errors import ErrorKind, RegistryError
from publish_guard.registry.flavors.base import Done, RegistryAnswer
from publish_guard.registry.model import Repo
from publish_guard.registry.state import RegistryState


class Call:
    """One request to the npm API of ``repo``: what handlers need, read once."""

    def __init__(
        self,
        request: web.Request,
        registry: RegistryState,
        repo: Repo,
        path: NpmPath,
        identity: Identity,
    ) -> None:
        self.request = request
        self.registry = registry
        self.repo = repo
        self.path = path
        self.identity = identity
        self.otp = request.headers.get("npm-otp")
        self.method = "GET" if request.method == "HEAD" else request.method

    @property
    def package(self) -> str | None:
        return self.path.name.full if self.path.name else None

    async def body(self) -> bytes:
        limit = self.registry.max_body_size(self.repo)
        length = self.request.content_length
        if limit is not None and length is not None and length > limit:
            raise RegistryError(ErrorKind.TOO_LARGE, package=self.package, repo=self.repo.key)
        data = await self.request.read()
        if limit is not None and len(data) > limit:
            raise RegistryError(ErrorKind.TOO_LARGE, package=self.package, repo=self.repo.key)
        return data

    async def json(self) -> Any:
        try:
            return jsonio.loads(await self.body())
        except ValueError:
            raise RegistryError(
                ErrorKind.BAD_REQUEST, "the body is not valid JSON", package=self.package
            ) from None

    def npm_base(self) -> str:
        """Where this repository's npm API is, as the client sees it (for tarball URLs)."""
        override = self.registry.flavor.override_base(self.request.headers, self.repo.key)
        if override:
            return override
        mount = self.registry.mount_path(self.repo.key)
        return self.registry.public_url(self.request) + mount.lstrip("/")

    def tarball_url(self, name: str, version: str) -> str:
        return f"{self.npm_base()}{name}/-/{tarball_filename(name, version)}"

    def done(self, what: Done) -> RegistryAnswer:
        return self.registry.flavor.success(what, self.package)
