"""The emulated products, by flavor name: ``get_flavor("nexus")`` → a ``RegistryBehaviour``."""

from __future__ import annotations

from publish_guard.registry.flavors.artifactory import Artifactory
from publish_guard.registry.flavors.azure import Azure
from publish_guard.registry.flavors.base import Done, RegistryAnswer, RegistryBehaviour
from publish_guard.registry.flavors.codeartifact import CodeArtifact
from publish_guard.registry.flavors.gitea import Gitea
from publish_guard.registry.flavors.github import GitHub
from publish_guard.registry.flavors.gitlab import GitLab
from publish_guard.registry.flavors.nexus import Nexus
from publish_guard.registry.flavors.npmjs import Npmjs
from publish_guard.registry.flavors.verdaccio import Verdaccio

BEHAVIOURS: dict[str, type[RegistryBehaviour]] = {
    "artifactory": Artifactory,
    "nexus": Nexus,
    "verdaccio": Verdaccio,
    "npmjs": Npmjs,
    "github": GitHub,
    "gitlab": GitLab,
    "gitea": Gitea,
    "azure": Azure,
    "codeartifact": CodeArtifact,
}


def get_flavor(name: str) -> RegistryBehaviour:
    try:
        return BEHAVIOURS[name.lower()]()
    except KeyError:
        known = ", ".join(BEHAVIOURS)
        raise ValueError(f"unknown flavor {name!r} (known: {known})") from None


__all__ = ["BEHAVIOURS", "Done", "RegistryAnswer", "RegistryBehaviour", "get_flavor"]
