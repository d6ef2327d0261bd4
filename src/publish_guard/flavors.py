"""What makes Artifactory, Nexus, Verdaccio and npmjs differ, as far as the guard cares."""

from __future__ import annotations

from collections.abc import Mapping
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
GENERIC = Flavor(
    "generic",
    "the registry",
    False,
    "the registry's admin may be able to delete it, after which it can be published again",
)
FLAVORS = {flavor.key: flavor for flavor in (ARTIFACTORY, NEXUS, VERDACCIO, NPMJS, GENERIC)}


def flavor_from_url(url: URL) -> Flavor | None:
    """What the URL layout alone says, if anything."""
    path = url.path
    if "/api/npm/" in path or path.startswith("/artifactory/"):
        return ARTIFACTORY
    if path.startswith("/repository/"):
        return NEXUS
    if url.host in ("registry.npmjs.org", "registry.npmjs.com"):
        return NPMJS
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
    return None
