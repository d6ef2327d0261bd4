"""What can go wrong in the emulator, independent of flavor.

Operations raise ``RegistryError``; each flavor turns it into the status, body and headers its real
counterpart sends (``flavors/*.py``), in one table per flavor.
"""

from __future__ import annotations

from enum import Enum


class ErrorKind(Enum):
    AUTH_MISSING = "auth_missing"  # no credentials where they are needed
    AUTH_BAD = "auth_bad"  # unknown token, wrong password
    AUTH_EXPIRED = "auth_expired"  # a known token past its expiry or revoked
    OTP_REQUIRED = "otp_required"  # the user has 2FA and the request has no (valid) npm-otp
    FORBIDDEN_READ = "forbidden_read"
    FORBIDDEN_DEPLOY = "forbidden_deploy"
    FORBIDDEN_DELETE = "forbidden_delete"
    VERSION_EXISTS = "version_exists"
    VERSION_RESERVED = "version_reserved"  # npmjs: a version that was unpublished
    PACKAGE_BLOCKED = "package_blocked"  # npmjs: whole package unpublished < 24 h ago
    REDEPLOY_DISABLED = "redeploy_disabled"  # nexus hosted, "Disable redeploy"
    READ_ONLY = "read_only"  # nexus hosted, "Read-only"
    REMOTE_NOT_DEPLOYABLE = "remote_not_deployable"  # artifactory remote / nexus proxy
    VIRTUAL_NOT_DEPLOYABLE = "virtual_not_deployable"  # artifactory virtual, no default repo
    GROUP_NOT_DEPLOYABLE = "group_not_deployable"  # nexus group
    PATTERN_REJECTED = "pattern_rejected"  # artifactory include/exclude patterns
    LATEST_TAG_LOCKED = "latest_tag_locked"  # nexus
    TOO_LARGE = "too_large"
    UPLINK_DOWN = "uplink_down"  # verdaccio
    IN_UPSTREAM = "in_upstream"  # azure: the version exists in one of the feed's upstream sources
    NOT_FOUND = "not_found"
    BAD_REQUEST = "bad_request"
    CONFLICT = "conflict"  # a stale _rev


class RegistryError(Exception):
    """A failure with everything a flavor may put in its answer."""

    def __init__(
        self,
        kind: ErrorKind,
        detail: str = "",
        *,
        package: str | None = None,
        version: str | None = None,
        repo: str | None = None,
        user: str | None = None,
        path: str | None = None,
        action: str = "publish",
    ) -> None:
        super().__init__(detail or kind.value)
        self.kind = kind
        self.detail = detail
        self.package = package
        self.version = version
        self.repo = repo
        self.user = user
        self.path = path
        self.action = action  # what was attempted: "access", "publish", "unpublish", "login"

    def __repr__(self) -> str:
        return f"RegistryError({self.kind.name}, {self.detail!r}, package={self.package!r})"
