"""Issue 6 with real clients: dev publishes through the guard, installed back with npm."""

from __future__ import annotations

import base64
import hashlib
import io
import tarfile
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import orjson
import pytest

from publish_guard.npm.names import escape_name
from publish_guard.registry import make_publish_body
from tests.e2e.conftest import Upstream
from tests.harness.clients import installed_manifest, unique_name
from tests.harness.factories import ClientFactory, GuardFactory
from tests.harness.http import http_request

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("upstream", ["verdaccio", "artifactory"], indirect=True)
def test_the_same_version_twice_in_a_dev_scope(
    upstream: Upstream, guard: GuardFactory, client: ClientFactory
) -> None:
    server = guard(upstream.url, "--dev-mode", "always", "--dev-scope", "@acme-dev")
    npm = client("npm", server.url, upstream.token)
    name = unique_name("lib", scope="acme-dev")
    first = npm.publish(npm.make_package(name, "1.2.3")).check()
    second = npm.publish(
        npm.make_package(name, "1.2.3", files={"index.js": "// build 2\n"})
    ).check()

    assert f"npm notice published {name}@1.2.3-dev.0 (dev mode, from 1.2.3)" in first.output
    assert (
        f"published {name}@1.2.3-dev.1 (dev mode, from 1.2.3); install with npm i {name}@dev"
        in second.output
    )
    doc = upstream.document(name)
    assert doc is not None
    assert sorted(doc["versions"]) == ["1.2.3-dev.0", "1.2.3-dev.1"]
    assert doc["dist-tags"].get("dev") == "1.2.3-dev.1"
    assert doc["dist-tags"].get("latest") != "1.2.3-dev.1"

    installer = client("npm", server.url, upstream.token)
    result, project = installer.install(f"{name}@1.2.3-dev.1")
    result.check()
    manifest = installed_manifest(project, name)
    assert manifest is not None
    assert manifest["version"] == "1.2.3-dev.1"
    assert (project / "node_modules" / name / "index.js").read_text() == "// build 2\n"


@pytest.mark.parametrize("tool", ["pnpm", "yarn"])
@pytest.mark.parametrize("trigger", ["prefix", "tag"])
def test_dev_publishes_with_pnpm_and_yarn(
    tool: str,
    trigger: str,
    guard: GuardFactory,
    client: ClientFactory,
    verdaccio: Any,
    verdaccio_user: Any,
) -> None:
    server = guard(verdaccio.url, "--dev-mode", "always", "--dev-tag", "dev")
    registry = server.url + "-/dev/" if trigger == "prefix" else server.url
    cli = client(tool, registry, verdaccio_user.token)  # type: ignore[arg-type]
    name = unique_name(f"{tool}-{trigger}")
    args = ("--tag", "dev") if trigger == "tag" else ()
    package = cli.make_package(name, "0.4.0")
    cli.publish(package, *args).check()
    cli.publish(cli.make_package(name, "0.4.0", files={"index.js": "// 2\n"}), *args).check()
    doc = verdaccio.get_document(name)
    assert doc is not None
    assert sorted(doc["versions"]) == ["0.4.0-dev.0", "0.4.0-dev.1"]
    assert doc["dist-tags"]["dev"] == "0.4.0-dev.1"
    result, project = client("npm", registry, verdaccio_user.token).install(f"{name}@dev")
    result.check()
    manifest = installed_manifest(project, name)
    assert manifest is not None
    assert manifest["version"] == "0.4.0-dev.1"


def _tarball_version(data: bytes) -> str:
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        member = archive.extractfile("package/package.json")
        assert member is not None
        return str(orjson.loads(member.read())["version"])


def test_twenty_concurrent_dev_publishes_across_two_guards(
    guard: GuardFactory, client: ClientFactory, verdaccio: Any, verdaccio_user: Any
) -> None:
    guards = [guard(verdaccio.url, "--dev-mode", "always", "--dev-tag", "dev") for _ in range(2)]
    name = unique_name("race")

    def publish(i: int) -> int:
        body = make_publish_body(name, "2.0.0", tag="dev", files={"index.js": f"// {i}\n"})
        answer = http_request(
            "PUT",
            guards[i % 2].url + escape_name(name),
            data=orjson.dumps(body),
            token=verdaccio_user.token,
            headers={"content-type": "application/json"},
            timeout=120,
        )
        return answer.status

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(publish, range(20)))
    assert all(200 <= status < 300 for status in statuses), statuses

    doc = verdaccio.get_document(name)
    assert doc is not None
    assert sorted(doc["versions"], key=lambda v: int(v.rsplit(".", 1)[1])) == [
        f"2.0.0-dev.{n}" for n in range(20)
    ]
    contents = set()
    for version, manifest in doc["versions"].items():  # what npm checks on install
        tarball = http_request("GET", manifest["dist"]["tarball"]).body
        digest = base64.b64encode(hashlib.sha512(tarball).digest()).decode()
        assert manifest["dist"]["integrity"] == f"sha512-{digest}"
        assert _tarball_version(tarball) == version
        with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
            member = archive.extractfile("package/index.js")
            assert member is not None
            contents.add(member.read())
    assert len(contents) == 20  # no publish lost, none doubled
    result, _project = client("npm", guards[0].url, verdaccio_user.token).install(
        f"{name}@2.0.0-dev.7"
    )
    result.check()


@pytest.mark.parametrize("upstream", ["artifactory"], indirect=True)
def test_a_provenance_publish_in_dev_mode_is_refused_before_the_upstream(
    upstream: Upstream, guard: GuardFactory
) -> None:
    server = guard(upstream.url, "--dev-mode", "always", "--dev-tag", "dev")
    name = unique_name("signed")
    body = make_publish_body(name, "1.0.0", tag="dev")
    body["_attachments"][f"{name}-1.0.0.sigstore"] = {
        "content_type": "application/vnd.dev.sigstore.bundle.v0.3+json",
        "data": '{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}',
        "length": 61,
    }
    answer = http_request(
        "PUT",
        server.url + name,
        data=orjson.dumps(body),
        token=upstream.token,
        headers={"content-type": "application/json"},
    )
    assert answer.status == 400
    assert answer.json()["code"] == "DEV_PROVENANCE"
    assert "provenance" in answer.json()["error"]
    assert upstream.puts(name) == 0


@pytest.mark.parametrize("upstream", ["artifactory"], indirect=True)
def test_dev_prefix_with_dev_mode_off_is_refused(
    upstream: Upstream, guard: GuardFactory, client: ClientFactory
) -> None:
    server = guard(upstream.url)
    npm = client("npm", server.url + "-/dev/", upstream.token)
    name = unique_name("off")
    result = npm.publish(npm.make_package(name, "1.0.0"))
    assert result.returncode != 0
    assert "dev mode is off on this guard" in result.output
    assert upstream.puts(name) == 0
