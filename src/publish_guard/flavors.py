"""What makes each registry flavor differ, as far as the guard cares; which flavor an upstream is.

One class per flavor (Artifactory, Nexus, Verdaccio and npmjs here; the code forges' registries
in ``forge_flavors.py``, the cloud services' feeds in ``cloud_flavors.py``) holds what the guard
knows about that registry: how it is recognised, how its repository is named in its URL, how a
deleted version can be published again, where its tokens come from, and what its refusals of a
write mean (``advise``). ``explain/refusals.py`` asks the flavor object; it never tests which
flavor it has.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import timedelta

from yarl import URL

from publish_guard.cloud_flavors import Azure, CodeArtifact
from publish_guard.flavor_base import Advice, Flavor, Refused
from publish_guard.forge_flavors import Gitea, GitHub, GitLab

__all__ = ["FLAVORS", "Advice", "Flavor", "Refused", "flavor_from_headers", "flavor_from_url"]


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
    republish_block = timedelta(hours=24)
    reuse_hint = ""
    login_help = "npmjs tokens are made at npmjs.com → Access Tokens"


class Generic(Flavor):
    pass


ARTIFACTORY = Artifactory()
NEXUS = Nexus()
VERDACCIO = Verdaccio()
NPMJS = Npmjs()
GITHUB = GitHub()
GITLAB = GitLab()
GITEA = Gitea()
AZURE = Azure()
CODEARTIFACT = CodeArtifact()
GENERIC = Generic()
_ALL = (
    ARTIFACTORY,
    NEXUS,
    VERDACCIO,
    NPMJS,
    GITHUB,
    GITLAB,
    GITEA,
    AZURE,
    CODEARTIFACT,
    GENERIC,
)
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
    if "/_packaging/" in path and "/npm/registry" in path:
        return AZURE
    if ".codeartifact." in host and host.endswith(".amazonaws.com"):
        return CODEARTIFACT
    if re.search(r"/api/packages/[^/]+/npm(/|$)", path):
        return GITEA
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
    challenge = lowered.get("www-authenticate", "").lower()
    if 'realm="github package registry"' in challenge:
        return GITHUB
    if 'realm="gitea package api"' in challenge:
        return GITEA
    return None
