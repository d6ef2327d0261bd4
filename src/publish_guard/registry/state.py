"""What every request to the emulated registry works on: its configuration, flavor,
repositories, accounts, storage, journal and clock.

``packages``, ``changes``, ``access`` and the routes read and change this state;
``core.Registry`` adds the setup and inspection API that tests and the CLI use.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from publish_guard.registry.accounts import Accounts
from publish_guard.registry.flavors import RegistryBehaviour, get_flavor
from publish_guard.registry.journal import Journal
from publish_guard.registry.model import Repo, RepoKind
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


@dataclass
class RegistryState:
    config: RegistryConfig = field(default_factory=RegistryConfig)

    def __post_init__(self) -> None:
        self.flavor: RegistryBehaviour = get_flavor(self.config.flavor)
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
