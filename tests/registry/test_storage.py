"""Storage: memory and directory behave alike; a directory survives a restart; writes are atomic."""

from __future__ import annotations

from pathlib import Path

import pytest

from publish_guard.registry import Registry, RegistryConfig
from publish_guard.registry.storage import DirectoryStorage, MemoryStorage, Storage, atomic_write


@pytest.fixture(params=["memory", "directory"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    return MemoryStorage() if request.param == "memory" else DirectoryStorage(tmp_path)


def test_round_trip(storage: Storage) -> None:
    assert storage.load_document("r", "@acme/widget") is None
    storage.save_document("r", "@acme/widget", {"name": "@acme/widget", "dist-tags": {}})
    storage.save_tarball("r", "@acme/widget", "widget-1.0.0.tgz", b"bytes")
    storage.save_document("r", "plain", {"name": "plain"})
    assert storage.load_document("r", "@acme/widget") == {"name": "@acme/widget", "dist-tags": {}}
    assert storage.load_tarball("r", "@acme/widget", "widget-1.0.0.tgz") == b"bytes"
    assert storage.package_names("r") == ["@acme/widget", "plain"]
    assert storage.package_names("other") == []
    storage.delete_tarball("r", "@acme/widget", "widget-1.0.0.tgz")
    assert storage.load_tarball("r", "@acme/widget", "widget-1.0.0.tgz") is None
    storage.delete_package("r", "@acme/widget")
    assert storage.load_document("r", "@acme/widget") is None
    assert storage.package_names("r") == ["plain"]


def test_loaded_documents_are_copies(storage: Storage) -> None:
    storage.save_document("r", "p", {"name": "p", "versions": {}})
    loaded = storage.load_document("r", "p")
    assert loaded is not None
    loaded["versions"]["1.0.0"] = {}
    assert storage.load_document("r", "p") == {"name": "p", "versions": {}}


def test_a_directory_registry_survives_a_restart(tmp_path: Path) -> None:
    first = Registry(RegistryConfig(flavor="nexus", data_dir=tmp_path))
    user = first.add_user("alice", "pw")
    first.seed("@acme/widget", "1.0.0")
    second = Registry(RegistryConfig(flavor="nexus", data_dir=tmp_path))
    assert second.document("@acme/widget") == first.document("@acme/widget")
    assert second.tarball("@acme/widget", "1.0.0") == first.tarball("@acme/widget", "1.0.0")
    assert second.accounts.check_password("alice", "pw") is not None
    from publish_guard.registry.secrets import parse_authorization

    identity = second.accounts.identify(parse_authorization(f"Bearer {user.token}"))
    assert identity.name == "alice"
    stored = (tmp_path / "accounts.json").read_text()
    assert user.token not in stored  # only digests
    assert "pw" not in stored.replace("password_hash", "")


def test_atomic_write_leaves_no_temporary_files(tmp_path: Path) -> None:
    target = tmp_path / "a" / "doc.json"
    atomic_write(target, b"one")
    atomic_write(target, b"two")
    assert target.read_bytes() == b"two"
    assert sorted(p.name for p in target.parent.iterdir()) == ["doc.json"]


def test_atomic_write_keeps_the_old_content_when_writing_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "doc.json"
    atomic_write(target, b"old")

    def disk_full(fd: int) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("publish_guard.registry.storage.os.fsync", disk_full)
    with pytest.raises(OSError, match="disk full"):
        atomic_write(target, b"new")  # fails before the rename
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["doc.json"]


def test_names_cannot_escape_the_directory(tmp_path: Path) -> None:
    storage = DirectoryStorage(tmp_path / "data")
    storage.save_tarball("..", "..", "../../evil.tgz", b"x")
    assert not (tmp_path / "evil.tgz").exists()
    assert all(tmp_path / "data" in p.parents for p in (tmp_path / "data").rglob("*"))
