"""Publishes the guard refuses by itself: nothing of them was sent to the registry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from publish_guard.explain.text import Facts, Text


@dataclass(frozen=True, slots=True, kw_only=True)
class InvalidPublish(Facts):
    package: str
    detail: str


INVALID_PUBLISH: Final = Text(
    "INVALID_PUBLISH",
    InvalidPublish,
    400,
    "publish-guard refused the publish of {package}: {detail}; nothing was sent to the registry",
    "Publish again with npm, pnpm or yarn; if it happens again, the client or something "
    "between it and the guard is damaging the upload.",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class PublishTooLarge(Facts):
    package: str
    size: str
    limit: str


PUBLISH_TOO_LARGE: Final = Text(
    "PUBLISH_TOO_LARGE",
    PublishTooLarge,
    413,
    "publish-guard refused the publish of {package}: the request is {size}, over the guard's "
    "limit of {limit} (max_publish_size)",
    "Leave build output and tests out of the package ('npm pack --dry-run' lists what is in "
    'it; use "files" or .npmignore), or ask the operator to raise --max-publish-size '
    "(PUBLISH_GUARD_MAX_PUBLISH_SIZE).",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class TakenVersion(Facts):
    package: str
    version: str
    registry: str  # the flavor's title
    free: str  # the next free versions, as a list
    next_step: str


@dataclass(frozen=True, slots=True, kw_only=True)
class VersionExists(TakenVersion):
    published: str  # " (published <when>)", or empty
    highest: str  # "the highest version is <v>; ", or empty
    differs: str  # what a republish changes, as a clause, or empty


VERSION_EXISTS: Final = Text(
    "VERSION_EXISTS",
    VersionExists,
    403,
    "You cannot publish over the previously published versions: {version}. {package}@"
    "{version} is already in {registry}{published} and a published version never "
    "changes{differs}; {highest}next free: {free}",
    "{next_step}",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class VersionReserved(TakenVersion):
    published: str  # " on <when>", or empty
    unpublished: str  # " on <when>", or empty


VERSION_RESERVED: Final = Text(
    "VERSION_RESERVED",
    VersionReserved,
    400,
    'Cannot publish over previously published version "{version}". {package}@{version} was '
    "published{published} and unpublished{unpublished}; {registry} never lets a version "
    "number be used twice, even after unpublish; next free: {free}",
    "{next_step}",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class PackageBlocked(Facts):
    package: str
    unpublished: str
    until: str
    free: str
    version: str | None = None  # the version asked for, shown in the answer's body


PACKAGE_BLOCKED: Final = Text(
    "PACKAGE_BLOCKED",
    PackageBlocked,
    403,
    "{package} cannot be republished until 24 hours have passed. It was unpublished at "
    "{unpublished}; publishing is possible again after {until}, and only with a version "
    "that was never used (next free: {free})",
    "Wait until {until}, then publish a new version.",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class PackageVersion(Facts):
    package: str
    version: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DevProvenance(PackageVersion):
    pass


DEV_PROVENANCE: Final = Text(
    "DEV_PROVENANCE",
    DevProvenance,
    400,
    "publish-guard cannot publish {package}@{version} as a dev build: it carries a "
    "provenance statement (--provenance) that signs the tarball's digest, and changing the "
    "version would break that signature; nothing was sent to the registry",
    "Publish without --provenance to get a dev build, or publish outside dev mode (the "
    "guard's plain URL, another dist-tag or scope).",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class DevModeOff(Facts):
    package: str
    dev_url: str


DEV_MODE_OFF: Final = Text(
    "DEV_MODE_OFF",
    DevModeOff,
    400,
    "publish-guard refused the publish of {package} through {dev_url}: dev mode is off on "
    "this guard; nothing was sent to the registry",
    "Publish through the guard's plain URL, or ask the operator to start the guard with "
    "--dev-mode always (or on-conflict).",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class DevPublishCheck(Facts):
    package: str


DEV_PUBLISH_CHECK: Final = Text(
    "DEV_PUBLISH_CHECK",
    DevPublishCheck,
    404,
    "publish-guard dev mode: the versions of {package} are not shown to the publish's own "
    "check; the guard picks the next free -dev.N version",
    "",  # npm expects this "not found" and goes on with the publish: nothing to print
)


@dataclass(frozen=True, slots=True, kw_only=True)
class DevAllocationFailed(PackageVersion):
    attempts: int


DEV_ALLOCATION_FAILED: Final = Text(
    "DEV_ALLOCATION_FAILED",
    DevAllocationFailed,
    409,
    "publish-guard could not find a free dev version for {package}@{version} in {attempts} "
    "attempts: other publishes kept taking the next number; nothing was published",
    "Publish again.",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class ManifestMismatch(PackageVersion):
    fields: str


MANIFEST_MISMATCH: Final = Text(
    "MANIFEST_MISMATCH",
    ManifestMismatch,
    400,
    "publish-guard refused the publish of {package}@{version}: its manifest differs from the "
    "package.json in its tarball in {fields} (what the registry would show is not what would "
    "install); nothing was sent to the registry",
    "Publish with npm, pnpm or yarn, which send the tarball's own package.json; if a tool "
    "between rewrites manifests on purpose, ask the operator for --manifest-check warn.",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class BadTarball(PackageVersion):
    detail: str


TARBALL_INVALID: Final = Text(
    "TARBALL_INVALID",
    BadTarball,
    400,
    "publish-guard refused the publish of {package}@{version}: its tarball {detail}; nothing "
    "was sent to the registry",
    "Pack and publish again with npm, pnpm or yarn; 'npm pack' shows what the tarball holds.",
)
TARBALL_TOO_LARGE: Final = Text(
    "TARBALL_TOO_LARGE",
    BadTarball,
    413,
    "publish-guard refused the publish of {package}@{version}: its tarball {detail}, over the "
    "guard's limits (max_unpacked_size, max_tarball_entries); nothing was sent to the registry",
    "Leave build output and tests out of the package ('npm pack --dry-run' lists what is in "
    "it), or ask the operator to raise --max-unpacked-size or --max-tarball-entries.",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class PackageLocked(Facts):
    package: str
    seconds: str


LOCK_BUSY: Final = Text(
    "LOCK_BUSY",
    PackageLocked,
    503,
    "publish-guard could not start the publish of {package}: another publish of it has held "
    "the package's lock for {seconds}s; nothing was sent to the registry",
    "Retry in a moment (npm retries this on its own); if it lasts, ask the operator what "
    "holds the lock.",
)
