"""Flavors of the cloud services' package feeds: Azure Artifacts and AWS CodeArtifact.

What each says and what to do about it, with sources, is in docs/registries.md.
"""

from __future__ import annotations

import re

from publish_guard.flavor_base import Advice, Flavor, Refused

_ACTION = re.compile(r"codeartifact:([a-z]+)")  # in what it said, lower-cased
# IAM actions as AWS spells them (CodeArtifact user guide, "CodeArtifact permissions reference")
_ACTIONS = {
    name.lower(): name
    for name in (
        "DeletePackageVersions",
        "DisposePackageVersions",
        "PublishPackageVersion",
        "PutPackageMetadata",
        "ReadFromRepository",
        "UpdatePackageVersionsStatus",
    )
}


class Azure(Flavor):
    """Azure Artifacts: one npm API per feed, ``…/_packaging/<feed>/npm/registry/``."""

    key = "azure"
    title = "Azure Artifacts"
    # A published version number is reserved for good, deleted or not (Microsoft's docs,
    # "Delete and recover packages").
    reserves_unpublished = True
    reuse_hint = ""
    login_help = (
        "Azure Artifacts takes a personal access token with the Packaging (Read & write) scope "
        "in place of a password, base64-encoded; put <nerf>:username=any and "
        "<nerf>:_password=<base64 of the token> in .npmrc (keyed to the guard's URL, not the "
        "feed's URL that Connect to feed shows)"
    )
    repo_marker = "_packaging"
    exists_answers = ((403, "already contains file"),)

    def advise(self, refused: Refused) -> Advice | None:
        said, feed = refused.said, refused.repo
        package = refused.package or "the package"
        if refused.status == 409 and "upstream source" in said:
            return Advice(
                "repository",
                f"{package}@{refused.version} exists in one of the upstream sources of feed "
                f"{feed}, and a feed does not publish over its upstreams",
                "Publish another version, or the package under a scope of your own; a Feed "
                "Owner can remove the upstream source from the feed (feed settings → Upstream "
                "sources).",
            )
        if refused.status == 404 and "feed with id" in said and "doesn't exist" in said:
            return Advice(
                "repository",
                f"no feed {feed} is at the guard's upstream URL (a project-scoped feed's URL "
                "names its project: …/<org>/<project>/_packaging/<feed>/npm/registry/)",
                "Set the guard's upstream to the URL that Artifacts → Connect to feed → npm "
                "shows for the feed.",
            )
        if refused.status == 403 and "lacks permission" in said and "'deletepackage'" in said:
            return Advice(
                "permission",
                f"deleting a package from feed {feed} needs the DeletePackage permission, which "
                "only the Feed Owner role has",
                f"Ask a Feed Owner of {feed} to delete it, or to unlist or deprecate it instead "
                "(Feed Publisher (Contributor) can do that).",
            )
        if refused.status == 403 and "lacks permission" in said:
            return Advice(
                "permission",
                f"the identity lacks the permission to add packages to feed {feed} (AddPackage, "
                "which the Feed Publisher (Contributor) role has)",
                f"Ask a Feed Owner of {feed} to give you, or the pipeline's build service, the "
                "Feed Publisher (Contributor) role (feed settings → Permissions).",
            )
        return None


class CodeArtifact(Flavor):
    """AWS CodeArtifact: one npm API per repository, ``…codeartifact…amazonaws.com/npm/<repo>/``."""

    key = "codeartifact"
    title = "AWS CodeArtifact"
    reuse_hint = (
        "aws codeartifact delete-package-versions --domain <domain> --repository <repository> "
        "--format npm --package <name> --versions <version> (with codeartifact:"
        "DeletePackageVersions) deletes it, after which it can be published again"
    )
    login_help = (
        "CodeArtifact tokens expire: get a new one with 'aws codeartifact "
        "get-authorization-token --domain <domain> --query authorizationToken --output text' "
        "and put it in .npmrc for the guard's URL (the CLI's own login would point npm at "
        "CodeArtifact itself, past the guard)"
    )
    repo_marker = "npm"
    exists_answers = ((409, ""),)  # its 409 to a publish says nothing more

    def advise(self, refused: Refused) -> Advice | None:
        if refused.status != 403:
            return None
        repo = refused.repo
        action = _ACTION.search(refused.said)
        if refused.command != "publish" and action is not None:
            permission = f"codeartifact:{_ACTIONS.get(action.group(1), action.group(1))}"
            return Advice(
                "permission",
                f"the IAM identity lacks {permission} on repository {repo}",
                f"Grant {permission} for {repo} in the identity's IAM policy or the "
                "repository's policy, then get a new token (aws codeartifact "
                "get-authorization-token).",
            )
        if refused.command != "publish":
            return None
        return Advice(
            "permission",
            f"the IAM identity may not publish to repository {repo}: it needs "
            "codeartifact:PublishPackageVersion on the package (and ReadFromRepository on the "
            "repository)",
            f"Grant codeartifact:PublishPackageVersion for {repo} in the identity's IAM policy or "
            "the repository's policy, then get a new token (aws codeartifact "
            "get-authorization-token).",
        )
