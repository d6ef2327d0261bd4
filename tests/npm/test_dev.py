import base64
import copy
from typing import Any

import orjson
import pytest

from publish_guard.npm.dev import (
    ProvenanceError,
    RewriteFacts,
    dev_base,
    dev_version,
    is_dev_version,
    next_dev_number,
    rewrite_publish_body,
)
from publish_guard.npm.integrity import sha1_hex, sri_sha512
from publish_guard.npm.publish_body import PublishBodyError, parse_publish_body
from publish_guard.npm.tarball import TarballError, read_package_json
from publish_guard.registry import make_publish_body


@pytest.mark.parametrize(
    ("version", "base"),
    [
        ("1.2.3", "1.2.3-dev"),
        ("1.2.3-rc.1", "1.2.3-rc.1.dev"),
        ("1.2.3+build.7", "1.2.3-dev"),
        ("1.2.3-beta+sha.abc", "1.2.3-beta.dev"),
        ("v1.2.3", "1.2.3-dev"),
        ("=1.2.3", "1.2.3-dev"),
        ("1.2.3-dev.4", "1.2.3-dev"),  # already a dev version: same base, not nested
        ("1.2.3-rc.1.dev.0", "1.2.3-rc.1.dev"),
        ("1.2.3-devel", "1.2.3-devel.dev"),
    ],
)
def test_dev_base(version: str, base: str) -> None:
    assert dev_base(version) == base


def test_dev_version() -> None:
    assert dev_version("1.2.3", 0) == "1.2.3-dev.0"
    assert dev_version("1.2.3-rc.1", 12) == "1.2.3-rc.1.dev.12"
    with pytest.raises(ValueError, match="not negative"):
        dev_version("1.2.3", -1)
    with pytest.raises(ValueError, match="not a valid version"):
        dev_base("1.2")


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("1.2.3-dev.0", True),
        ("1.2.3-rc.1.dev.7", True),
        ("1.2.3-dev.7+build", True),
        ("1.2.3", False),
        ("1.2.3-dev", False),
        ("1.2.3-dev.x", False),
        ("1.2.3-devel.1", False),
        ("1.2.3-predev.1", False),
        ("not a version", False),
    ],
)
def test_is_dev_version(version: str, expected: bool) -> None:
    assert is_dev_version(version) is expected


@pytest.mark.parametrize(
    ("version", "taken", "expected"),
    [
        ("1.2.3", ["1.2.3-dev.0", "1.2.3-dev.4", "1.2.3-dev.2+b", "1.3.0-dev.9"], 5),
        ("1.2.3", [], 0),
        ("1.2.3", ["1.2.3", "1.2.2-dev.3", "1.2.3-rc.1.dev.8"], 0),
        ("1.2.3", ["1.2.3-dev.10+x", "v1.2.3-dev.11"], 12),  # identity: no build, no "v"
        ("1.2.3", ["1.2.3-dev.x", "1.2.3-dev.01", "1.2.3-dev.3.1", "1.2.3-devx.5"], 0),
        ("1.2.3-rc.1", ["1.2.3-rc.1.dev.0", "1.2.3-rc.1.dev.1", "1.2.3-dev.9"], 2),
        ("1.2.3-rc.1+meta", ["1.2.3-rc.2.dev.5", "1.2.3-rc.1"], 0),
        ("1.2.3-dev.2", ["1.2.3-dev.2"], 3),  # publishing a dev version continues its line
    ],
)
def test_next_dev_number(version: str, taken: list[str], expected: int) -> None:
    assert next_dev_number(version, taken) == expected
    assert next_dev_number(version, iter(taken)) == expected


def _body(name: str = "@acme/widget", version: str = "1.2.3", **kwargs: Any) -> dict[str, Any]:
    doc = make_publish_body(
        name,
        version,
        manifest={"description": "a widget", "gitHead": "abc123", "scripts": {"t": "x"}},
        registry_url="https://registry.example/npm/",
        **kwargs,
    )
    manifest = doc["versions"][version]
    manifest["dist"].update({"fileCount": 2, "unpackedSize": 77})
    manifest["readme"] = "# widget"
    return doc


def _tarball(doc: dict[str, Any]) -> bytes:
    [attachment] = doc["_attachments"].values()
    return base64.b64decode(attachment["data"])


def test_rewrite_a_scoped_publish() -> None:
    doc = _body()
    untouched = copy.deepcopy(doc)

    new, facts = rewrite_publish_body(doc, "1.2.3-dev.0", registry_tarball_base=None)

    assert doc == untouched  # the input is not mutated
    tarball = _tarball(new)
    assert facts == RewriteFacts(
        name="@acme/widget",
        original_version="1.2.3",
        new_version="1.2.3-dev.0",
        tag="dev",
        old_integrity=sri_sha512(_tarball(doc)),
        new_integrity=sri_sha512(tarball),
    )
    assert list(new) == list(doc)
    assert new["dist-tags"] == {"dev": "1.2.3-dev.0"}
    assert list(new["versions"]) == ["1.2.3-dev.0"]
    manifest = new["versions"]["1.2.3-dev.0"]
    old_manifest = doc["versions"]["1.2.3"]
    assert manifest == {
        **old_manifest,
        "version": "1.2.3-dev.0",
        "_id": "@acme/widget@1.2.3-dev.0",
        "dist": {
            "integrity": sri_sha512(tarball),
            "shasum": sha1_hex(tarball),
            "tarball": "http://registry.example/npm/@acme/widget/-/@acme/widget-1.2.3-dev.0.tgz",
            "fileCount": 2,
            "unpackedSize": 77,
        },
    }
    assert list(manifest) == list(old_manifest)
    assert new["_attachments"] == {
        "@acme/widget-1.2.3-dev.0.tgz": {
            "content_type": "application/octet-stream",
            "data": base64.b64encode(tarball).decode(),
            "length": len(tarball),
        }
    }
    assert read_package_json(tarball) == {
        **read_package_json(_tarball(doc)),
        "version": "1.2.3-dev.0",
    }
    parsed = parse_publish_body(orjson.dumps(new))  # consistent by the publish checks too
    assert (parsed.version, parsed.tag, parsed.integrity) == (
        "1.2.3-dev.0",
        "dev",
        facts.new_integrity,
    )


def test_an_explicit_tag_is_kept() -> None:
    new, facts = rewrite_publish_body(
        _body("widget", "2.0.0-rc.1", tag="beta"), "2.0.0-rc.1.dev.3", registry_tarball_base=None
    )

    assert new["dist-tags"] == {"beta": "2.0.0-rc.1.dev.3"}
    assert facts.tag == "beta"
    assert list(new["_attachments"]) == ["widget-2.0.0-rc.1.dev.3.tgz"]
    assert new["versions"]["2.0.0-rc.1.dev.3"]["dist"]["tarball"] == (
        "http://registry.example/npm/widget/-/widget-2.0.0-rc.1.dev.3.tgz"
    )


def test_the_dev_tag_is_configurable() -> None:
    new, facts = rewrite_publish_body(
        _body(), "1.2.3-dev.1", registry_tarball_base=None, dev_tag="canary"
    )
    assert new["dist-tags"] == {"canary": "1.2.3-dev.1"}
    assert facts.tag == "canary"


def test_the_unscoped_attachment_key_form_is_kept() -> None:
    doc = _body()
    doc["_attachments"] = {"widget-1.2.3.tgz": doc["_attachments"]["@acme/widget-1.2.3.tgz"]}
    doc["versions"]["1.2.3"]["dist"]["tarball"] = "https://r.example/a/widget-1.2.3.tgz?x=1"

    new, _ = rewrite_publish_body(doc, "1.2.3-dev.0", registry_tarball_base=None)

    assert list(new["_attachments"]) == ["widget-1.2.3-dev.0.tgz"]
    assert new["versions"]["1.2.3-dev.0"]["dist"]["tarball"] == (
        "https://r.example/a/widget-1.2.3-dev.0.tgz?x=1"
    )


def test_the_tarball_url_can_be_rebuilt_on_a_base() -> None:
    new, _ = rewrite_publish_body(
        _body(), "1.2.3-dev.0", registry_tarball_base="http://upstream:4873/npm/"
    )
    assert new["versions"]["1.2.3-dev.0"]["dist"]["tarball"] == (
        "http://upstream:4873/npm/@acme/widget/-/@acme/widget-1.2.3-dev.0.tgz"
    )


def test_a_provenance_publish_is_refused() -> None:
    doc = _body()
    bundle = '{"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json"}'
    doc["_attachments"]["@acme/widget-1.2.3.sigstore"] = {
        "content_type": "application/vnd.dev.sigstore.bundle.v0.3+json",
        "data": bundle,
        "length": len(bundle),
    }

    with pytest.raises(ProvenanceError) as caught:
        rewrite_publish_body(doc, "1.2.3-dev.0", registry_tarball_base=None)

    message = str(caught.value)
    for phrase in ("signature", "tarball", "digest", "without --provenance", "outside dev mode"):
        assert phrase in message
    assert caught.value.code == "provenance_in_dev_mode"


def test_invalid_inputs() -> None:
    with pytest.raises(ValueError, match="not a valid version"):
        rewrite_publish_body(_body(), "1.2", registry_tarball_base=None)
    with pytest.raises(PublishBodyError):
        rewrite_publish_body({"name": "w"}, "1.0.0-dev.0", registry_tarball_base=None)
    doc = _body("widget", "1.0.0")
    not_a_tarball = b"\x1f\x8b not really"
    doc["_attachments"]["widget-1.0.0.tgz"].update(
        data=base64.b64encode(not_a_tarball).decode(), length=len(not_a_tarball)
    )
    doc["versions"]["1.0.0"]["dist"].update(
        integrity=sri_sha512(not_a_tarball), shasum=sha1_hex(not_a_tarball)
    )
    with pytest.raises(TarballError):
        rewrite_publish_body(doc, "1.0.0-dev.0", registry_tarball_base=None)
