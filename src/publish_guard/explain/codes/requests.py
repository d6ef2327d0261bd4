"""Requests the guard refuses as a whole, before or instead of looking at a publish."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from publish_guard.explain.text import Facts, NoFacts, Text


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestLine(Facts):
    method: str
    target: str  # redacted, as the guard logs it


@dataclass(frozen=True, slots=True, kw_only=True)
class BadTarget(RequestLine):
    reason: str


BAD_TARGET: Final = Text(
    "BAD_TARGET",
    BadTarget,
    400,
    "publish-guard refused {method} {target}: {reason}; requests must stay inside the "
    "registry's path",
    "Use the registry URL as configured; paths with '..', encoded dots or slashes used to "
    "climb, backslashes or NUL bytes are never forwarded.",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class NotAProxy(RequestLine):
    pass


NOT_A_PROXY: Final = Text(
    "NOT_A_PROXY",
    NotAProxy,
    400,
    "publish-guard refused {method} {target}: it is an npm registry URL, not a forward proxy",
    "Set publish-guard as the npm registry (npm config set registry <guard URL>), "
    "not as an HTTP proxy (npm config delete proxy; npm config delete https-proxy).",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class UnknownWrite(RequestLine):
    pass


UNKNOWN_WRITE: Final = Text(
    "UNKNOWN_WRITE",
    UnknownWrite,
    405,
    "publish-guard refused {method} {target}: it is not a write the guard knows "
    "(publish, deprecate, dist-tag, unpublish, owner, access, login, token, audit), so it was "
    "not sent to the registry",
    "If this request is legitimate, ask the guard's operator to let it through with "
    "--allow-write '{method} <path-glob>' (PUBLISH_GUARD_ALLOW_WRITES).",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class PublishToRev(Facts):
    package: str
    rev: str
    version: str  # the versions the body publishes, comma-separated


PUBLISH_TO_REV: Final = Text(
    "PUBLISH_TO_REV",
    PublishToRev,
    400,
    "publish-guard refused the write to {package}/-rev/{rev}: its body publishes a version "
    "({version}), and a revision update may only change metadata (a registry would replace "
    "the package's versions with it); nothing was sent to the registry",
    "Publish with npm publish, which sends the tarball to the package's own path.",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class MetadataOnly(Facts):
    package: str
    problems: str


METADATA_ONLY: Final = Text(
    "METADATA_ONLY",
    MetadataOnly,
    400,
    "publish-guard refused the update of {package}: a document update may change metadata "
    "only, and this one {problems}; nothing was sent to the registry",
    "Publish new versions with npm publish; deprecate with npm deprecate, unpublish with npm "
    "unpublish — they send only what may change.",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class UpdateUnchecked(Facts):
    package: str
    cause: str


UPDATE_UNCHECKED: Final = Text(
    "UPDATE_UNCHECKED",
    UpdateUnchecked,
    503,
    "publish-guard could not check the update of {package}: reading the package from the "
    "registry failed ({cause}); nothing was sent to the registry",
    "Retry in a moment; npm retries this on its own.",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class PublishesBusy(Facts):
    held: str
    size: str
    seconds: str


PUBLISHES_BUSY: Final = Text(
    "PUBLISHES_BUSY",
    PublishesBusy,
    503,
    "publish-guard is holding {held} of publish bodies, its limit (max_publish_memory), and "
    "could not take this {size} one within {seconds}s; nothing was sent to the registry",
    "Retry in a moment (npm retries this on its own), or ask the operator to raise "
    "--max-publish-memory (PUBLISH_GUARD_MAX_PUBLISH_MEMORY) with the memory limit.",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class UnsupportedEncoding(Facts):
    what: str  # publish, update
    package: str
    detail: str


UNSUPPORTED_ENCODING: Final = Text(
    "UNSUPPORTED_ENCODING",
    UnsupportedEncoding,
    415,
    "publish-guard refused the {what} of {package}: {detail}; nothing was sent to the registry",
    "Send the body uncompressed (npm, pnpm and yarn do) or gzip-encoded.",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class ClientTooSlow(RequestLine):
    seconds: str


CLIENT_TOO_SLOW: Final = Text(
    "CLIENT_TOO_SLOW",
    ClientTooSlow,
    408,
    "publish-guard stopped waiting for the body of {method} {target}: nothing arrived for "
    "{seconds}s; nothing was sent to the registry",
    "Publish again from a steadier connection; npm retries this on its own.",
)


STATUS_TOKEN: Final = Text(
    "STATUS_TOKEN",
    NoFacts,
    401,
    "the status page needs the guard's status token",
    "Send the guard's status token (--status-token, PUBLISH_GUARD_STATUS_TOKEN) in the "
    "Authorization header, or type it as the password when the browser asks; health checks "
    "need none.",
)
