"""Gitea and Forgejo: one npm API per owner (user or organization), ``/api/packages/<owner>/npm/``.

Its answers, with their sources, are in docs/registries.md (Gitea's own source): an existing
version is a 409 ``package version already exists`` (400 before Gitea 1.21); a request that may
not write — an unknown token, a token without the write:package scope, or a user without write
access to the owner's packages — gets one and the same 401, ``reqPackageAccess`` in plain text
with ``WWW-Authenticate: Basic realm="Gitea Package API"``.
"""

from __future__ import annotations

from typing import ClassVar

from publish_guard.registry.errors import ErrorKind, RegistryError
from publish_guard.registry.flavors.base import (
    RegistryAnswer,
    RegistryBehaviour,
    json_answer,
    split_prefixed,
)
from publish_guard.registry.model import Repo

API_PREFIX = "/api/packages/"
NPM = "npm/"
REALM = (("WWW-Authenticate", 'Basic realm="Gitea Package API"'),)
EXISTS = "package version already exists"
# services/packages/packages.go: ErrQuotaTypeSize, an upload over [packages] LIMIT_SIZE_NPM
TOO_LARGE = "maximum allowed package type size exceeded"
_REFUSED = (
    ErrorKind.AUTH_MISSING,
    ErrorKind.AUTH_BAD,
    ErrorKind.AUTH_EXPIRED,
    ErrorKind.FORBIDDEN_READ,
    ErrorKind.FORBIDDEN_DEPLOY,
    ErrorKind.FORBIDDEN_DELETE,
)


def failure(status: int, message: str) -> RegistryAnswer:
    return json_answer(status, {"error": message})


class GiteaBehaviour(RegistryBehaviour):
    name: ClassVar[str] = "gitea"

    def default_repos(self) -> list[Repo]:
        return [Repo("acme")]  # the owner

    def mount_path(self, repo_key: str) -> str:
        return f"{API_PREFIX}{repo_key}/{NPM}"

    def split_path(self, raw_path: str) -> tuple[str, str] | None:
        split = split_prefixed(raw_path, API_PREFIX)
        if split is None or not (split[1] + "/").startswith(NPM):
            return None
        return split[0], split[1].removeprefix(NPM.rstrip("/")).lstrip("/")

    def error(self, err: RegistryError) -> RegistryAnswer:
        kind = err.kind
        if kind in _REFUSED:
            # ctx.HTTPError(401, "reqPackageAccess", …): its first text is the body
            return RegistryAnswer(401, b"reqPackageAccess\n", "text/plain", REALM)
        if kind is ErrorKind.OTP_REQUIRED:
            return self.otp_answer()
        if kind is ErrorKind.VERSION_EXISTS:
            return failure(409, EXISTS)
        if kind is ErrorKind.TOO_LARGE:
            return failure(403, TOO_LARGE)  # npm.go answers every quota error with 403
        if kind is ErrorKind.NOT_FOUND:
            return failure(404, err.detail or "package does not exist")
        return failure(400, err.detail or kind.value)
