"""What makes Artifactory, Nexus, Verdaccio and npmjs differ, as far as the guard cares."""

from __future__ import annotations

from dataclasses import dataclass

from yarl import URL


@dataclass(frozen=True, slots=True)
class Flavor:
    key: str
    title: str
    reserves_unpublished: bool  # a version number can never be reused, even after unpublish
    reuse_hint: str  # how a deleted version can be published again, where it can


ARTIFACTORY = Flavor(
    "artifactory",
    "Artifactory",
    False,
    "a user with delete permission can delete it in Artifactory, then it can be published again",
)
NEXUS = Flavor(
    "nexus",
    "Nexus",
    False,
    "a user with delete privileges can delete the component in Nexus, then it can be published "
    "again",
)
VERDACCIO = Flavor(
    "verdaccio",
    "Verdaccio",
    False,
    "'npm unpublish <pkg>@<version>' by a user allowed to unpublish frees it for a new publish",
)
NPMJS = Flavor("npmjs", "the npm registry", True, "")
FLAVORS = {flavor.key: flavor for flavor in (ARTIFACTORY, NEXUS, VERDACCIO, NPMJS)}


def flavor_from_url(url: URL) -> Flavor:
    """A first guess from the URL layout alone."""
    path = url.path
    if "/api/npm/" in path or path.startswith("/artifactory/"):
        return ARTIFACTORY
    if path.startswith("/repository/"):
        return NEXUS
    if url.host in ("registry.npmjs.org", "registry.npmjs.com"):
        return NPMJS
    return VERDACCIO
