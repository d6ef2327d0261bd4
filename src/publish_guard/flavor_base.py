"""What a flavor is: the answers every registry may override, and what a refusal looks like to one.

``flavors.py`` names the flavors and finds which one an upstream is; each flavor's class (there,
in ``forge_flavors.py`` and in ``cloud_flavors.py``) overrides what its registry does differently.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, ClassVar, Literal
from urllib.parse import unquote

from yarl import URL


@dataclass(frozen=True, slots=True)
class Refused:
    """A write the registry refused, as a flavor reads it."""

    status: int
    said: str  # what the registry said, lower-cased
    command: str  # publish, deprecate, dist-tag, unpublish, login, owner, star, write
    repo: str  # the repository key or name from the upstream URL; "?" when unknown
    package: str | None = None
    version: str | None = None
    version_visible: bool | None = None  # the guard could read the package document
    repo_info: Mapping[str, Any] | None = None  # Artifactory's repository description


@dataclass(frozen=True, slots=True)
class Advice:
    """What a refusal means: the user may not write (``permission``: NO_PERMISSION), or the
    repository takes no publishes (``repository``: REPO_NOT_DEPLOYABLE, ``cause`` says what
    the repository is)."""

    kind: Literal["permission", "repository"]
    cause: str
    fix: str


class Flavor:
    key: ClassVar[str] = "generic"
    title: ClassVar[str] = "the registry"
    reserves_unpublished: ClassVar[bool] = False  # a version number can never be used again
    # how long a package unpublished as a whole takes no publish at all (npmjs: 24 hours)
    republish_block: ClassVar[timedelta | None] = None
    reuse_hint: ClassVar[str] = (  # how a deleted version can be published again, where it can
        "the registry's admin may be able to delete it, after which it can be published again"
    )
    # how its tokens are issued; <nerf> stands for the guard's URL as .npmrc keys it
    login_help: ClassVar[str] = "ask the registry's admin how its tokens are issued"
    repo_marker: ClassVar[str | None] = None  # the path segment before the repository's name
    # how the registry refuses a version it already holds: (status, words in its answer)
    exists_answers: ClassVar[tuple[tuple[int, str], ...]] = ()
    # how it refuses a body over its limit, besides a 413; and what that limit is
    too_large_answers: ClassVar[tuple[tuple[int, str], ...]] = ()
    size_limit: ClassVar[str] = ""

    def __repr__(self) -> str:
        return f"<flavor {self.key}>"

    def repo_key(self, url: URL) -> str | None:
        """The repository the upstream URL names, where the flavor names one in its paths."""
        # raw: a name may hold an encoded slash (GitLab's project path, group%2Fproject)
        segments = [unquote(s) for s in url.raw_path.split("/") if s]
        if self.repo_marker is None or self.repo_marker not in segments:
            return None
        after = segments[segments.index(self.repo_marker) + 1 :]
        return after[0] if after else None

    def says_exists(self, refused: Refused) -> bool:
        """Whether this refusal of a publish is the registry saying the version exists."""
        return refused.command == "publish" and _says(self.exists_answers, refused)

    def says_too_large(self, refused: Refused) -> bool:
        """Whether this refusal is the registry saying the request is over its size limit."""
        return refused.status == 413 or _says(self.too_large_answers, refused)

    def wants_repo_info(self, status: int, command: str) -> bool:
        """Whether the repository's description would tell why this refusal happened."""
        return False

    def advise(self, refused: Refused) -> Advice | None:
        """This flavor's own reading of a refusal, before the rules every registry shares."""
        return None

    def may_not_publish(self) -> Advice:
        """A 403 that says the user may not publish this package."""
        return Advice(
            "permission",
            "this user is not a maintainer of the package or a member of its team",
            "Ask an owner to add you (npm owner add <user> <package>), or publish under your "
            "own scope.",
        )


def _says(answers: tuple[tuple[int, str], ...], refused: Refused) -> bool:
    return any(refused.status == status and words in refused.said for status, words in answers)
