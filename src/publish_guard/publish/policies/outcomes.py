"""What a policy is given and what it may answer (pure data)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from publish_guard.config import Settings
from publish_guard.explain import GuardError
from publish_guard.flavors import Flavor
from publish_guard.npm.publish_body import PublishBody
from publish_guard.npm.tarball import Package
from publish_guard.publish.verdict import Verdict, verdict_on


@dataclass(frozen=True, slots=True)
class Candidate:
    """The publish as it would be forwarded: the body as parsed, and, once dev mode chose one,
    the version it is published as."""

    parsed: PublishBody
    packed: Package  # the tarball's package.json and files
    via_dev_prefix: bool = False
    dev_version: str | None = None  # set by dev mode's rewrite
    dev_tags: dict[str, str] | None = None
    dev_reason: str | None = None

    @property
    def package(self) -> str:
        return self.parsed.name.full

    @property
    def version(self) -> str:
        return self.dev_version or self.parsed.version

    @property
    def tags(self) -> dict[str, str]:
        """The dist-tags this publish asks for (dev mode moves ``latest`` to its own tag)."""
        return dict(self.dev_tags if self.dev_tags is not None else self.parsed.dist_tags)

    @property
    def tag(self) -> str:
        return next(iter(self.tags))

    def rewritten(self, rewrite: Rewrite) -> Candidate:
        return replace(
            self, dev_version=rewrite.version, dev_tags=rewrite.tags, dev_reason=rewrite.reason
        )


@dataclass(frozen=True, slots=True)
class Findings:
    """What a fresh look-up under the package's lock found, and the guard's own settings."""

    document: dict[str, Any] | None  # the registry's package document; None: no such package
    flavor: Flavor
    settings: Settings
    guard_url: str  # the registry URL the client used (for next steps)
    now: datetime
    known: bool = True  # the registry told whether the package exists (200 or 404)

    def verdict(self, version: str) -> Verdict:
        """What the document says about ``version``, by the registry's rule."""
        return verdict_on(self.flavor, self.document, version, self.now)


@dataclass(frozen=True, slots=True)
class Continue:
    """Nothing to say: the next policy decides. ``warning``: logged and told to the client."""

    warning: str | None = None


@dataclass(frozen=True, slots=True)
class Rewrite:
    """Publish as another version (dev mode), under ``tags``."""

    version: str
    tags: dict[str, str]
    reason: str


@dataclass(frozen=True, slots=True)
class Refuse:
    error: GuardError


@dataclass(frozen=True, slots=True)
class Accept:
    """Answer success without forwarding: the registry already has exactly this."""

    notice: str
    extra: dict[str, Any] = field(default_factory=dict)


Outcome = Continue | Rewrite | Refuse | Accept


@dataclass(frozen=True, slots=True)
class Forward:
    """Every policy let the candidate through: it goes to the registry."""

    candidate: Candidate
    warnings: tuple[str, ...] = ()


Decision = Forward | Refuse | Accept
