"""The emulated products, by flavor name: ``get_flavor("nexus")`` → a ``RegistryBehaviour``."""

from __future__ import annotations

from publish_guard.registry.flavors.artifactory import ArtifactoryBehaviour
from publish_guard.registry.flavors.azure import AzureBehaviour
from publish_guard.registry.flavors.base import Done, RegistryAnswer, RegistryBehaviour
from publish_guard.registry.flavors.codeartifact import CodeArtifactBehaviour
from publish_guard.registry.flavors.gitea import GiteaBehaviour
from publish_guard.registry.flavors.github import GitHubBehaviour
from publish_guard.registry.flavors.gitlab import GitLabBehaviour
from publish_guard.registry.flavors.nexus import NexusBehaviour
from publish_guard.registry.flavors.npmjs import NpmjsBehaviour
from publish_guard.registry.flavors.verdaccio import VerdaccioBehaviour

BEHAVIOURS: dict[str, type[RegistryBehaviour]] = {
    "artifactory": ArtifactoryBehaviour,
    "nexus": NexusBehaviour,
    "verdaccio": VerdaccioBehaviour,
    "npmjs": NpmjsBehaviour,
    "github": GitHubBehaviour,
    "gitlab": GitLabBehaviour,
    "gitea": GiteaBehaviour,
    "azure": AzureBehaviour,
    "codeartifact": CodeArtifactBehaviour,
}


def get_flavor(name: str) -> RegistryBehaviour:
    try:
        return BEHAVIOURS[name.lower()]()
    except KeyError:
        known = ", ".join(BEHAVIOURS)
        raise ValueError(f"unknown flavor {name!r} (known: {known})") from None


__all__ = ["BEHAVIOURS", "Done", "RegistryAnswer", "RegistryBehaviour", "get_flavor"]
