"""The call signatures of the factory fixtures in ``tests/conftest.py``, for annotating tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from .clients import Client
from .servers import ServerThread
from .tools import ClientTool


class GuardFactory(Protocol):
    def __call__(self, upstream_url: str, *extra_argv: str) -> ServerThread:
        """Runs publish-guard in front of ``upstream_url``; ``extra_argv`` are more CLI flags."""
        ...


class ClientFactory(Protocol):
    def __call__(
        self,
        tool: ClientTool,
        registry: str,
        token: str | None = None,
        *,
        auth: str | None = None,
    ) -> Client:
        """A client of ``tool`` for ``registry``, in its own folder under the test's tmp_path."""
        ...


@dataclass(frozen=True)
class User:
    """A registry user: ``token`` for ``_authToken``, ``basic`` for ``_auth``."""

    name: str
    password: str
    token: str

    @property
    def basic(self) -> str:
        return f"{self.name}:{self.password}"
