from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from publish_guard.publish.updates import is_publish_attempt
from publish_guard.publish.verdict import Standing, judge

SRI = "sha512-" + "A" * 86 + "=="


def _doc(**extra: object) -> dict[str, Any]:
    return {
        "name": "w",
        "versions": {
            "1.0.0": {"version": "1.0.0", "dist": {"integrity": SRI, "shasum": "ab"}},
            "1.1.0": {"version": "1.1.0", "deprecated": "old", "dist": {"shasum": "cd"}},
        },
        "time": {
            "created": "2026-01-01T00:00:00.000Z",
            "1.0.0": "2026-01-02T03:04:05.000Z",
            "1.1.0": "2026-01-03T00:00:00.000Z",
            "0.9.0": "2025-12-01T00:00:00.000Z",
        },
        **extra,
    }


def _judge(doc: Mapping[str, Any] | None, version: str, *, npmjs: bool = False) -> Standing:
    return judge(
        doc, version, reserves_unpublished=npmjs, now=datetime(2026, 11, 21, tzinfo=UTC)
    ).outcome


def test_free_and_exists() -> None:
    assert _judge(None, "1.0.0") is Standing.FREE
    assert _judge(_doc(), "2.0.0") is Standing.FREE
    assert _judge(_doc(), "1.0.0") is Standing.EXISTS
    assert _judge(_doc(), "v1.0.0+meta") is Standing.EXISTS


def test_facts_of_an_existing_version() -> None:
    verdict = judge(_doc(), "1.1.0", reserves_unpublished=False)
    assert verdict.published_at == "2026-01-03T00:00:00.000Z"
    assert verdict.deprecated == "old"
    assert verdict.suggestions is not None
    assert verdict.suggestions.patch == "1.1.1"
    assert verdict.existing_manifest == _doc()["versions"]["1.1.0"]


def test_unpublished_versions_are_reserved_only_where_the_registry_says_so() -> None:
    assert _judge(_doc(), "0.9.0") is Standing.FREE
    assert _judge(_doc(), "0.9.0", npmjs=True) is Standing.RESERVED


def test_tombstone_blocks_for_24_hours() -> None:
    tomb: dict[str, Any] = {
        "name": "w",
        "time": {
            "1.0.0": "2026-11-01T00:00:00.000Z",
            "unpublished": {"time": "2026-11-20T12:00:00.000Z", "versions": ["1.0.0"]},
        },
    }
    assert _judge(tomb, "2.0.0", npmjs=True) is Standing.BLOCKED
    tomb["time"]["unpublished"]["time"] = "2026-11-19T12:00:00.000Z"
    assert _judge(tomb, "2.0.0", npmjs=True) is Standing.FREE
    assert _judge(tomb, "1.0.0", npmjs=True) is Standing.RESERVED


def test_publish_attempts_and_other_writes() -> None:
    assert is_publish_attempt({"_attachments": {"w-1.0.0.tgz": {"data": "AA=="}}})
    assert is_publish_attempt({"name": "w", "versions": {}})  # broken, but meant to publish
    assert not is_publish_attempt({"_id": "w", "_rev": "3-a", "versions": {}, "_attachments": {}})
    assert not is_publish_attempt({"_id": "w", "_rev": "3-a", "users": {"alice": True}})
    assert not is_publish_attempt({"_id": "w", "_rev": "3-a", "maintainers": []})
