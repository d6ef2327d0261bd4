"""GitHub Packages' npm registry: one registry at the server root (``npm.pkg.github.com``).

Its answers, with their sources, are in docs/registries.md: a version that exists is a 409
``Cannot publish over existing version``; a token without the right is a 403 naming the
permission (``Permission permission_denied: write_package``); a request without a token a 401
with ``WWW-Authenticate: Basic realm="GitHub Package Registry"``, and one with a bad token a 401
``unauthenticated: …`` without it. Every read needs a token, public packages' too.
"""

from __future__ import annotations

from typing import ClassVar

from publish_guard.registry.errors import ErrorKind, RegistryError
from publish_guard.registry.flavors.base import (
    RegistryAnswer,
    RegistryBehaviour,
    generic_error,
    json_answer,
)
from publish_guard.registry.model import Repo

REALM = (("WWW-Authenticate", 'Basic realm="GitHub Package Registry"'),)
MISSING_CREDENTIALS = "authentication token not provided"
UNKNOWN_CREDENTIALS = "unauthenticated: User cannot be authenticated with the token provided."
EXISTS = "Cannot publish over existing version"
# The permission a refused action needed, as GitHub names it in its 403s (write_package is
# reported; read_package and delete_package follow the same pattern, not seen in a report).
_PERMISSIONS = {
    ErrorKind.FORBIDDEN_READ: "read_package",
    ErrorKind.FORBIDDEN_DEPLOY: "write_package",
    ErrorKind.FORBIDDEN_DELETE: "delete_package",
}


def error(status: int, message: str, headers: tuple[tuple[str, str], ...] = ()) -> RegistryAnswer:
    return json_answer(status, {"error": message}, headers)


class GitHubBehaviour(RegistryBehaviour):
    name: ClassVar[str] = "github"
    root_mounted: ClassVar[bool] = True

    def default_repos(self) -> list[Repo]:
        return [Repo(self.root_repo_key, anonymous_read=False)]

    def error(self, err: RegistryError) -> RegistryAnswer:
        kind = err.kind
        if kind is ErrorKind.AUTH_MISSING:
            return error(401, MISSING_CREDENTIALS, REALM)
        if kind in (ErrorKind.AUTH_BAD, ErrorKind.AUTH_EXPIRED):
            return error(401, UNKNOWN_CREDENTIALS)
        if kind is ErrorKind.OTP_REQUIRED:
            return self.otp_answer()
        if kind in _PERMISSIONS:
            return error(403, f"Permission permission_denied: {_PERMISSIONS[kind]}")
        if kind is ErrorKind.VERSION_EXISTS:
            return error(409, EXISTS)
        if kind is ErrorKind.NOT_FOUND:
            return error(404, err.detail or "Not Found")
        return generic_error(err)
