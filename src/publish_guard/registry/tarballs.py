"""Build package tarballs and publish bodies in memory (for seeding and for tests).

``make_tarball`` packs like ``npm pack``: every file under ``package/``, fixed modification times,
so the same input gives the same bytes and integrity.
"""

from __future__ import annotations

import base64
import gzip
import io
import tarfile
from collections.abc import Mapping
from typing import Any

import orjson

from publish_guard.npm import integrity

# npm packs every entry with this mtime (1985-10-26T08:15:00Z).
NPM_PACK_MTIME = 499162500


def make_tarball(
    manifest: Mapping[str, Any], files: Mapping[str, str | bytes] | None = None
) -> bytes:
    entries: dict[str, bytes] = {
        "package.json": orjson.dumps(dict(manifest), option=orjson.OPT_INDENT_2)
    }
    for path, content in (files or {"index.js": "module.exports = {};\n"}).items():
        entries[path] = content.encode() if isinstance(content, str) else content
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as archive:
        for path, data in sorted(entries.items()):
            info = tarfile.TarInfo(f"package/{path}")
            info.size = len(data)
            info.mtime = NPM_PACK_MTIME
            info.mode = 0o644
            archive.addfile(info, io.BytesIO(data))
    return gzip.compress(raw.getvalue(), mtime=0)


def make_publish_body(
    name: str,
    version: str,
    *,
    tag: str = "latest",
    manifest: Mapping[str, Any] | None = None,
    files: Mapping[str, str | bytes] | None = None,
    registry_url: str = "http://localhost/",
    access: str | None = None,
) -> dict[str, Any]:
    """A publish body like npm 11 sends for ``name@version`` (tarball built here)."""
    full_manifest = {"name": name, "version": version, **(manifest or {})}
    return build_publish_body(
        full_manifest,
        make_tarball(full_manifest, files),
        tag=tag,
        registry_url=registry_url,
        access=access,
    )


def build_publish_body(
    manifest: Mapping[str, Any],
    tarball: bytes,
    *,
    tag: str = "latest",
    registry_url: str = "http://localhost/",
    access: str | None = None,
    npm_version: str = "11.19.1",
    node_version: str = "20.20.2",
) -> dict[str, Any]:
    """The body npm 11's libnpmpublish would send for ``manifest`` and ``tarball``."""
    name = str(manifest["name"])
    version = str(manifest["version"])
    filename = f"{name}-{version}.tgz"
    digests = integrity.digests(tarball)
    base = registry_url if registry_url.endswith("/") else registry_url + "/"
    tarball_url = f"{base}{name}/-/{filename}".replace("https://", "http://", 1)
    version_doc = {
        **manifest,
        "_id": f"{name}@{version}",
        "_nodeVersion": node_version,
        "_npmVersion": npm_version,
        "dist": {"integrity": digests.integrity, "shasum": digests.shasum, "tarball": tarball_url},
    }
    body: dict[str, Any] = {"_id": name, "name": name}
    if "description" in manifest:
        body["description"] = manifest["description"]
    return {
        **body,
        "dist-tags": {tag: version},
        "versions": {version: version_doc},
        "access": access,
        "_attachments": {
            filename: {
                "content_type": "application/octet-stream",
                "data": base64.b64encode(tarball).decode("ascii"),
                "length": len(tarball),
            }
        },
    }
