"""AWS CodeArtifact: one npm API per repository, ``https://<domain>-<owner>.d.codeartifact.
<region>.amazonaws.com/npm/<repository>/``.

Its answers, with their sources, are in docs/registries.md: an existing version published again
with the same bytes (the same checksum) is accepted, with other bytes refused with 409 Conflict;
a deleted version (``delete-package-versions``) can be published again. A 401 challenges with
``Bearer`` and ``Basic`` realms named ``<domain>/<repository>``.
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

API_PREFIX = "/npm/"
DOMAIN = "acme"


def failure(status: int, message: str, headers: tuple[tuple[str, str], ...] = ()) -> RegistryAnswer:
    return json_answer(status, {"error": message}, headers)


def challenge(repo: str) -> tuple[tuple[str, str], ...]:
    realm = f"{DOMAIN}/{repo}"
    return (("WWW-Authenticate", f'Bearer realm="{realm}", Basic realm="{realm}"'),)


class CodeArtifactBehaviour(RegistryBehaviour):
    name: ClassVar[str] = "codeartifact"
    accepts_identical_republish: ClassVar[bool] = True

    def default_repos(self) -> list[Repo]:
        return [Repo("my-repo", anonymous_read=False)]

    def mount_path(self, repo_key: str) -> str:
        return f"{API_PREFIX}{repo_key}/"

    def split_path(self, raw_path: str) -> tuple[str, str] | None:
        return split_prefixed(raw_path, API_PREFIX)

    def error(self, err: RegistryError) -> RegistryAnswer:
        kind, repo = err.kind, err.repo or ""
        if kind in (ErrorKind.AUTH_MISSING, ErrorKind.AUTH_BAD, ErrorKind.AUTH_EXPIRED):
            return failure(401, "Unauthorized", challenge(repo))  # [?] the body's text
        if kind is ErrorKind.OTP_REQUIRED:
            return self.otp_answer()
        if kind in (ErrorKind.FORBIDDEN_READ, ErrorKind.FORBIDDEN_DEPLOY):
            action = (
                "ReadFromRepository"
                if kind is ErrorKind.FORBIDDEN_READ
                else ("PublishPackageVersion")
            )
            return failure(  # [?] the wording; the action names are CodeArtifact's
                403,
                f"User is not authorized to perform: codeartifact:{action} on resource: "
                f"arn:aws:codeartifact:us-east-1:111122223333:repository/{DOMAIN}/{repo}",
            )
        if kind is ErrorKind.FORBIDDEN_DELETE:
            return failure(
                403, "User is not authorized to perform: codeartifact:DeletePackageVersions"
            )
        if kind is ErrorKind.VERSION_EXISTS:
            return failure(409, "Conflict")  # [?] the body's text
        if kind is ErrorKind.NOT_FOUND:
            return failure(404, err.detail or "Not Found")
        if kind is ErrorKind.CONFLICT:
            return failure(409, err.detail or "Conflict")
        return failure(400, err.detail or kind.value)
