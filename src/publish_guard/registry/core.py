"""The emulated registry: configuration, repositories, accounts, storage, journal and clock.

This is the object tests hold. The HTTP layer (``app.py``, ``routes/``) and the package operations
(``packages.py``) work on it; the methods here are the setup and inspection API.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from publish_guard.npm.documents import PackageDocument, tarball_filename, version_identity
from publish_guard.registry.accounts import Accounts
from publish_guard.registry.flavors import Flavor, get_flavor
from publish_guard.registry.journal import Journal
from publish_guard.registry.model import DeploymentPolicy, Permission, Repo, RepoKind
from publish_guard.registry.secrets import new_otp_secret, totp
from publish_guard.registry.storage import DirectoryStorage, MemoryStorage, Storage

if TYPE_CHECKING:
    from aiohttp import web


def utc_now() -> datetime:
    return datetime.now(UTC)


class FakeClock:
    """A clock tests can move: ``RegistryConfig(clock=FakeClock())`` then ``clock.advance(...)``."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or utc_now()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@dataclass
class RegistryConfig:
    flavor: str = "artifactory"
    repos: list[Repo] | None = None  # None: the flavor's default (npm-local, npm-hosted, root)
    data_dir: Path | None = None  # None: memory only
    public_url: str | None = None  # fixed base for tarball URLs (else taken from each request)
    max_body_size: int | None = None  # None: the flavor's default (Verdaccio 10 MiB)
    # False: Bearer tokens are not accepted (Nexus without the "npm Bearer Token Realm": 401)
    bearer_tokens: bool = True
    clock: Callable[[], datetime] = utc_now


@dataclass(frozen=True, slots=True)
class NewUser:
    """What ``add_user`` returns: the secrets, shown once."""

    name: str
    password: str
    token: str
    otp_secret: str | None = None


@dataclass
class Registry:
    config: RegistryConfig = field(default_factory=RegistryConfig)

    def __post_init__(self) -> None:
        self.flavor: Flavor = get_flavor(self.config.flavor)
        self.clock = self.config.clock
        self.storage: Storage = (
            DirectoryStorage(self.config.data_dir) if self.config.data_dir else MemoryStorage()
        )
        self.accounts = Accounts(self.storage, self.clock)
        self.journal = Journal()
        self.repos: dict[str, Repo] = {}
        self.staged: dict[str, dict[str, Any]] = {}  # npm 11 `npm stage publish` (npmjs)
        for repo in self.config.repos or self.flavor.default_repos():
            self._put_repo(repo)

    # -- repositories ------------------------------------------------------------------------

    def add_repo(
        self,
        key: str,
        kind: RepoKind | str = RepoKind.LOCAL,
        *,
        members: Iterable[str] = (),
        default_deployment_repo: str | None = None,
        policy: DeploymentPolicy | str = DeploymentPolicy.DISABLE_REDEPLOY,
        **options: Any,
    ) -> Repo:
        """Add or replace a repository. ``options``: the other ``Repo`` fields."""
        repo = Repo(
            key=key,
            kind=kind if isinstance(kind, RepoKind) else RepoKind.parse(kind),
            members=tuple(members),
            default_deployment_repo=default_deployment_repo,
            policy=policy
            if isinstance(policy, DeploymentPolicy)
            else DeploymentPolicy.parse(policy),
            **options,
        )
        return self._put_repo(repo)

    def update_repo(self, key: str, **changes: Any) -> Repo:
        """Change fields of a repository (``policy="allow"``, ``latest_tag_locked=True``, …)."""
        if isinstance(changes.get("policy"), str):
            changes["policy"] = DeploymentPolicy.parse(changes["policy"])
        if isinstance(changes.get("kind"), str):
            changes["kind"] = RepoKind.parse(changes["kind"])
        return self._put_repo(replace(self.repos[key], **changes))

    def _put_repo(self, repo: Repo) -> Repo:
        if self.flavor.root_mounted and self.repos and repo.key not in self.repos:
            raise ValueError(f"the {self.flavor.name} flavor serves a single repository at /")
        self.repos[repo.key] = repo
        return repo

    def repo(self, key: str | None = None) -> Repo:
        return self.repos[key] if key else self.repos[self.default_repo_key]

    @property
    def default_repo_key(self) -> str:
        """The first local repository (where ``registry``/``demo`` point npm), else the first."""
        for repo in self.repos.values():
            if repo.kind is RepoKind.LOCAL:
                return repo.key
        return next(iter(self.repos))

    def mount_path(self, repo: str | None = None) -> str:
        """The npm API path of a repository, e.g. ``/artifactory/api/npm/npm-local/``."""
        return self.flavor.mount_path(self.repo(repo).key)

    def npm_url(self, server_url: str, repo: str | None = None) -> str:
        """The registry URL to give npm, for a server at ``server_url``."""
        return server_url.rstrip("/") + self.mount_path(repo)

    def max_body_size(self, repo: Repo) -> int | None:
        if repo.max_body_size is not None:
            return repo.max_body_size
        if self.config.max_body_size is not None:
            return self.config.max_body_size
        return self.flavor.default_max_body_size

    def public_url(self, request: web.Request) -> str:
        """``scheme://host/`` of this server as the flavor works it out (for tarball URLs)."""
        host = request.headers.get("Host") or request.host
        return self.flavor.origin(request.headers, request.scheme, host, self.config.public_url)

    # -- users and tokens --------------------------------------------------------------------

    def add_user(
        self,
        name: str,
        password: str | None = None,
        *,
        permissions: Mapping[str, str | Iterable[str | Permission]] | str | None = None,
        token_expires_in: timedelta | None = None,
        otp: bool | str = False,
        email: str | None = None,
    ) -> NewUser:
        """Create a user with one token. ``permissions``: ``{"npm-local": "read,deploy"}``, or a
        string for every repository; default all of read, deploy and delete everywhere.
        ``otp=True`` (or a base32 secret) makes every write need ``npm-otp``."""
        secret = otp if isinstance(otp, str) else (new_otp_secret() if otp else None)
        password = password or f"{name}-password"
        self.accounts.add_user(
            name, password, permissions=permissions, otp_secret=secret, email=email
        )
        token = self.accounts.create_token(name, expires_in=token_expires_in)
        return NewUser(name=name, password=password, token=token, otp_secret=secret)

    def create_token(
        self, user: str, *, expires_in: timedelta | None = None, readonly: bool = False
    ) -> str:
        """Another token for ``user``; a ``readonly`` one is refused every write (403)."""
        return self.accounts.create_token(user, expires_in=expires_in, readonly=readonly)

    def revoke_token(self, token: str) -> None:
        self.accounts.revoke_token(token)

    def expire_token(self, token: str) -> None:
        self.accounts.expire_token(token)

    def otp(self, user: str) -> str:
        """The one-time password a user's authenticator shows now."""
        secret = self.accounts.users[user].otp_secret
        if secret is None:
            raise ValueError(f"user {user!r} has no one-time passwords")
        return totp(secret, self.clock())

    # -- stored state ------------------------------------------------------------------------

    def document(self, name: str, repo: str | None = None) -> PackageDocument | None:
        """The stored document as kept (``dist.tarball`` as published, no request-based URL)."""
        return self.storage.load_document(self.repo(repo).key, name)

    def tarball(self, name: str, version: str, repo: str | None = None) -> bytes | None:
        doc = self.document(name, repo)
        for existing in (doc or {}).get("versions", {}):
            if version_identity(existing) == version_identity(version):
                version = existing
        return self.storage.load_tarball(self.repo(repo).key, name, tarball_filename(name, version))

    def package_names(self, repo: str | None = None) -> list[str]:
        return self.storage.package_names(self.repo(repo).key)

    def seed(
        self,
        name: str,
        version: str,
        *,
        repo: str | None = None,
        tag: str | None = "latest",
        manifest: Mapping[str, Any] | None = None,
        files: Mapping[str, str | bytes] | None = None,
        deprecated: str | None = None,
    ) -> PackageDocument:
        """Store a version directly (no HTTP, no checks), e.g. to set up a collision."""
        from publish_guard.registry.packages import store_version
        from publish_guard.registry.tarballs import make_tarball

        full_manifest = {"name": name, "version": version, **(manifest or {})}
        data = make_tarball(full_manifest, files)
        if deprecated:
            full_manifest["deprecated"] = deprecated
        return store_version(
            self, self.repo(repo), full_manifest, data, {tag: version} if tag else {}
        )
