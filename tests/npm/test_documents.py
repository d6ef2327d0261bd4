"""Reading package documents: what they say about a version."""

from datetime import UTC, datetime

from publish_guard.npm import documents as d
from publish_guard.npm.documents import VersionState

DOCUMENT = {
    "_id": "@acme/widget",
    "name": "@acme/widget",
    "dist-tags": {"latest": "1.1.0"},
    "versions": {
        "1.0.0": {"name": "@acme/widget", "version": "1.0.0"},
        "1.1.0": {"name": "@acme/widget", "version": "1.1.0", "deprecated": "use 2"},
    },
    "time": {
        "created": "2024-05-01T12:00:00.000Z",
        "modified": "2024-05-03T12:00:00.000Z",
        "1.0.0": "2024-05-01T12:00:00.000Z",
        "1.1.0": "2024-05-02T12:00:00.000Z",
        "2.0.0": "2024-05-03T12:00:00.000Z",
    },
}
TOMBSTONE = {
    "_id": "gone",
    "name": "gone",
    "time": {
        "created": "2024-05-01T12:00:00.000Z",
        "modified": "2024-05-02T12:00:00.000Z",
        "1.0.0": "2024-05-01T12:00:00.000Z",
        "unpublished": {"time": "2024-05-02T12:00:00.000Z", "versions": ["1.0.0"]},
    },
}


def test_iso_has_milliseconds_and_z() -> None:
    moment = datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)
    assert d.iso(moment) == "2024-05-01T12:00:00.123Z"


def test_version_states() -> None:
    assert d.version_state(DOCUMENT, "1.0.0") is VersionState.EXISTS
    assert d.version_state(DOCUMENT, "v1.0.0") is VersionState.EXISTS
    assert d.version_state(DOCUMENT, "1.0.0+build.7") is VersionState.EXISTS
    assert d.version_state(DOCUMENT, "1.1.0") is VersionState.DEPRECATED
    assert d.version_state(DOCUMENT, "2.0.0") is VersionState.UNPUBLISHED
    assert d.version_state(DOCUMENT, "3.0.0") is VersionState.FREE
    assert d.version_state(None, "1.0.0") is VersionState.FREE
    assert d.deprecated_versions(DOCUMENT) == {"1.1.0": "use 2"}
    assert d.unpublished_versions(DOCUMENT) == ["2.0.0"]
    assert not d.is_tombstone(DOCUMENT)
    assert d.unpublished_at(DOCUMENT) is None


def test_a_tombstone_lists_its_versions_as_unpublished() -> None:
    assert d.is_tombstone(TOMBSTONE)
    assert d.unpublished_at(TOMBSTONE) == "2024-05-02T12:00:00.000Z"
    assert d.unpublished_versions(TOMBSTONE) == ["1.0.0"]
    assert d.version_state(TOMBSTONE, "1.0.0") is VersionState.UNPUBLISHED
