"""GitLab's package registry: one npm API per project under ``/api/v4/projects/<id>/packages/npm/``.

Its answers, with their sources, are in docs/registries.md. GitLab's API errors are
``{"message": …}`` (``render_api_error!``), which npm does not print: a collision reaches the user
as a bare ``403 Forbidden``. An existing version is a 403 ``Package already exists.``, a missing
right a 403 ``403 Forbidden``, an unknown token a 401 ``401 Unauthorized``, a file over the
project's limit a 400 ``File is too large.``.
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

API_PREFIX = "/api/v4/projects/"
NPM_SUFFIX = "packages/npm/"
EXISTS = "Package already exists."
_FORBIDDEN = (ErrorKind.FORBIDDEN_READ, ErrorKind.FORBIDDEN_DEPLOY, ErrorKind.FORBIDDEN_DELETE)


def message(status: int, text: str) -> RegistryAnswer:
    return json_answer(status, {"message": text})


class GitLabBehaviour(RegistryBehaviour):
    name: ClassVar[str] = "gitlab"

    def default_repos(self) -> list[Repo]:
        return [Repo("1")]  # a project's numeric ID

    def mount_path(self, repo_key: str) -> str:
        return f"{API_PREFIX}{repo_key}/{NPM_SUFFIX}"

    def split_path(self, raw_path: str) -> tuple[str, str] | None:
        split = split_prefixed(raw_path, API_PREFIX)
        if split is None or not (split[1] + "/").startswith(NPM_SUFFIX):
            return None
        key, sub = split
        return key, sub.removeprefix(NPM_SUFFIX.rstrip("/")).lstrip("/")

    def unknown_repo(self, repo_key: str) -> RegistryAnswer | None:
        return message(404, "404 Project Not Found")  # not_found!('Project'), lib/api/helpers.rb

    def error(self, err: RegistryError) -> RegistryAnswer:
        kind = err.kind
        if kind in (ErrorKind.AUTH_MISSING, ErrorKind.AUTH_BAD, ErrorKind.AUTH_EXPIRED):
            return message(401, "401 Unauthorized")
        if kind is ErrorKind.OTP_REQUIRED:
            return self.otp_answer()
        if kind in _FORBIDDEN:
            return message(403, "403 Forbidden")
        if kind is ErrorKind.VERSION_EXISTS:
            return message(403, EXISTS)
        if kind is ErrorKind.TOO_LARGE:
            return message(400, "File is too large.")
        if kind is ErrorKind.NOT_FOUND:
            return message(404, "404 Package Not Found")
        if kind is ErrorKind.CONFLICT:
            return message(409, "409 Conflict")
        return message(400, f"400 Bad request - {err.detail or kind.value}")
