"""What a document update may change (pure): metadata, never what an install gets.

``npm deprecate``, ``npm owner``, ``npm star`` and ``npm unpublish pkg@v`` send the package
document back with one thing changed. None of them adds a version or changes what a published
version installs, so a body that does — a version the registry does not have, another tarball or
integrity, other dependencies or scripts — is refused: through such a write a registry that
stores documents as sent would serve another package under a published name and version.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# what decides an install: compared for every version the update names
INSTALL_FIELDS = (
    "name",
    "version",
    "dependencies",
    "optionalDependencies",
    "peerDependencies",
    "peerDependenciesMeta",
    "bundleDependencies",
    "bundledDependencies",
    "scripts",
    "bin",
    "directories",
    "os",
    "cpu",
    "libc",
    "engines",
    "gypfile",
    "hasInstallScript",
)
_DIST_FIELDS = ("integrity", "shasum")
_SHOWN = 3  # problems named in the answer


def is_publish_attempt(doc: Mapping[str, Any]) -> bool:
    """A body that means to publish, even a broken one: it carries attachment data, or it names
    versions without the ``_rev`` that every other document write (deprecate, star, owner) has.

    Deprecate sends the whole document with ``_attachments`` as the registry returned it (no
    ``data``), star and owner send ``{_id, _rev, ...}``: none of them passes.
    """
    attachments = doc.get("_attachments")
    if isinstance(attachments, Mapping) and any(
        isinstance(entry, Mapping) and "data" in entry for entry in attachments.values()
    ):
        return True
    return "_rev" not in doc and ("versions" in doc or "_attachments" in doc)


def names_versions(doc: Mapping[str, Any]) -> bool:
    """The update touches versions (so it must be compared with the registry's document)."""
    return "versions" in doc


def update_problems(
    sent: Mapping[str, Any],
    current: Mapping[str, Any] | None,
    tarball_bases: tuple[tuple[str, str], ...] = (),
) -> list[str]:
    """What ``sent`` (an update's body) changes beyond metadata, compared with ``current`` (the
    registry's document, ``None`` when the package does not exist). Empty: a metadata update.
    ``tarball_bases``: (registry base, base the client saw) pairs a tarball URL may differ by
    (``--public-url``). Version keys compare exactly: a registry stores the key it is sent
    (``v1.0.0`` and ``1.0.0+b`` would be new versions beside ``1.0.0``)."""
    problems: list[str] = []
    attachments = sent.get("_attachments")
    if attachments not in (None, {}):
        problems.append("carries attachments (a registry would run its publish steps on them)")
    versions = sent.get("versions")
    if versions is None:
        return problems
    if not isinstance(versions, Mapping):
        return [*problems, "has a 'versions' that is not an object"]
    have: dict[str, Mapping[str, Any]] = {}
    if current is not None and isinstance(current.get("versions"), Mapping):
        for key, manifest in current["versions"].items():
            if isinstance(manifest, Mapping):
                have[str(key)] = manifest
    for key, manifest in versions.items():
        existing = have.get(str(key))
        if existing is None:
            problems.append(f"adds version {key}")
        elif not isinstance(manifest, Mapping):
            problems.append(f"replaces version {key} with something that is not a manifest")
        else:
            changed = _changes(manifest, existing, tarball_bases)
            problems += [f"changes {what} of {key}" for what in changed]
    if len(problems) > _SHOWN:
        problems = [*problems[:_SHOWN], f"{len(problems) - _SHOWN} more"]
    return problems


def _changes(
    sent: Mapping[str, Any],
    existing: Mapping[str, Any],
    tarball_bases: tuple[tuple[str, str], ...],
) -> list[str]:
    changed = [f for f in INSTALL_FIELDS if sent.get(f) != existing.get(f)]
    sent_dist = _mapping(sent.get("dist"))
    have_dist = _mapping(existing.get("dist"))
    changed += [f"dist.{f}" for f in _DIST_FIELDS if sent_dist.get(f) != have_dist.get(f)]
    if not _same_url(sent_dist.get("tarball"), have_dist.get("tarball"), tarball_bases):
        changed.append("dist.tarball")
    return changed


def _same_url(sent: object, current: object, bases: tuple[tuple[str, str], ...]) -> bool:
    """The tarball URL the client was shown: the registry's, or with the registry's base
    replaced by the one the client saw it under (``--public-url``)."""
    if sent == current:
        return True
    if not isinstance(sent, str) or not isinstance(current, str):
        return False
    return any(
        current.startswith(base) and sent == shown + current[len(base) :] for base, shown in bases
    )


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}
