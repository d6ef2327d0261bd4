"""The registry refused a write; the guard says what its answer means (``refusals.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from publish_guard.explain.text import Facts, Text


@dataclass(frozen=True, slots=True, kw_only=True)
class RegistryRefusal(Facts):
    registry: str  # the flavor's title
    operation: str  # "the publish of widget@1.2.1", "the dist-tag change of widget"
    package: str
    version: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Login(RegistryRefusal):
    guard_url: str  # the registry URL the client used
    nerf: str  # npm's credential key for it


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthRejected(Login):
    said: str
    token_source: str  # how the flavor issues tokens


AUTH_REJECTED: Final = Text(
    "AUTH_REJECTED",
    AuthRejected,
    401,
    "{registry} refused the credentials for {operation} ({said}): the token npm sends for "
    "{guard_url} is missing, expired or wrong",
    "Log in again for the guard's URL: npm login --registry {guard_url} (or put a fresh "
    "token in .npmrc as {nerf}:_authToken=<token>); {token_source}.",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class TokenExpired(Login):
    pass


TOKEN_EXPIRED: Final = Text(
    "TOKEN_EXPIRED",
    TokenExpired,
    404,
    "{registry} says the access token is expired or revoked (it answers 404 Not Found for "
    "{operation}, which hides the real cause); npm's 'could not be found' lines below do not "
    "apply",
    "Log in again: npm login --registry {guard_url}, or create a new token and put it in "
    ".npmrc as {nerf}:_authToken=<token>.",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class NoPermission(RegistryRefusal):
    said_part: str  # " (<what it said>)", or empty
    cause: str
    fix: str


NO_PERMISSION: Final = Text(
    "NO_PERMISSION",
    NoPermission,
    403,
    "{registry} refused {operation}{said_part}: {cause}",
    "{fix}",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class RepoNotDeployable(RegistryRefusal):
    repo_facts: str  # what the repository is, that it takes no publishes
    fix: str


REPO_NOT_DEPLOYABLE: Final = Text(
    "REPO_NOT_DEPLOYABLE",
    RepoNotDeployable,
    403,
    "{registry} refused {operation}: {repo_facts}",
    "{fix}",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class RedeployDisabled(RegistryRefusal):
    repo: str
    visibility: str  # why the guard did not see the version, or empty


REDEPLOY_DISABLED: Final = Text(
    "REDEPLOY_DISABLED",
    RedeployDisabled,
    400,
    "{registry} refused {operation}: repository {repo} does not allow updating assets "
    "(redeploy is disabled) and {package}@{version} is already stored there{visibility}",
    "Publish a new version ('npm version patch'); a stored version can only be replaced by "
    "deleting it in Nexus first.",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class RepoReadOnly(RegistryRefusal):
    repo: str


REPO_READ_ONLY: Final = Text(
    "REPO_READ_ONLY",
    RepoReadOnly,
    400,
    "{registry} refused {operation}: repository {repo} is read-only (deployment policy "
    "'Read-only')",
    "Publish to a hosted repository that accepts deployments, or ask the Nexus admin to set "
    "{repo}'s deployment policy to 'Disable redeploy'.",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class LatestTagLocked(RegistryRefusal):
    pass


LATEST_TAG_LOCKED: Final = Text(
    "LATEST_TAG_LOCKED",
    LatestTagLocked,
    400,
    "{registry} refused {operation}: it may not move the 'latest' dist-tag of {package} "
    "('Unable to update latest tag')",
    "Publish under another tag (npm publish --tag next), then ask the Nexus admin to move "
    "'latest' if it should.",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class TooLargeUpstream(RegistryRefusal):
    size: str
    limit: str  # " (<limit>)" where the registry names it, or empty


TOO_LARGE_UPSTREAM: Final = Text(
    "TOO_LARGE_UPSTREAM",
    TooLargeUpstream,
    413,
    "{registry} refused {operation}: the request ({size}) is larger than it accepts{limit}",
    "Leave build output out of the package ('npm pack --dry-run' lists its files), or ask "
    "the registry's admin to raise its body-size limit (Verdaccio: max_body_size).",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class UplinkDown(RegistryRefusal):
    pass


UPLINK_DOWN: Final = Text(
    "UPLINK_DOWN",
    UplinkDown,
    503,
    "{registry} refused {operation}: one of its uplinks (the registries it mirrors) is down, "
    "and it will not publish while it cannot check them",
    "Retry when the uplink is back, or ask the Verdaccio admin to check its uplinks.",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class UpstreamRejected(RegistryRefusal):
    upstream_status: int
    reason: str
    said_part: str  # " (<what it said>)", or empty
    fix: str


UPSTREAM_REJECTED: Final = Text(
    "UPSTREAM_REJECTED",
    UpstreamRejected,
    400,
    "{registry} refused {operation} with {upstream_status} {reason}{said_part}",
    "{fix}",
)
