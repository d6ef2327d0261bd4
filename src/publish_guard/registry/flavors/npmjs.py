"""The public registry (registry.npmjs.org): its texts are in NPM-PROTOCOL.md §6.

Versions can never be reused: an unpublished version stays reserved, and a wholly unpublished
package leaves a tombstone and cannot be published again for 24 hours.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import ClassVar

from publish_guard.registry.errors import ErrorKind, RegistryError
from publish_guard.registry.flavors.base import (
    RegistryAnswer,
    RegistryBehaviour,
    generic_error,
    json_answer,
    request_origin,
)

EXPIRED_NOTICE = "Access token expired or revoked. Please try logging in again."


def error(status: int, message: str, headers: tuple[tuple[str, str], ...] = ()) -> RegistryAnswer:
    reason = "Payload Too Large" if status == 413 else None  # Express' text, not aiohttp's
    return json_answer(status, {"error": message}, headers, reason)


def permission_denied(name: str | None) -> str:
    return f'You do not have permission to publish "{name}". Are you logged in as the correct user?'


class NpmjsBehaviour(RegistryBehaviour):
    name: ClassVar[str] = "npmjs"
    root_mounted: ClassVar[bool] = True
    reserves_unpublished: ClassVar[bool] = True
    republish_block: ClassVar[timedelta | None] = timedelta(hours=24)
    bad_credentials_read_as_anonymous: ClassVar[bool] = True
    expired_token_notice: ClassVar[str | None] = EXPIRED_NOTICE
    stage_routes: ClassVar[bool] = True

    def origin(
        self, headers: Mapping[str, str], scheme: str, host: str, configured: str | None
    ) -> str:
        """Tarball URLs: fixed (the configured URL), else the request's own URL."""
        return request_origin(headers, scheme, host, configured, proto=False)

    def error(self, err: RegistryError) -> RegistryAnswer:
        kind = err.kind
        if kind in (ErrorKind.AUTH_MISSING, ErrorKind.AUTH_BAD):
            if err.action == "login":
                return error(401, "Unauthorized")
            return error(401, "You must be logged in to publish packages.")
        if kind is ErrorKind.AUTH_EXPIRED:
            return error(404, "Not Found", (("npm-notice", EXPIRED_NOTICE),))
        if kind is ErrorKind.OTP_REQUIRED:
            return self.otp_answer()
        if kind is ErrorKind.FORBIDDEN_READ:
            return error(404, "Not Found")
        if kind in (ErrorKind.FORBIDDEN_DEPLOY, ErrorKind.FORBIDDEN_DELETE):
            return error(403, permission_denied(err.package))
        if kind is ErrorKind.VERSION_EXISTS:
            return error(
                403, f"You cannot publish over the previously published versions: {err.version}."
            )
        if kind is ErrorKind.VERSION_RESERVED:
            return error(400, f'Cannot publish over previously published version "{err.version}".')
        if kind is ErrorKind.PACKAGE_BLOCKED:
            return error(403, f"{err.package} cannot be republished until 24 hours have passed.")
        if kind is ErrorKind.TOO_LARGE:
            return error(413, "Payload Too Large")
        if kind is ErrorKind.NOT_FOUND:
            return error(404, "Not found")
        return generic_error(err)
