import base64
import copy
from typing import Any

import orjson
import pytest

from publish_guard.npm.integrity import sha1_hex, sri_sha512
from publish_guard.npm.names import parse_name
from publish_guard.npm.publish_body import PublishBodyError, is_publish_body, parse_publish_body
from publish_guard.registry.tarballs import build_publish_body

TARBALL = b"\x1f\x8b pretend this is a gzipped tarball"
DATA = base64.b64encode(TARBALL).decode()


def body(name: str = "@acme/widget", version: str = "1.0.0", **changes: Any) -> dict[str, Any]:
    """What npm 11 sends for ``npm publish`` (literal, not built by the code under test)."""
    doc: dict[str, Any] = {
        "_id": name,
        "name": name,
        "description": "a widget",
        "dist-tags": {"latest": version},
        "versions": {
            version: {
                "name": name,
                "version": version,
                "_id": f"{name}@{version}",
                "_nodeVersion": "20.20.2",
                "_npmVersion": "11.19.1",
                "dist": {
                    "integrity": sri_sha512(TARBALL),
                    "shasum": sha1_hex(TARBALL),
                    "tarball": f"http://r/{name}/-/{name}-{version}.tgz",
                },
            }
        },
        "access": None,
        "_attachments": {
            f"{name}-{version}.tgz": {
                "content_type": "application/octet-stream",
                "data": DATA,
                "length": len(TARBALL),
            }
        },
    }
    doc.update(changes)
    return doc


def test_parses_a_scoped_publish() -> None:
    parsed = parse_publish_body(orjson.dumps(body()), path_name=parse_name("@acme/widget"))
    assert parsed.name.full == "@acme/widget"
    assert parsed.version == "1.0.0"
    assert parsed.tag == "latest"
    assert parsed.dist_tags == {"latest": "1.0.0"}
    assert parsed.tarball.filename == "@acme/widget-1.0.0.tgz"
    assert parsed.tarball.data == TARBALL
    assert parsed.integrity == sri_sha512(TARBALL)
    assert parsed.shasum == sha1_hex(TARBALL)
    assert parsed.manifest["_npmVersion"] == "11.19.1"
    assert parsed.extra_attachments == ()


def test_a_tag_other_than_latest() -> None:
    doc = body(version="2.0.0-beta.1")
    doc["dist-tags"] = {"beta": "2.0.0-beta.1"}
    parsed = parse_publish_body(doc)
    assert parsed.tag == "beta"
    assert "latest" not in parsed.dist_tags


def test_provenance_attachment_is_kept_as_text() -> None:
    doc = body()
    doc["_attachments"]["@acme/widget-1.0.0.sigstore"] = {
        "content_type": "application/vnd.dev.sigstore.bundle+json;version=0.2",
        "data": '{"mediaType":"x"}',
        "length": 17,
    }
    parsed = parse_publish_body(doc)
    assert parsed.tarball.filename.endswith(".tgz")
    assert [a.data for a in parsed.extra_attachments] == [b'{"mediaType":"x"}']


def broken(path: tuple[str, ...], value: Any) -> dict[str, Any]:
    doc = copy.deepcopy(body())
    target = doc
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return doc


@pytest.mark.parametrize(
    ("doc", "code"),
    [
        (b"{not json", "invalid_json"),
        (b"[1]", "not_an_object"),
        (broken(("name",), KeyError) | {"_id": None}, "missing_name"),
        (broken(("name",), "Bad Name") | {"_id": "Bad Name"}, "invalid_name"),
        (broken(("_id",), "@acme/other"), "name_mismatch"),
        (broken(("versions",), {}), "no_versions"),
        (
            body() | {"versions": {**body()["versions"], **body(version="2.0.0")["versions"]}},
            "multiple_versions",
        ),
        (body() | {"versions": {"one": body()["versions"]["1.0.0"]}}, "invalid_version"),
        (broken(("versions", "1.0.0", "name"), "@acme/other"), "manifest_mismatch"),
        (broken(("versions", "1.0.0", "version"), "1.0.1"), "manifest_mismatch"),
        (broken(("dist-tags",), {}), "missing_dist_tags"),
        (broken(("dist-tags",), {"latest": "9.9.9"}), "invalid_dist_tag"),
        (broken(("dist-tags",), {"1.0.0": "1.0.0"}), "invalid_dist_tag"),
        (broken(("_attachments",), {}), "no_attachments"),
        (broken(("_attachments", "@acme/widget-1.0.0.tgz", "data"), "%%%"), "bad_attachment"),
        (broken(("_attachments", "@acme/widget-1.0.0.tgz", "length"), 3), "length_mismatch"),
        (broken(("versions", "1.0.0", "dist", "shasum"), "0" * 40), "integrity_mismatch"),
        (
            broken(("versions", "1.0.0", "dist", "integrity"), sri_sha512(b"x")),
            "integrity_mismatch",
        ),
        (broken(("access",), "secret"), "invalid_access"),
    ],
)
def test_precise_errors(doc: bytes | dict[str, Any], code: str) -> None:
    with pytest.raises(PublishBodyError) as caught:
        parse_publish_body(doc)
    assert caught.value.code == code


def test_attachment_name_must_match_the_version() -> None:
    doc = body()
    doc["_attachments"] = {"@acme/widget-9.9.9.tgz": doc["_attachments"]["@acme/widget-1.0.0.tgz"]}
    with pytest.raises(PublishBodyError, match=r"should be named @acme/widget-1\.0\.0\.tgz"):
        parse_publish_body(doc)


def test_the_path_must_name_the_same_package() -> None:
    with pytest.raises(PublishBodyError, match="the path names @acme/other"):
        parse_publish_body(body(), path_name=parse_name("@acme/other"))


def test_is_publish_body_tells_publishes_from_other_puts() -> None:
    assert is_publish_body(body())
    assert not is_publish_body(body(), path_has_rev=True)
    deprecate = body() | {"_attachments": {}}
    assert not is_publish_body(deprecate)
    star = {"_id": "@acme/widget", "_rev": "3-x", "users": {"bob": True}}
    assert not is_publish_body(star)
    assert not is_publish_body("nope")


def test_build_publish_body_round_trips() -> None:
    built = build_publish_body(
        {"name": "@acme/widget", "version": "1.2.3", "description": "w"},
        TARBALL,
        tag="next",
        registry_url="https://registry.example/npm",
    )
    assert built["versions"]["1.2.3"]["dist"]["tarball"] == (
        "http://registry.example/npm/@acme/widget/-/@acme/widget-1.2.3.tgz"
    )
    parsed = parse_publish_body(built)
    assert (parsed.version, parsed.tag, parsed.tarball.data) == ("1.2.3", "next", TARBALL)
