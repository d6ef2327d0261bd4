"""Where the emulator keeps packages and accounts: in memory, or in a directory.

The directory layout (``--data DIR``)::

    DIR/accounts.json                              users (password digests) and token digests
    DIR/repos/<repo>/<name>/package.json           the stored document (no tarball URLs)
    DIR/repos/<repo>/<name>/tarballs/<file>.tgz

``<name>`` is the package name with ``/`` escaped (``@acme%2Fwidget``). Every write goes to a
temporary file in the same folder, is fsynced, then renamed over the old file, so a crash leaves
either the old or the new content, never half of one. Tarballs are written before the document
that lists them.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote, unquote

from publish_guard.npm.documents import PackageDocument
from publish_guard.registry import jsonio


class Storage(Protocol):
    def load_document(self, repo: str, name: str) -> PackageDocument | None: ...
    def save_document(self, repo: str, name: str, doc: PackageDocument) -> None: ...
    def delete_package(self, repo: str, name: str) -> None: ...
    def load_tarball(self, repo: str, name: str, filename: str) -> bytes | None: ...
    def save_tarball(self, repo: str, name: str, filename: str, data: bytes) -> None: ...
    def delete_tarball(self, repo: str, name: str, filename: str) -> None: ...
    def package_names(self, repo: str) -> list[str]: ...
    def load_accounts(self) -> dict[str, Any] | None: ...
    def save_accounts(self, data: dict[str, Any]) -> None: ...


class MemoryStorage:
    def __init__(self) -> None:
        self._docs: dict[tuple[str, str], bytes] = {}
        self._tarballs: dict[tuple[str, str, str], bytes] = {}
        self._accounts: dict[str, Any] | None = None

    def load_document(self, repo: str, name: str) -> PackageDocument | None:
        raw = self._docs.get((repo, name))
        # Stored as bytes so callers can never mutate the stored copy.
        return None if raw is None else _loads_document(raw)

    def save_document(self, repo: str, name: str, doc: PackageDocument) -> None:
        self._docs[(repo, name)] = jsonio.dumps(doc)

    def delete_package(self, repo: str, name: str) -> None:
        self._docs.pop((repo, name), None)
        for key in [k for k in self._tarballs if k[:2] == (repo, name)]:
            del self._tarballs[key]

    def load_tarball(self, repo: str, name: str, filename: str) -> bytes | None:
        return self._tarballs.get((repo, name, filename))

    def save_tarball(self, repo: str, name: str, filename: str, data: bytes) -> None:
        self._tarballs[(repo, name, filename)] = bytes(data)

    def delete_tarball(self, repo: str, name: str, filename: str) -> None:
        self._tarballs.pop((repo, name, filename), None)

    def package_names(self, repo: str) -> list[str]:
        return sorted(name for r, name in self._docs if r == repo)

    def load_accounts(self) -> dict[str, Any] | None:
        return None if self._accounts is None else jsonio.loads(jsonio.dumps(self._accounts))

    def save_accounts(self, data: dict[str, Any]) -> None:
        self._accounts = jsonio.loads(jsonio.dumps(data))


class DirectoryStorage:
    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "repos").mkdir(parents=True, exist_ok=True)

    def _package_dir(self, repo: str, name: str) -> Path:
        return self.root / "repos" / _safe(repo) / _safe(name)

    def load_document(self, repo: str, name: str) -> PackageDocument | None:
        path = self._package_dir(repo, name) / "package.json"
        try:
            return _loads_document(path.read_bytes())
        except FileNotFoundError:
            return None

    def save_document(self, repo: str, name: str, doc: PackageDocument) -> None:
        atomic_write(self._package_dir(repo, name) / "package.json", jsonio.dumps(doc))

    def delete_package(self, repo: str, name: str) -> None:
        folder = self._package_dir(repo, name)
        # The document goes first: without it the package does not exist, whatever remains.
        with contextlib.suppress(FileNotFoundError):
            (folder / "package.json").unlink()
        tarballs = folder / "tarballs"
        if tarballs.is_dir():
            for item in tarballs.iterdir():
                item.unlink()
            tarballs.rmdir()
        with contextlib.suppress(OSError):
            folder.rmdir()

    def load_tarball(self, repo: str, name: str, filename: str) -> bytes | None:
        try:
            return (self._package_dir(repo, name) / "tarballs" / _safe(filename)).read_bytes()
        except FileNotFoundError:
            return None

    def save_tarball(self, repo: str, name: str, filename: str, data: bytes) -> None:
        atomic_write(self._package_dir(repo, name) / "tarballs" / _safe(filename), data)

    def delete_tarball(self, repo: str, name: str, filename: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            (self._package_dir(repo, name) / "tarballs" / _safe(filename)).unlink()

    def package_names(self, repo: str) -> list[str]:
        folder = self.root / "repos" / _safe(repo)
        if not folder.is_dir():
            return []
        return sorted(
            unquote(item.name) for item in folder.iterdir() if (item / "package.json").is_file()
        )

    def load_accounts(self) -> dict[str, Any] | None:
        try:
            data = jsonio.loads((self.root / "accounts.json").read_bytes())
        except FileNotFoundError:
            return None
        return data if isinstance(data, dict) else None

    def save_accounts(self, data: dict[str, Any]) -> None:
        atomic_write(self.root / "accounts.json", jsonio.dumps(data, indent=True))


def atomic_write(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data``: temp file in the same folder, fsync, rename, fsync folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).replace(path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            Path(tmp).unlink()
        raise
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def _safe(part: str) -> str:
    """One path component: ``/`` and anything odd percent-encoded, no ``.``/``..``."""
    encoded = quote(part, safe="@-_~")
    return encoded.replace(".", "%2E") if encoded in (".", "..") else encoded


def _loads_document(raw: bytes) -> PackageDocument:
    doc = jsonio.loads(raw)
    if not isinstance(doc, dict):
        raise ValueError("a stored package document is not an object")
    return doc  # type: ignore[return-value]
