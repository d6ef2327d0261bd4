"""The emulator writes package documents as the registries do (and the guard reads them back)."""

from datetime import UTC, datetime, timedelta

import pytest

from publish_guard.npm import documents as d
from publish_guard.npm.documents import VersionState
from publish_guard.registry import documents as w

T0 = datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)


def manifest(version: str, **extra: object) -> dict[str, object]:
    return {
        "name": "@acme/widget",
        "version": version,
        "dist": {"integrity": "sha512-x", "shasum": "00", "tarball": "t"},
        "readme": "long text",
        **extra,
    }


def published(*versions: str) -> d.PackageDocument:
    doc = None
    for i, version in enumerate(versions):
        doc = w.add_version(doc, manifest(version), {"latest": version}, T0 + timedelta(hours=i))
    assert doc is not None
    return doc


def test_add_version_builds_a_full_document() -> None:
    doc = published("1.0.0", "1.1.0")
    assert doc["_id"] == "@acme/widget"
    assert doc["dist-tags"] == {"latest": "1.1.0"}
    assert list(doc["versions"]) == ["1.0.0", "1.1.0"]
    assert doc["time"] == {
        "created": "2024-05-01T12:00:00.123Z",
        "modified": "2024-05-01T13:00:00.123Z",
        "1.0.0": "2024-05-01T12:00:00.123Z",
        "1.1.0": "2024-05-01T13:00:00.123Z",
    }


def test_add_version_never_mutates_its_input() -> None:
    doc = published("1.0.0")
    w.add_version(doc, manifest("2.0.0"), {"next": "2.0.0"}, T0)
    assert list(doc["versions"]) == ["1.0.0"]


def test_version_states() -> None:
    doc = w.set_deprecations(published("1.0.0", "1.1.0", "2.0.0"), {"1.1.0": "use 2"}, T0)
    doc = w.remove_versions(doc, ["2.0.0"], T0)
    assert d.version_state(doc, "1.0.0") is VersionState.EXISTS
    assert d.version_state(doc, "v1.0.0") is VersionState.EXISTS
    assert d.version_state(doc, "1.0.0+build.7") is VersionState.EXISTS
    assert d.version_state(doc, "1.1.0") is VersionState.DEPRECATED
    assert d.version_state(doc, "2.0.0") is VersionState.UNPUBLISHED
    assert d.version_state(doc, "3.0.0") is VersionState.FREE
    assert d.version_state(None, "1.0.0") is VersionState.FREE
    assert d.deprecated_versions(doc) == {"1.1.0": "use 2"}
    assert d.unpublished_versions(doc) == ["2.0.0"]


def test_clearing_a_deprecation() -> None:
    doc = w.set_deprecations(published("1.0.0"), {"1.0.0": "old"}, T0)
    assert d.deprecated_versions(w.set_deprecations(doc, {"1.0.0": ""}, T0)) == {}


def test_removing_the_latest_version_moves_latest_to_the_highest_release() -> None:
    doc = w.add_version(
        published("1.0.0", "1.2.0"), manifest("2.0.0-rc.1"), {"next": "2.0.0-rc.1"}, T0
    )
    doc = w.remove_versions(doc, ["1.2.0"], T0)
    assert doc["dist-tags"] == {"latest": "1.0.0", "next": "2.0.0-rc.1"}
    assert "1.2.0" in doc["time"]  # the memory of a published version stays


def test_tombstone_keeps_time_and_lists_the_versions() -> None:
    doc = published("1.0.0", "1.1.0")
    doc["_rev"] = "3-abc"
    stone = w.tombstone(doc, T0 + timedelta(days=1))
    assert "versions" not in stone
    assert d.is_tombstone(stone)
    assert stone["time"]["unpublished"] == {
        "time": "2024-05-02T12:00:00.123Z",
        "versions": ["1.0.0", "1.1.0"],
    }
    assert d.unpublished_at(stone) == "2024-05-02T12:00:00.123Z"
    assert d.version_state(stone, "1.0.0") is VersionState.UNPUBLISHED
    assert d.unpublished_versions(stone) == ["1.0.0", "1.1.0"]


def test_publishing_over_a_tombstone_remembers_old_versions() -> None:
    stone = w.tombstone(published("1.0.0"), T0)
    doc = w.add_version(stone, manifest("2.0.0"), {"latest": "2.0.0"}, T0 + timedelta(days=2))
    assert list(doc["versions"]) == ["2.0.0"]
    assert d.version_state(doc, "1.0.0") is VersionState.UNPUBLISHED
    assert "unpublished" not in doc["time"]


def test_abbreviated_document() -> None:
    doc = w.set_deprecations(published("1.0.0"), {"1.0.0": "old"}, T0)
    short = w.abbreviate(doc)
    assert set(short) == {"name", "modified", "dist-tags", "versions"}
    assert short["versions"]["1.0.0"] == {
        "name": "@acme/widget",
        "version": "1.0.0",
        "deprecated": "old",
        "dist": {"integrity": "sha512-x", "shasum": "00", "tarball": "t"},
    }


def test_tarball_urls_are_rewritten() -> None:
    doc = w.with_tarball_urls(
        published("1.0.0"), lambda n, v: f"http://h/{n}/-/{w.tarball_filename(n, v)}"
    )
    assert doc["versions"]["1.0.0"]["dist"]["tarball"] == "http://h/@acme/widget/-/widget-1.0.0.tgz"


@pytest.mark.parametrize(
    ("accept", "wanted"),
    [
        ("application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*", True),
        ("application/vnd.npm.install-v1+json", True),
        ("application/vnd.npm.install-v1+json;q=0", False),
        ("application/json", False),
        (None, False),
    ],
)
def test_wants_abbreviated(accept: str | None, wanted: bool) -> None:
    assert w.wants_abbreviated(accept) is wanted


def test_next_rev_counts_generations() -> None:
    assert w.next_rev(None).startswith("1-")
    assert w.next_rev("7-abc").startswith("8-")
    assert len(w.next_rev("1-x").split("-")[1]) == 32


def test_highest_version_prefers_releases() -> None:
    assert w.highest_version(["1.0.0", "2.0.0-beta.1", "1.5.0"]) == "1.5.0"
    assert w.highest_version(["2.0.0-beta.1", "2.0.0-alpha"]) == "2.0.0-beta.1"
    assert w.highest_version(["nope"]) is None
