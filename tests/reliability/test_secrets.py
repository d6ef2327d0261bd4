"""After a run with Bearer tokens, Basic auth (``_auth``), a login password and one-time
passwords — successes and failures — none of those secrets appears in the log, the status page,
status.json, the metrics or any answer the guard made up. The guard runs as a process."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import orjson
import pytest

from publish_guard.registry import Registry, RegistryConfig, create_registry_app, make_publish_body
from tests.harness.clients import unique_name
from tests.harness.factories import ClientFactory
from tests.harness.http import HttpResponse, http_request, settled_log
from tests.harness.process import guard_process
from tests.harness.servers import ServerThread

STATUS_TOKEN = "status-token-0123456789abcdef"


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[tuple[Registry, str, Path]]:
    registry = Registry(RegistryConfig(flavor="artifactory"))
    upstream = ServerThread(partial(create_registry_app, registry)).start()
    log = tmp_path / "guard.log"
    argv = ("--log-level", "debug", "--status-token", STATUS_TOKEN, "--lock-dir", str(tmp_path))
    try:
        with guard_process(registry.npm_url(upstream.url), *argv, log=log) as (url, _):
            yield registry, url, log
    finally:
        upstream.stop()


def test_no_secret_reaches_any_output(
    setup: tuple[Registry, str, Path], client: ClientFactory
) -> None:
    registry, url, log = setup
    alice = registry.add_user("alice", "alice-secret-password")
    carol = registry.add_user("carol", "carol-secret-password", otp=True)
    answers: list[HttpResponse] = []

    npm = client("npm", url, alice.token)
    name = unique_name("secret")
    npm.publish(npm.make_package(name, "1.0.0")).check()
    npm.publish(npm.make_package(name, "1.0.0", files={"index.js": "// 2\n"}), "--force")  # 403

    basic = client("npm", url, None, auth=f"carol:{carol.password}")  # _auth, with an OTP
    otp = registry.otp("carol")
    basic.publish(basic.make_package(unique_name("basic"), "1.0.0"), "--otp", otp).check()
    wrong_otp = "739184" if otp != "739184" else "739185"
    basic.publish(basic.make_package(unique_name("basic"), "1.0.0"), "--otp", wrong_otp)

    bad_token = "npm_" + "Z" * 36
    body = orjson.dumps(make_publish_body(unique_name("bad"), "1.0.0"))
    answers.append(
        http_request(
            "PUT",
            url + "x",
            data=body,
            token=bad_token,
            headers={"content-type": "application/json"},
        )
    )
    answers.append(
        http_request(
            "PUT",
            url + "-/user/org.couchdb.user:alice",
            json={"name": "alice", "password": "wrong-" + alice.password},
        )
    )
    answers.append(http_request("GET", url + f"-/whoami?token={alice.token}", token=alice.token))
    # a token pasted where a package name goes (a registry URL with the token in its path)
    answers.append(http_request("GET", url + f"{alice.token}/{name}", token=alice.token))
    answers.append(
        http_request(
            "PUT",
            url + alice.token,
            data=body,
            token=alice.token,
            headers={"content-type": "application/json"},
        )
    )

    auth = {"authorization": f"Bearer {STATUS_TOKEN}"}
    page = http_request("GET", url + "-/guard/", headers=auth)
    status = http_request("GET", url + "-/guard/status.json", headers=auth)
    metrics = http_request("GET", url + "-/guard/metrics", headers=auth)
    assert page.status == status.status == metrics.status == 200
    assert name in page.text
    assert status.json()["counters"]["publishes"]["refused"] >= 1

    outputs = {
        "log": settled_log(log, metrics),
        "page": page.text,
        "status.json": status.text,
        "metrics": metrics.text,
        **{f"answer {i}": a.text for i, a in enumerate(answers)},
    }
    secrets = {
        "alice's token": alice.token,
        "carol's token": carol.token,
        "alice's password": alice.password,
        "carol's password": carol.password,
        "carol's _auth": base64.b64encode(f"carol:{carol.password}".encode()).decode(),
        "a rejected token": bad_token,
        "the status token": STATUS_TOKEN,
        "the one-time password": otp,
        "a wrong one-time password": wrong_otp,
    }
    leaks = [
        (what, where)
        for where, text in outputs.items()
        for what, value in secrets.items()
        if value in text
    ]
    assert leaks == []
    assert '"event":"request"' in outputs["log"].replace(" ", "")


def test_a_request_id_quoting_the_requests_own_secret_is_redacted(
    setup: tuple[Registry, str, Path],
) -> None:
    """A client's X-Request-Id goes into every log line and the status board: one that quotes
    the request's own password or one-time password must not carry it there."""
    registry, url, log = setup
    dave = registry.add_user("dave", "dave-secret-password", otp=True)
    otp = registry.otp("dave")
    basic = base64.b64encode(f"dave:{dave.password}".encode()).decode()
    name = unique_name("request-id")
    published = http_request(
        "PUT",
        url + name,
        json=make_publish_body(name, "1.0.0"),
        headers={
            "authorization": f"Basic {basic}",
            "npm-otp": otp,
            "x-request-id": dave.password,
        },
    )
    checked = http_request(
        "GET",
        url + f"-/guard/check/{name}/1.0.0",
        headers={"authorization": f"Bearer {dave.token}", "npm-otp": otp, "x-request-id": otp},
    )
    assert published.status == 200
    assert checked.status == 200
    assert checked.json()["publishable"] is False

    status = http_request(
        "GET", url + "-/guard/status.json", headers={"authorization": f"Bearer {STATUS_TOKEN}"}
    )
    text = settled_log(log, status)
    assert name in text
    for where, output in {"log": text, "status.json": status.text}.items():
        assert dave.password not in output, where
        assert otp not in output, where
    for answer in (published, checked):
        assert answer.headers["x-request-id"] not in (dave.password, otp)


def test_an_npm_token_in_a_path_is_redacted_even_when_the_request_sends_another(
    setup: tuple[Registry, str, Path],
) -> None:
    """A token pasted where a package name goes, by a request that authenticates otherwise (or
    not at all): the access line shows the path without it."""
    registry, url, log = setup
    erin = registry.add_user("erin", "erin-secret-password")
    pasted = "npm_" + "P4st3d" * 6
    read = http_request("GET", url + f"{pasted}/widget", token=erin.token)
    anonymous = http_request("GET", url + f"@acme%2f{pasted}")
    status = http_request(
        "GET", url + "-/guard/status.json", headers={"authorization": f"Bearer {STATUS_TOKEN}"}
    )
    assert read.status == anonymous.status == 404
    text = settled_log(log, status)
    assert '"path":"/[redacted]/widget"' in text
    assert pasted not in text
    assert erin.token not in text
