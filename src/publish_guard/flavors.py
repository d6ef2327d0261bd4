"""What makes each registry flavor differ (Artifactory, Nexus, Verdaccio, npmjs, GitHub
Packages, GitLab), as far as the guard cares.

One class per flavor holds what the guard knows about that registry: how it is recognised, how
its repository is named in its URL, how a deleted version can be published again, where its
tokens come from, and what its refusals of a write mean (``advise``). ``explain/refusals.py``
asks the flavor object; it never tests which flavor it has.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

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
    reuse_hint: ClassVar[str] = (  # how a deleted version can be published again, where it can
        "the registry's admin may be able to delete it, after which it can be published again"
    )
    login_help: ClassVar[str] = "ask the registry's admin how its tokens are issued"
    repo_marker: ClassVar[str | None] = None  # the path segment before the repository's name

    def __repr__(self) -> str:
        return f"<flavor {self.key}>"

    def repo_key(self, url: URL) -> str | None:
        """The repository the upstream URL names, where the flavor names one in its paths."""
        segments = [s for s in url.path.split("/") if s]
        if self.repo_marker is None or self.repo_marker not in segments:
            return None
        after = segments[segments.index(self.repo_marker) + 1 :]
        return after[0] if after else None

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


class Artifactory(Flavor):
    key = "artifactory"
    title = "Artifactory"
    reuse_hint = (
        "a user with delete permission can delete it in Artifactory, then it can be published again"
    )
    login_help = "Artifactory issues npm tokens under 'Set Me Up' or the user profile"
    repo_marker = "npm"

    def wants_repo_info(self, status: int, command: str) -> bool:
        return status == 403 and command == "publish"

    def advise(self, refused: Refused) -> Advice | None:
        status, said, repo = refused.status, refused.said, refused.repo
        if "include/exclude patterns" in said:
            return Advice(
                "permission",
                f"repository {repo} excludes this package name by its include/exclude patterns",
                f"Ask the Artifactory admin to add the name to {repo}'s include patterns, or "
                "publish to a repository that accepts it.",
            )
        if "needs delete permission" in said or "delete/overwrite" in said:
            return Advice(
                "permission",
                "overwriting needs the Delete/Overwrite permission, which this user lacks",
                f"Publish a new version, or ask for Delete/Overwrite on {repo}.",
            )
        if status == 404 and refused.command == "publish" and "could not locate" in said:
            return Advice(
                "permission",
                f"Artifactory hides {repo} from this user ('hide unauthorized resources' "
                "answers 404 where it means 403)",
                f"Ask the Artifactory admin for Read and Deploy/Cache permission on {repo}.",
            )
        if status == 403 and refused.command != "publish":
            return Advice(
                "permission",
                f"the user lacks the permission this change needs on {repo} (Deploy/Cache "
                "for dist-tags and deprecations, Delete/Overwrite for unpublish)",
                f"Ask the Artifactory admin for that permission on {repo} (Administration → "
                "Permissions).",
            )
        if status != 403:
            return None
        return self._publish_forbidden(refused)

    def _publish_forbidden(self, refused: Refused) -> Advice:
        """A bare 403 to a publish: the repository's type, where it could be read, says why."""
        repo, info = refused.repo, refused.repo_info or {}
        rclass = str(info.get("rclass", "")).lower()
        if rclass == "remote":
            return Advice(
                "repository",
                f"repository {repo} is a remote repository (a cache of another registry); "
                "Artifactory never publishes to one",
                "Publish to a local npm repository (JFrog's advice: install through a virtual "
                "repository, publish to a local one).",
            )
        if rclass == "virtual" and not info.get("defaultDeploymentRepo"):
            return Advice(
                "repository",
                f"repository {repo} is a virtual repository without a Default Deployment "
                "Repository",
                f"Ask the Artifactory admin to set a Default Deployment Repository on {repo}, "
                "or publish to a local repository directly.",
            )
        not_collision = (
            f"{refused.package}@{refused.version} does not exist there, so this is not a "
            "version collision"
            if refused.version_visible
            else "the guard could not read the package to rule out a version collision"
        )
        if rclass == "local" or (rclass == "virtual" and info.get("defaultDeploymentRepo")):
            target = info.get("defaultDeploymentRepo") or repo
            return Advice(
                "permission",
                f"{not_collision}; the user lacks the Deploy/Cache permission on {target}",
                f"Ask the Artifactory admin for Deploy/Cache permission on {target} "
                "(Administration → Permissions).",
            )
        return Advice(
            "permission",
            f"{not_collision}; likely causes: no Deploy/Cache permission on {repo}, a virtual "
            "repository without a Default Deployment Repository, a remote repository, or "
            "include/exclude patterns",
            f"Ask the Artifactory admin which applies to {repo} (its repository settings and "
            "Administration → Permissions).",
        )


class Nexus(Flavor):
    key = "nexus"
    title = "Nexus"
    reuse_hint = (
        "a user with delete privileges can delete the component in Nexus, then it can be "
        "published again"
    )
    login_help = (
        "Nexus accepts npm tokens only with the 'npm Bearer Token Realm' active (Security → Realms)"
    )
    repo_marker = "repository"

    def advise(self, refused: Refused) -> Advice | None:
        status, said, repo = refused.status, refused.said, refused.repo
        group = "pro-licensed" in said or "deploying to groups" in said
        if group or (status == 400 and not said and refused.command == "publish"):
            return Advice(
                "repository",
                f"repository {repo} is a Nexus group repository, and groups do not take publishes",
                "Publish to the hosted repository that is a member of the group: npm publish "
                "--registry <nexus>/repository/<hosted-repo>/ (keep the group for installs).",
            )
        if status == 404 and refused.command == "publish":
            return Advice(
                "repository",
                f"repository {repo} takes no publishes (Nexus answers 404 Not Found): it is a "
                "proxy repository, or no repository of that name exists",
                "Publish to a hosted npm repository: npm publish --registry "
                "<nexus>/repository/<hosted-repo>/.",
            )
        if status == 403:
            return Advice(
                "permission",
                f"the Nexus user lacks the add and edit privileges on {repo} "
                f"(nx-repository-view-npm-{repo}-add and -edit)",
                f"Ask the Nexus admin for a role with nx-repository-view-npm-{repo}-add and -edit.",
            )
        return None


class Verdaccio(Flavor):
    key = "verdaccio"
    title = "Verdaccio"
    reuse_hint = (
        "'npm unpublish <pkg>@<version>' by a user allowed to unpublish frees it for a new publish"
    )
    login_help = "Verdaccio treats an expired token as no token at all"

    def may_not_publish(self) -> Advice:
        return Advice(
            "permission",
            "Verdaccio's package rules (packages: … publish:) do not list this user",
            "Ask the Verdaccio admin to allow your user to publish packages matching this name "
            "(config.yaml, packages:, publish:).",
        )


class Npmjs(Flavor):
    key = "npmjs"
    title = "the npm registry"
    reserves_unpublished = True
    reuse_hint = ""
    login_help = "npmjs tokens are made at npmjs.com → Access Tokens"


class GitHub(Flavor):
    """GitHub Packages (``npm.pkg.github.com``); sources in docs/registries.md."""

    key = "github"
    title = "GitHub Packages"
    # A deleted version can be restored within 30 days; whether its number can be published
    # again is not documented (docs.github.com, "Deleting and restoring a package").
    reuse_hint = (
        "an admin of the package's repository can delete the version (the package's page → "
        "Package settings → Manage versions; GitHub can restore it within 30 days)"
    )
    login_help = (
        "GitHub Packages takes a personal access token (classic) with the write:packages scope, "
        "or GITHUB_TOKEN in a workflow with 'permissions: packages: write'"
    )

    def advise(self, refused: Refused) -> Advice | None:
        said, package = refused.said, refused.package or "the package"
        if refused.status != 403:
            return None
        if "not_found" in said and "owner not found" in said:
            return Advice(
                "repository",
                f"the scope of {package} names no GitHub user or organization (GitHub Packages "
                "files an npm package under the owner its scope names)",
                "Scope the package with the owner of its repository: @<owner>/<name> in "
                "package.json.",
            )
        if "installation not allowed" in said:
            return Advice(
                "permission",
                "the workflow's GITHUB_TOKEN may not write this organization package",
                f"In the package settings of {package}, give the workflow's repository write "
                "access (Manage Actions access), and grant 'permissions: packages: write'.",
            )
        if "permission_denied" in said or "write_package" in said:
            return Advice(
                "permission",
                "the token may not write this package: it lacks the write:packages scope, or the "
                "package belongs to another repository",
                "Use a personal access token (classic) with write:packages, or in Actions grant "
                "'permissions: packages: write' and set package.json's repository field to the "
                "repository that owns the package.",
            )
        return None


class GitLab(Flavor):
    """GitLab's package registry, one npm API per project; sources in docs/registries.md."""

    key = "gitlab"
    title = "GitLab"
    repo_marker = "projects"  # /api/v4/projects/<id>/packages/npm/
    reuse_hint = (
        "a Maintainer of the project can delete the version in its package registry (Deploy → "
        "Package registry, or DELETE /api/v4/projects/<id>/packages/<package_id>), then it can "
        "be published again"
    )
    login_help = (
        "GitLab takes a personal access token with the api scope, a deploy token with "
        "write_package_registry, or CI_JOB_TOKEN in a pipeline"
    )

    def advise(self, refused: Refused) -> Advice | None:
        # GitLab's API says only "403 Forbidden" when the token may not create packages.
        if refused.status != 403 or refused.said not in ("403 forbidden", ""):
            return None
        project = f"project {refused.repo}" if refused.repo != "?" else "the project"
        return Advice(
            "permission",
            f"the token may not publish to {project}: publishing needs the Developer role or "
            "higher and a token with the api scope (a deploy token: write_package_registry; "
            "CI_JOB_TOKEN: its own project only)",
            f"Ask a Maintainer of {project} for the Developer role (Manage → Members), or use a "
            "token with the api scope.",
        )


class Generic(Flavor):
    pass


ARTIFACTORY = Artifactory()
NEXUS = Nexus()
VERDACCIO = Verdaccio()
NPMJS = Npmjs()
GITHUB = GitHub()
GITLAB = GitLab()
GENERIC = Generic()
_ALL = (ARTIFACTORY, NEXUS, VERDACCIO, NPMJS, GITHUB, GITLAB, GENERIC)
FLAVORS = {flavor.key: flavor for flavor in _ALL}


def flavor_from_url(url: URL) -> Flavor | None:
    """What the URL layout alone says, if anything."""
    path = url.path
    if "/api/npm/" in path or path.startswith("/artifactory/"):
        return ARTIFACTORY
    if path.startswith("/repository/"):
        return NEXUS
    if url.host in ("registry.npmjs.org", "registry.npmjs.com"):
        return NPMJS
    host = url.host or ""
    if host == "npm.pkg.github.com" or (host.startswith("npm.") and host.endswith(".ghe.com")):
        return GITHUB
    if path.startswith("/_registry/npm/"):  # GitHub Enterprise Server without subdomains
        return GITHUB
    if "/api/v4/" in path and "/packages/npm" in path:  # project, group or instance endpoint
        return GITLAB
    return None


def flavor_from_headers(headers: Mapping[str, str]) -> Flavor | None:
    """What a response's headers say: each server names itself in its own way."""
    lowered = {k.lower(): v for k, v in headers.items()}
    if "x-jfrog-version" in lowered or "x-artifactory-id" in lowered:
        return ARTIFACTORY
    if lowered.get("server", "").lower().startswith("nexus"):
        return NEXUS
    if "verdaccio" in lowered.get("x-powered-by", "").lower():
        return VERDACCIO
    if 'realm="github package registry"' in lowered.get("www-authenticate", "").lower():
        return GITHUB
    return None
