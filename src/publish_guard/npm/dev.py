"""Dev versions, and the rewrite of a publish body to one (pure: dicts and bytes in and out).

Dev mode turns the publish of ``1.2.3`` into ``1.2.3-dev.N`` and of ``1.2.3-rc.1`` into
``1.2.3-rc.1.dev.N``, with N one more than the highest already used for that base. The rewrite
changes the version everywhere a publish body carries it, so the registry and npm's integrity
check see one consistent package:

- ``versions`` key, the manifest's ``version`` and ``_id`` (``name@version``);
- the tarball's ``package/package.json`` (nothing else in the archive changes);
- ``dist.integrity``, ``dist.shasum`` and ``dist.tarball``;
- the attachment's key (``<name>-<version>.tgz``), ``data`` and ``length``;
- ``dist-tags``: ``latest`` becomes the dev tag, so ``latest`` never points at a dev build.

A ``--provenance`` publish carries a sigstore bundle that signs the tarball's digest; it cannot
be rewritten, so ``rewrite_publish_body`` refuses it with ``ProvenanceError``.
"""

from __future__ import annotations

import base64
import copy
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import semver

from publish_guard.npm import integrity
from publish_guard.npm.documents import version_identity
from publish_guard.npm.publish_body import SIGSTORE_SUFFIX, PublishBody, parse_publish_body
from publish_guard.npm.tarball import Limits, rewrite_package_version

DEFAULT_TAG = "latest"
_DEV_SUFFIX = re.compile(r"(?:^|\.)dev\.(0|[1-9][0-9]*)$")


class ProvenanceError(ValueError):
    """The publish carries a provenance signature, which a rewrite would invalidate."""

    code = "provenance_in_dev_mode"


@dataclass(frozen=True, slots=True)
class RewriteFacts:
    name: str
    original_version: str
    new_version: str
    tag: str  # the dist-tag the new version is published under
    old_integrity: str
    new_integrity: str


def dev_base(version: str) -> str:
    """``1.2.3`` → ``1.2.3-dev``; ``1.2.3-rc.1`` → ``1.2.3-rc.1.dev``.

    A leading ``v``/``=`` and build metadata are dropped. A version that already is a dev
    version keeps its base (``1.2.3-dev.4`` → ``1.2.3-dev``), so a committed dev version is not
    nested. Raises ``ValueError`` for a version that is not semver.
    """
    parsed = _parse(version)
    prerelease = _DEV_SUFFIX.sub("", parsed.prerelease or "")
    release = f"{parsed.major}.{parsed.minor}.{parsed.patch}"
    return f"{release}-{prerelease}.dev" if prerelease else f"{release}-dev"


def dev_version(version: str, n: int) -> str:
    """``1.2.3-dev.N`` (or ``1.2.3-rc.1.dev.N``) for the publish of ``version``."""
    if n < 0:
        raise ValueError(f"a dev number is not negative: {n}")
    return f"{dev_base(version)}.{n}"


def is_dev_version(version: str) -> bool:
    """True for ``1.2.3-dev.N`` and ``1.2.3-<pre>.dev.N`` (build metadata ignored)."""
    try:
        prerelease = _parse(version).prerelease
    except ValueError:
        return False
    return bool(prerelease and _DEV_SUFFIX.search(prerelease))


def next_dev_number(version: str, taken: Iterable[str]) -> int:
    """One more than the highest N of ``<dev base>.N`` among ``taken``; 0 when there is none.

    ``taken`` holds every version that may not be used: existing ones and reserved or
    unpublished ones. They are compared by npm identity (no ``v``, no build metadata).
    """
    prefix = dev_base(version) + "."
    numbers = [
        int(rest)
        for taken_version in taken
        for identity in [version_identity(taken_version)]
        if identity.startswith(prefix)
        for rest in [identity[len(prefix) :]]
        if re.fullmatch(r"0|[1-9][0-9]*", rest)
    ]
    return max(numbers) + 1 if numbers else 0


def rewrite_publish_body(
    doc: Mapping[str, Any],
    new_version: str,
    *,
    registry_tarball_base: str | None,
    dev_tag: str = "dev",
    limits: Limits | None = None,
) -> tuple[dict[str, Any], RewriteFacts]:
    """A new publish body for ``new_version``, consistent everywhere; ``doc`` is not changed.

    ``dist.tarball`` keeps the input's URL with the version in its file name replaced, unless
    ``registry_tarball_base`` is given: then it is rebuilt the way npm builds it,
    ``<base>/<name>/-/<attachment file name>``. Raises ``PublishBodyError`` for a body that is
    not a valid publish, ``ProvenanceError`` for a signed one, ``TarballError`` for a broken
    tarball (or one over ``limits``) and ``ValueError`` for an invalid ``new_version``.
    """
    return rewrite_parsed(
        parse_publish_body(doc),
        new_version,
        registry_tarball_base=registry_tarball_base,
        dev_tag=dev_tag,
        limits=limits,
    )


def rewrite_parsed(
    body: PublishBody,
    new_version: str,
    *,
    registry_tarball_base: str | None = None,
    dev_tag: str = "dev",
    limits: Limits | None = None,
) -> tuple[dict[str, Any], RewriteFacts]:
    """``rewrite_publish_body`` for a body already parsed."""
    doc = body.document()
    _refuse_provenance(body)
    if not semver.Version.is_valid(new_version):
        raise ValueError(f"not a valid version: {new_version!r}")
    tarball = rewrite_package_version(body.tarball.data, new_version, limits=limits)
    digests = integrity.digests(tarball)
    old_file = body.tarball.filename
    new_file = old_file[: -len(f"{body.version}.tgz")] + f"{new_version}.tgz"

    result = copy.deepcopy(dict(doc))
    manifest = result["versions"][body.version]
    manifest["version"] = new_version
    manifest["_id"] = f"{body.name.full}@{new_version}"
    dist = manifest.get("dist")
    if isinstance(dist, dict):
        dist["integrity"] = digests.integrity
        dist["shasum"] = digests.shasum
        tarball_url = _tarball_url(
            dist.get("tarball"), registry_tarball_base, body, new_version, new_file
        )
        if tarball_url is not None:
            dist["tarball"] = tarball_url
    result["versions"] = {new_version: manifest}

    attachment = result["_attachments"][old_file]
    attachment["data"] = base64.b64encode(tarball).decode("ascii")
    attachment["length"] = len(tarball)
    result["_attachments"] = {
        (new_file if key == old_file else key): value
        for key, value in result["_attachments"].items()
    }

    tags: dict[str, str] = {}
    for tag in body.dist_tags:
        tags[dev_tag if tag == DEFAULT_TAG else tag] = new_version
    result["dist-tags"] = tags

    facts = RewriteFacts(
        name=body.name.full,
        original_version=body.version,
        new_version=new_version,
        tag=next(iter(tags)),
        old_integrity=body.integrity,
        new_integrity=digests.integrity,
    )
    return result, facts


def _refuse_provenance(body: PublishBody) -> None:
    signed = [a.filename for a in body.extra_attachments if a.filename.endswith(SIGSTORE_SUFFIX)]
    if signed:
        raise ProvenanceError(
            f"cannot publish {body.name.full}@{body.version} in dev mode: it carries a "
            f"--provenance signature ({signed[0]}) that covers the tarball's sha512 digest, and "
            "dev mode must change the tarball (the version in package.json), which would break "
            "the signature. Publish without --provenance, or publish outside dev mode."
        )


def _tarball_url(
    current: object, base: str | None, body: PublishBody, new_version: str, new_file: str
) -> str | None:
    if base is not None:
        return f"{base.rstrip('/')}/{body.name.full}/-/{new_file}"
    if not isinstance(current, str):
        return None
    parts = urlsplit(current)
    head, _, last = parts.path.rpartition("/")
    for old in (body.version, quote(body.version, safe="")):
        if last.endswith(f"-{old}.tgz"):
            last = last[: -len(f"{old}.tgz")] + f"{new_version}.tgz"
            break
    else:  # an unexpected file name: use the one npm would have written
        last = f"{body.name.name}-{new_version}.tgz"
    return urlunsplit(parts._replace(path=f"{head}/{last}"))


def _parse(version: str) -> semver.Version:
    try:
        return semver.Version.parse(version_identity(version))
    except ValueError:
        raise ValueError(f"not a valid version: {version!r}") from None
