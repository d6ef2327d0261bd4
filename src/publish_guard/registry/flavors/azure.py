"""Azure Artifacts: one npm API per feed, ``/<org>/<project>/_packaging/<feed>/npm/registry/``.

Its answers, with their sources, are in docs/registries.md. Azure DevOps says its sentence in the
status line (``403 Forbidden - The feed 'f' already contains file …``), which npm prints; the
JSON body carries it as ``message`` too. A version number, once published, is never taken again,
deleted or not; one that the feed's upstream sources hold is a 409. Feeds are private: every read
needs a token.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from publish_guard.registry.errors import ErrorKind, RegistryError
from publish_guard.registry.flavors.base import RegistryAnswer, RegistryBehaviour, json_answer
from publish_guard.registry.model import Repo

ORG_PROJECT = "/acme/web"
MARKER = "/_packaging/"
SUFFIX = "npm/registry"
# Only "Bearer" is known (npm's "your authentication token seems to be invalid" comes from it).
CHALLENGE = (("WWW-Authenticate", 'Bearer, Basic realm="https://pkgs.dev.azure.com/"'),)
_NEEDS = {
    ErrorKind.FORBIDDEN_READ: "ReadPackages",
    ErrorKind.FORBIDDEN_DEPLOY: "AddPackage",
    ErrorKind.FORBIDDEN_DELETE: "DeletePackage",
}
_REASONS = {401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 409: "Conflict"}


def failure(status: int, message: str, headers: tuple[tuple[str, str], ...] = ()) -> RegistryAnswer:
    """Azure DevOps' error: the sentence in the status line and in the body's ``message``."""
    said = f"{message} (DevOps Activity ID: {str(uuid.uuid4()).upper()})"
    reason = f"{_REASONS.get(status, 'Bad Request')} - {said}"
    body = {"$id": "1", "innerException": None, "message": said, "errorCode": 0, "eventId": 3000}
    return json_answer(status, body, headers, reason)


def exists(feed: str, name: str, version: str) -> str:
    leaf = name.rpartition("/")[2]
    return (
        f"The feed '{feed}' already contains file '{leaf}-{version}.tgz' in package "
        f"'{name} {version}'."
    )


class AzureBehaviour(RegistryBehaviour):
    name: ClassVar[str] = "azure"
    reserves_unpublished: ClassVar[bool] = True

    def default_repos(self) -> list[Repo]:
        return [Repo("npm-feed", anonymous_read=False)]

    def mount_path(self, repo_key: str) -> str:
        return f"{ORG_PROJECT}{MARKER}{repo_key}/{SUFFIX}/"

    def split_path(self, raw_path: str) -> tuple[str, str] | None:
        before, marker, rest = raw_path.partition(MARKER)
        if not marker or before != ORG_PROJECT:
            return None
        feed, _, sub = rest.partition("/")
        if not feed or not (sub + "/").startswith(SUFFIX + "/"):
            return None
        return feed, sub.removeprefix(SUFFIX).lstrip("/")

    def unknown_repo(self, repo_key: str) -> RegistryAnswer | None:
        return failure(404, f"The feed with ID '{repo_key}' doesn't exist.")

    def error(self, err: RegistryError) -> RegistryAnswer:
        kind = err.kind
        if kind in (ErrorKind.AUTH_MISSING, ErrorKind.AUTH_BAD, ErrorKind.AUTH_EXPIRED):
            return failure(
                401,
                "TF400813: Resource not available for anonymous access. Client authentication "
                "required.",
                CHALLENGE,
            )
        if kind is ErrorKind.OTP_REQUIRED:
            return self.otp_answer()
        if kind in _NEEDS:
            return failure(
                403,
                f"User '{uuid.uuid5(uuid.NAMESPACE_DNS, err.user or '')}' lacks permission to "
                f"complete this action. You need to have '{_NEEDS[kind]}'.",
            )
        if kind in (ErrorKind.VERSION_EXISTS, ErrorKind.VERSION_RESERVED):
            return failure(403, exists(err.repo or "", err.package or "", err.version or ""))
        if kind is ErrorKind.IN_UPSTREAM:
            return failure(
                409,
                f"'{err.package} {err.version}' cannot be published to the feed because it exists "
                "in at least one of the feed's upstream sources.",
            )
        if kind is ErrorKind.NOT_FOUND:
            return failure(404, err.detail or f"The package '{err.package}' could not be found.")
        if kind is ErrorKind.CONFLICT:
            return failure(409, err.detail or "Conflict")
        return failure(400, err.detail or kind.value)
