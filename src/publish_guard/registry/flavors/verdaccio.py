"""Verdaccio 6: one registry at the server root; its texts are the ``API_ERROR`` table."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from publish_guard.registry.errors import ErrorKind, RegistryError
from publish_guard.registry.flavors.base import (
    Done,
    RegistryAnswer,
    RegistryBehaviour,
    generic_error,
    json_answer,
    request_origin,
)

VERSION = "6.8.0"
_CHALLENGE = (("WWW-Authenticate", "Basic, Bearer"),)
_DONE = {
    Done.PUBLISHED: (201, "created new package"),
    Done.CHANGED: (201, "package changed"),
    Done.TAG_ADDED: (201, "package tagged"),
    Done.TAG_REMOVED: (201, "tag removed"),
    Done.PACKAGE_REMOVED: (201, "package removed"),
    Done.TARBALL_REMOVED: (201, "tarball removed"),
    Done.LOGGED_OUT: (200, "Logged out"),
}


def error(status: int, message: str, headers: tuple[tuple[str, str], ...] = ()) -> RegistryAnswer:
    reason = "Payload Too Large" if status == 413 else None  # Express' text, not aiohttp's
    return json_answer(status, {"error": message}, headers, reason)


class VerdaccioBehaviour(RegistryBehaviour):
    name: ClassVar[str] = "verdaccio"
    root_mounted: ClassVar[bool] = True
    # An unknown or expired token is simply no token (seen with 6.8.0).
    bad_credentials_read_as_anonymous: ClassVar[bool] = True
    bad_credentials_write_as_anonymous: ClassVar[bool] = True
    signup: ClassVar[bool] = True
    default_max_body_size: ClassVar[int | None] = 10 * 1024 * 1024  # max_body_size: 10mb
    identity_headers: ClassVar[tuple[tuple[str, str], ...]] = (
        ("X-Powered-By", f"verdaccio/{VERSION}"),
    )

    def origin(
        self, headers: Mapping[str, str], scheme: str, host: str, configured: str | None
    ) -> str:
        """Tarball URLs: ``VERDACCIO_PUBLIC_URL``, else ``Host`` and ``X-Forwarded-Proto``."""
        return request_origin(headers, scheme, host, configured, proto=True)

    def error(self, err: RegistryError) -> RegistryAnswer:
        kind = err.kind
        action = err.action if err.action in ("access", "publish", "unpublish") else "publish"
        if kind in (ErrorKind.AUTH_MISSING, ErrorKind.AUTH_BAD, ErrorKind.AUTH_EXPIRED):
            if err.action == "login":
                return error(401, "bad username/password, access denied")
            if err.action == "whoami":
                return error(401, "unauthorized access", _CHALLENGE)
            return error(
                401, f"authorization required to {action} package {err.package}", _CHALLENGE
            )
        if kind is ErrorKind.OTP_REQUIRED:
            return self.otp_answer()
        if kind in (
            ErrorKind.FORBIDDEN_READ,
            ErrorKind.FORBIDDEN_DEPLOY,
            ErrorKind.FORBIDDEN_DELETE,
        ):
            return error(403, f"user {err.user} is not allowed to {action} package {err.package}")
        if kind is ErrorKind.VERSION_EXISTS:
            return error(409, "this package is already present")
        if kind is ErrorKind.TOO_LARGE:
            return error(413, "request entity too large")
        if kind is ErrorKind.UPLINK_DOWN:
            return error(503, "one of the uplinks is down, refuse to publish")
        if kind is ErrorKind.NOT_FOUND:
            return error(404, err.detail or "no such package available")
        return generic_error(err)

    def success(self, done: Done, package: str | None = None) -> RegistryAnswer:
        status, message = _DONE[done]
        payload: dict[str, object] = {"ok": message}
        if done is Done.PUBLISHED:
            payload["success"] = True
        return json_answer(status, payload)

    def login_answer(self, user: str, token: str, created: bool) -> RegistryAnswer:
        message = f"user '{user}' created" if created else f"you are authenticated as '{user}'"
        return json_answer(201, {"ok": message, "token": token})
