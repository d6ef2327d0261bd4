"""The emulated registry as tests hold it: the state every request works on
(``state.RegistryState``) and the setup and inspection API (repositories, users and tokens,
stored packages).

The HTTP layer (``app.py``, ``routes/``) and the package operations (``packages.py``) work on
the state; the methods here are what a test or the CLI calls.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from publish_guard.npm.documents import PackageDocument, version_identity
from publish_guard.registry.documents import tarball_filename
from publish_guard.registry.model import DeploymentPolicy, Permission, Repo, RepoKind
from publish_guard.registry.packages import store_version
from publish_guard.registry.secrets import new_otp_secret, totp
from publish_guard.registry.state import RegistryState
from publish_guard.registry.tarballs import make_tarball


@dataclass(frozen=True, slots=True)
class NewUser:
    """What ``add_user`` returns: the secrets, shown once."""

    name: str
    password: str
    token: str
    otp_secret: str | None = None


class Registry(RegistryState):
    """An emulated registry: ``Registry(RegistryConfig(flavor=...))``."""

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
        full_manifest = {"name": name, "version": version, **(manifest or {})}
        data = make_tarball(full_manifest, files)
        if deprecated:
            full_manifest["deprecated"] = deprecated
        return store_version(
            self, self.repo(repo), full_manifest, data, {tag: version} if tag else {}
        )
