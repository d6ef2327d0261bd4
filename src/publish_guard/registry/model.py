"""Repositories, users, tokens and permissions of the emulated registry."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from functools import lru_cache


class Permission(Enum):
    READ = "read"
    DEPLOY = "deploy"  # publish, dist-tags, deprecate
    DELETE = "delete"  # unpublish, remove versions, delete tarballs


ALL_PERMISSIONS = frozenset(Permission)
ANY_REPO = "*"


class RepoKind(Enum):
    """Artifactory local/remote/virtual = Nexus hosted/proxy/group."""

    LOCAL = "local"
    REMOTE = "remote"
    VIRTUAL = "virtual"

    @classmethod
    def parse(cls, text: str) -> RepoKind:
        aliases = {"hosted": "local", "proxy": "remote", "group": "virtual"}
        return cls(aliases.get(text.lower(), text.lower()))


class DeploymentPolicy(Enum):
    """Nexus hosted repositories' deployment policy (other flavors ignore it)."""

    ALLOW_REDEPLOY = "allow"
    DISABLE_REDEPLOY = "disable-redeploy"
    READ_ONLY = "read-only"

    @classmethod
    def parse(cls, text: str) -> DeploymentPolicy:
        aliases = {"allow-redeploy": "allow", "allow_once": "disable-redeploy", "deny": "read-only"}
        normal = text.lower().replace("_", "-")
        return cls(aliases.get(normal, normal))


@dataclass(frozen=True, slots=True)
class Repo:
    key: str
    kind: RepoKind = RepoKind.LOCAL
    members: tuple[str, ...] = ()  # virtual/group: where reads look, in order
    default_deployment_repo: str | None = None  # virtual: where publishes go (Artifactory)
    includes: tuple[str, ...] = ("**/*",)  # Artifactory ant-style patterns on artifact paths
    excludes: tuple[str, ...] = ()
    policy: DeploymentPolicy = DeploymentPolicy.DISABLE_REDEPLOY
    latest_tag_locked: bool = False  # Nexus: "Unable to update latest tag"
    anonymous_read: bool = True
    max_body_size: int | None = None  # bytes; None = the flavor's default
    uplink_down: bool = False  # Verdaccio: refuse publishes of new packages with 503
    # Azure Artifacts: "name@version"s its upstream sources hold; publishing one is a 409
    upstream_versions: tuple[str, ...] = ()
    group_deploy_legacy: bool = False  # Nexus group: older 400 instead of the PRO-feature 403
    url: str | None = None  # remote: the upstream it would proxy (descriptive only)

    def artifact_allowed(self, path: str) -> bool:
        included = any(_ant(p).fullmatch(path) for p in self.includes)
        return included and not any(_ant(p).fullmatch(path) for p in self.excludes)


@lru_cache(maxsize=256)
def _ant(pattern: str) -> re.Pattern[str]:
    """An Ant-style pattern (``**`` any depth, ``*`` within a segment, ``?`` one char)."""
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out))


def parse_permissions(
    spec: Mapping[str, str | Iterable[str | Permission]] | str | None,
) -> dict[str, frozenset[Permission]]:
    """``{"npm-local": "read,deploy", "*": "read"}``, or one string for every repo.

    ``None`` means everything everywhere; ``"all"`` is read, deploy and delete.
    """
    if spec is None:
        return {ANY_REPO: ALL_PERMISSIONS}
    if isinstance(spec, str):
        return {ANY_REPO: _permission_set(spec)}
    return {repo: _permission_set(value) for repo, value in spec.items()}


def _permission_set(value: str | Iterable[str | Permission]) -> frozenset[Permission]:
    items: Iterable[str | Permission] = (
        [p for p in re.split(r"[,+ ]+", value) if p] if isinstance(value, str) else value
    )
    result: set[Permission] = set()
    for item in items:
        if isinstance(item, Permission):
            result.add(item)
        elif item.lower() == "all":
            result |= ALL_PERMISSIONS
        elif item.lower() in ("publish", "write"):
            result.add(Permission.DEPLOY)
        elif item.lower() in ("unpublish", "overwrite"):
            result.add(Permission.DELETE)
        elif item.lower() != "none":
            result.add(Permission(item.lower()))
    return frozenset(result)


@dataclass(slots=True)
class User:
    name: str
    password_hash: str
    permissions: dict[str, frozenset[Permission]] = field(default_factory=dict)
    otp_secret: str | None = None  # base32 TOTP secret; set = 2FA required on writes
    email: str | None = None

    def can(self, permission: Permission, repo: str) -> bool:
        granted = self.permissions.get(repo, self.permissions.get(ANY_REPO, frozenset()))
        return permission in granted


@dataclass(slots=True)
class Token:
    digest: str  # sha256 of the token text (the text itself is never stored)
    user: str
    created: datetime
    expires: datetime | None = None
    revoked: bool = False
    readonly: bool = False

    def expired(self, now: datetime) -> bool:
        return self.revoked or (self.expires is not None and now >= self.expires)
