"""What the scenarios send and serve: package documents, a dependency tree, big tarballs."""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import os
import random
import tarfile
from pathlib import Path
from typing import Any

import orjson

from publish_guard.registry.tarballs import build_publish_body, make_tarball

DOC_NAME = "bench-doc"  # scenario 1, 2, 7: a ~20 KB document
MANY_NAME = "bench-many"  # scenario 5: 5,000 versions
DOWNLOAD_NAME = "bench-dl"  # scenario 6: a 200 MB tarball


def _version_entry(name: str, version: str, base: str, rng: random.Random) -> dict[str, Any]:
    sha = hashlib.sha512(f"{name}@{version}".encode()).digest()
    return {
        "name": name,
        "version": version,
        "description": "A package document of the benchmark, shaped like the registry's",
        "main": "index.js",
        "license": "MIT",
        "dependencies": {f"dep-{rng.randrange(100)}": f"^{rng.randrange(1, 9)}.0.0"},
        "_id": f"{name}@{version}",
        "_nodeVersion": "20.20.2",
        "_npmVersion": "11.19.1",
        "dist": {
            "integrity": "sha512-" + base64.b64encode(sha).decode(),
            "shasum": hashlib.sha1(sha, usedforsecurity=False).hexdigest(),
            "tarball": f"{base}{name}/-/{name}-{version}.tgz",
        },
    }


def package_document(name: str, versions: int, base: str) -> bytes:
    """A full package document (with ``time``) whose tarball URLs start with ``base``."""
    rng = random.Random(versions)
    names = [f"{1 + i // 500}.{(i // 25) % 20}.{i % 25}" for i in range(versions)]
    doc = {
        "_id": name,
        "name": name,
        "dist-tags": {"latest": names[-1]},
        "versions": {v: _version_entry(name, v, base, rng) for v in names},
        "time": {
            "created": "2020-01-01T00:00:00.000Z",
            "modified": "2026-01-01T00:00:00.000Z",
            **{v: f"2024-01-01T00:00:{i % 60:02d}.000Z" for i, v in enumerate(names)},
        },
        "readme": "# bench\n",
    }
    return orjson.dumps(doc)


def document_of_about(name: str, size: int, base: str) -> bytes:
    """A document of about ``size`` bytes (more versions until it is)."""
    versions = 1
    while len(body := package_document(name, versions, base)) < size:
        versions += 1
    return body


def tree(count: int, fanout: int = 4) -> dict[str, dict[str, str]]:
    """``count`` packages ``bench-tree-NNN`` as a ``fanout``-ary tree, each also depending on
    one shared leaf: name -> dependencies. The root project depends on ``bench-tree-000``."""
    names = [f"bench-tree-{i:03d}" for i in range(count)]
    deps: dict[str, dict[str, str]] = {}
    for i, name in enumerate(names):
        children = [names[c] for c in range(fanout * i + 1, min(fanout * i + fanout + 1, count))]
        shared = names[count - 1 - (i % 16)]
        mine = {child: "^1.0.0" for child in children}
        if shared != name and shared not in mine and i < count - 16:
            mine[shared] = "^1.0.0"
        deps[name] = mine
    return deps


def tree_publish_body(name: str, dependencies: dict[str, str], registry: str) -> bytes:
    manifest = {"name": name, "version": "1.0.0", "dependencies": dependencies}
    files = {"index.js": f"module.exports = {name!r};\n", "README.md": "# " + name + "\n" * 200}
    return orjson.dumps(
        build_publish_body(manifest, make_tarball(manifest, files), registry_url=registry)
    )


def big_tarball(name: str, version: str, size: int, blob: bytes) -> bytes:
    """A valid ``.tgz`` of about ``size`` bytes: incompressible content (``blob[:size]``)."""
    manifest = orjson.dumps({"name": name, "version": version}, option=orjson.OPT_INDENT_2)
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as archive:
        for path, data in (("package.json", manifest), ("blob.bin", blob[:size])):
            info = tarfile.TarInfo(f"package/{path}")
            info.size = len(data)
            info.mode = 0o644
            archive.addfile(info, io.BytesIO(data))
    return gzip.compress(raw.getvalue(), compresslevel=1, mtime=0)


def big_publish_body(name: str, version: str, size: int, blob: bytes, registry: str) -> bytes:
    tarball = big_tarball(name, version, size, blob)
    manifest = {"name": name, "version": version}
    return orjson.dumps(build_publish_body(manifest, tarball, registry_url=registry))


def random_blob(size: int) -> bytes:
    return os.urandom(size)


def write_static_root(root: Path, static_url: str, download_size: int) -> dict[str, Any]:
    """The static upstream's files; returns facts about them for the report."""
    doc = document_of_about(DOC_NAME, 20_000, static_url)
    (root / DOC_NAME).write_bytes(doc)
    many = package_document(MANY_NAME, 5000, static_url)
    (root / MANY_NAME).write_bytes(many)
    tgz_dir = root / DOWNLOAD_NAME / "-"
    tgz_dir.mkdir(parents=True)
    with (tgz_dir / f"{DOWNLOAD_NAME}-1.0.0.tgz").open("wb") as out:
        left = download_size
        while left > 0:
            out.write(os.urandom(min(left, 8 << 20)))
            left -= 8 << 20
    return {
        "document_bytes": len(doc),
        "document_versions": len(orjson.loads(doc)["versions"]),
        "many_versions_bytes": len(many),
        "download_bytes": download_size,
    }
