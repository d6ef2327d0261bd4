"""Flavors of the cloud services' package feeds: Azure Artifacts.

What each says and what to do about it, with sources, is in docs/registries.md.
"""

from __future__ import annotations

from publish_guard.flavor_base import Advice, Flavor, Refused


class Azure(Flavor):
    """Azure Artifacts: one npm API per feed, ``…/_packaging/<feed>/npm/registry/``."""

    key = "azure"
    title = "Azure Artifacts"
    # A published version number is reserved for good, deleted or not (Microsoft's docs,
    # "Delete and recover packages").
    reserves_unpublished = True
    reuse_hint = ""
    login_help = (
        "Azure Artifacts takes a personal access token with the Packaging (Read & write) scope, "
        "base64-encoded as _password with any username (Artifacts → Connect to feed → npm)"
    )
    repo_marker = "_packaging"

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
        if refused.status == 403 and "lacks permission" in said:
            return Advice(
                "permission",
                f"the identity lacks the permission to add packages to feed {feed} (AddPackage, "
                "which the Feed Publisher (Contributor) role has)",
                f"Ask a Feed Owner of {feed} to give you, or the pipeline's build service, the "
                "Feed Publisher (Contributor) role (feed settings → Permissions).",
            )
        return None
