"""What every flavor decides: URL layout, behaviour switches, and the answer to each error.

A flavor is stateless. ``error()`` is the one table from ``RegistryError`` to the status, body and
headers the real server sends (UPSTREAMS.md); ``success()`` the same for successful writes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum
from typing import Any, ClassVar, Protocol

from aiohttp import web

from publish_guard.registry import jsonio
from publish_guard.registry.errors import ErrorKind, RegistryError
from publish_guard.registry.model import Repo

OTP_CHALLENGE = (("WWW-Authenticate", "OTP"),)
OTP_MESSAGE = (
    "This operation requires a one-time password from your authenticator. "
    "You can provide a one-time password by passing --otp=<code> to the command you ran."
)


class Site(Protocol):
    """What a product's own endpoints (``add_routes``) read of the registry serving them."""

    @property
    def repos(self) -> Mapping[str, Repo]: ...

    def public_url(self, request: web.Request) -> str: ...


@dataclass(frozen=True, slots=True)
class RegistryAnswer:
    status: int
    body: bytes = b""
    content_type: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    reason: str | None = None  # the status line's text, when the product's differs from aiohttp's


def json_answer(
    status: int,
    payload: Any,
    headers: tuple[tuple[str, str], ...] = (),
    reason: str | None = None,
) -> RegistryAnswer:
    return RegistryAnswer(status, jsonio.dumps(payload), "application/json", headers, reason)


def text_answer(
    status: int, text: str, headers: tuple[tuple[str, str], ...] = ()
) -> RegistryAnswer:
    return RegistryAnswer(status, text.encode(), "text/plain", headers)


class Done(Enum):
    """Successful writes, for ``RegistryBehaviour.success``."""

    PUBLISHED = "published"
    CHANGED = "changed"
    TAG_ADDED = "tag_added"
    TAG_REMOVED = "tag_removed"
    PACKAGE_REMOVED = "package_removed"
    TARBALL_REMOVED = "tarball_removed"
    LOGGED_OUT = "logged_out"


class RegistryBehaviour:
    name: ClassVar[str]
    # Serves one repository at the server root (Verdaccio, npmjs) instead of one per path prefix.
    root_mounted: ClassVar[bool] = False
    root_repo_key: ClassVar[str] = "npm"
    abbreviated_documents: ClassVar[bool] = True
    # npmjs: unpublished versions can never be used again; a wholly unpublished package is
    # blocked for this long.
    reserves_unpublished: ClassVar[bool] = False
    republish_block: ClassVar[timedelta | None] = None
    # CodeArtifact: an existing version published again with the same bytes is accepted.
    accepts_identical_republish: ClassVar[bool] = False
    # Nexus: the hosted repository's deployment policy decides about existing versions.
    honours_deployment_policy: ClassVar[bool] = False
    # Nexus proxy repositories have no write routes at all (404 before authentication).
    remote_has_no_write_routes: ClassVar[bool] = False
    # Whether unusable credentials make a request anonymous instead of failing it.
    bad_credentials_read_as_anonymous: ClassVar[bool] = False
    bad_credentials_write_as_anonymous: ClassVar[bool] = False
    # Header added to every answer to a request whose token expired (npmjs).
    expired_token_notice: ClassVar[str | None] = None
    # Login with an unknown user name creates the user (Verdaccio's htpasswd adduser).
    signup: ClassVar[bool] = False
    default_max_body_size: ClassVar[int | None] = None
    stage_routes: ClassVar[bool] = False  # npm 11 `npm stage publish` (npmjs only)
    # Headers that identify the product, as the real servers send them.
    identity_headers: ClassVar[tuple[tuple[str, str], ...]] = ()

    def default_repos(self) -> list[Repo]:
        return [Repo(self.root_repo_key)]

    def mount_path(self, repo_key: str) -> str:
        """The path of a repository's npm API, with a trailing slash."""
        return "/"

    def split_path(self, raw_path: str) -> tuple[str, str] | None:
        """``(repo key, raw sub-path)`` for a request path that belongs to the npm API; a
        root-mounted flavor answers ``""``: its one repository, whatever its key."""
        return "", raw_path.lstrip("/")

    def error(self, err: RegistryError) -> RegistryAnswer:
        raise NotImplementedError

    def success(self, done: Done, package: str | None = None) -> RegistryAnswer:
        return json_answer(200, {"success": True} if done is not Done.LOGGED_OUT else {"ok": True})

    def login_answer(self, user: str, token: str, created: bool) -> RegistryAnswer:
        return json_answer(
            201, {"ok": True, "id": f"org.couchdb.user:{user}", "rev": "1-0", "token": token}
        )

    def origin(
        self, headers: Mapping[str, str], scheme: str, host: str, configured: str | None
    ) -> str:
        """``scheme://host/`` for tarball URLs. By default (Nexus): ``X-Forwarded-Proto`` and
        ``X-Forwarded-Host`` first, then the request itself; a configured URL wins."""
        if configured:
            return configured.rstrip("/") + "/"
        proto = _first(headers.get("X-Forwarded-Proto")) or scheme
        return f"{proto}://{_first(headers.get('X-Forwarded-Host')) or host}/"

    def override_base(self, headers: Mapping[str, str], repo_key: str) -> str | None:
        """A base URL for tarballs that a request header imposes (Artifactory), else ``None``."""
        return None

    def unknown_repo(self, repo_key: str) -> RegistryAnswer | None:
        """The answer to a path naming a repository that does not exist (``None``: a bare 404)."""
        return None

    def ping_answer(self) -> RegistryAnswer:
        return json_answer(200, {})

    def add_routes(self, app: web.Application, site: Site) -> None:
        """Product endpoints outside the npm API (health, repository descriptions)."""

    # Shared rows: every flavor asks for a one-time password the same way (npm's OTP flow).
    def otp_answer(self) -> RegistryAnswer:
        return json_answer(401, {"error": OTP_MESSAGE}, OTP_CHALLENGE)


def _first(value: str | None) -> str:
    """The first of a comma-separated header's values (proxies append theirs)."""
    return (value or "").split(",")[0].strip()


def request_origin(
    headers: Mapping[str, str], scheme: str, host: str, configured: str | None, *, proto: bool
) -> str:
    """A configured URL, else the request's ``Host`` (with ``X-Forwarded-Proto`` if ``proto``)."""
    if configured:
        return configured.rstrip("/") + "/"
    chosen = (_first(headers.get("X-Forwarded-Proto")) if proto else "") or scheme
    return f"{chosen}://{host}/"


def split_prefixed(raw_path: str, prefix: str) -> tuple[str, str] | None:
    """``("npm-hosted", "a/b")`` for ``"/repository/npm-hosted/a/b"`` and ``"/repository/"``."""
    if not raw_path.startswith(prefix):
        return None
    rest = raw_path[len(prefix) :]
    key, sep, sub = rest.partition("/")
    if not key:
        return None
    return key, sub if sep else ""


def generic_error(err: RegistryError) -> RegistryAnswer:
    """A fallback for kinds a flavor never produces."""
    status = {
        ErrorKind.NOT_FOUND: 404,
        ErrorKind.BAD_REQUEST: 400,
        ErrorKind.CONFLICT: 409,
        ErrorKind.TOO_LARGE: 413,
        ErrorKind.UPLINK_DOWN: 503,
    }.get(err.kind, 403)
    return json_answer(status, {"error": err.detail or err.kind.value})


def to_response(answer: RegistryAnswer) -> web.Response:
    return web.Response(
        status=answer.status,
        reason=answer.reason,
        body=answer.body,
        content_type=answer.content_type,
        headers=dict(answer.headers),
    )
