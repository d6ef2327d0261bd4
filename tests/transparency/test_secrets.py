"""The secret sweep: every command of the transparency harness through a guard process, plus a
Basic-auth publish, one-time passwords, a rejected token, secrets in paths (``npm logout``,
token revocation), in queries and in JSON bodies — then every output of the guard (its log, the
status page, ``status.json``, the metrics and every answer it made up itself) is searched for
every secret, raw, URL-encoded and base64-encoded."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import orjson
import pytest

from publish_guard.registry import make_publish_body
from tests.harness.clients import Client, unique_name
from tests.harness.http import http_request, settled_log
from tests.transparency.test_commands import STEPS
from tests.transparency.world import PASSWORD, STATUS_TOKEN, USER, World, world

pytestmark = pytest.mark.e2e


@pytest.fixture(params=["verdaccio", "emulator"])
def guarded(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    with world("guard", str(request.param), tmp_path) as w:
        yield w


def _forms(secret: str) -> set[str]:
    raw = secret.encode()
    return {
        secret,
        quote(secret, safe=""),
        base64.b64encode(raw).decode(),
        base64.b64encode(f"{USER}:{secret}".encode()).decode(),
    }


def test_no_secret_reaches_any_output_of_the_guard(guarded: World) -> None:
    w = guarded
    for step in STEPS.values():
        step(w)
    secrets = {
        "alice's token": w.token,
        "alice's password": PASSWORD,
        "the status token": STATUS_TOKEN,
        **{f"a token made by login ({i})": token for i, token in enumerate(w.secrets)},
    }
    assert w.secrets, "npm login made no token"

    # Basic auth (_auth) and a rejected token, by the real npm
    basic = Client("npm", w.registry, None, w.workdir / "basic", auth=f"{USER}:{PASSWORD}")
    basic.publish(basic.make_package(unique_name("basic"), "1.0.0")).check()
    rejected = "npm_" + "R" * 36
    secrets["a rejected token"] = rejected
    bad = Client("npm", w.registry, rejected, w.workdir / "rejected")
    assert not bad.publish(bad.make_package(unique_name("rejected"), "1.0.0")).ok

    # secrets where clients put them: paths, queries, JSON bodies, one-time passwords
    in_path, in_key, in_query, in_body, otp = (
        "npm_" + "P" * 36,
        "tokenkey-" + "K" * 24,
        "apikey-" + "Q" * 24,
        "body-password-" + "B" * 20,
        "918273",
    )
    secrets |= {
        "a token in a logout path": in_path,
        "a token key in a revocation path": in_key,
        "an api key in a query": in_query,
        "a password in a JSON body": in_body,
        "a one-time password": otp,
    }
    auth = {"authorization": f"Bearer {w.token}"}
    http_request("DELETE", w.registry + f"-/user/token/{quote(in_path, safe='')}", headers=auth)
    http_request("DELETE", w.registry + f"-/npm/v1/tokens/token/{in_key}", headers=auth)
    http_request("GET", w.registry + f"-/whoami?apikey={in_query}&x=1", headers=auth)
    http_request("PUT", w.registry + "-/custom/write", json={"password": in_body}, headers=auth)
    # the same, spelt otherwise: the slash encoded, another case, other query names, no scheme
    odd_path, odd_query, bare = "jwt-" + "J" * 30, "done-" + "D" * 30, "bare-" + "A" * 30
    secrets |= {
        "a token in an oddly spelt path": odd_path,
        "a capability in a query": odd_query,
        "an Authorization without a scheme": bare,
    }
    http_request("PUT", w.registry + f"-/user/token%2F{odd_path}", headers=auth)
    http_request("DELETE", w.registry + f"-/USER/token/{odd_path}", headers=auth)
    http_request("GET", w.registry + f"-/v1/login/done?authId={odd_query}&jwt={odd_query}")
    http_request("PUT", w.registry + "-/custom/bare", headers={"authorization": bare})
    http_request(
        "PUT",
        w.registry + "-/user/org.couchdb.user:" + USER,
        json={"name": USER, "password": in_body},
    )
    body = orjson.dumps(make_publish_body(unique_name("otp"), "1.0.0"))
    http_request(
        "PUT",
        w.registry + "otp-pkg",
        data=body,
        headers={**auth, "npm-otp": otp, "content-type": "application/json"},
    )

    status = {"authorization": f"Bearer {STATUS_TOKEN}"}
    page = http_request("GET", w.guard_url + "-/guard/", headers={**status, "accept": "text/html"})
    facts = http_request("GET", w.guard_url + "-/guard/status.json", headers=status)
    metrics = http_request("GET", w.guard_url + "-/guard/metrics", headers=status)
    assert page.status == facts.status == metrics.status == 200
    assert w.front is not None
    assert w.log is not None
    answers = [
        e
        for e in w.front.taken()
        if e.response_header("x-request-id") and _made_up(e.response_body)
    ]
    assert answers, "the guard made up no answer to search"
    outputs = {
        "the log": settled_log(w.log, metrics),
        "the status page": page.text,
        "status.json": facts.text,
        "the metrics": metrics.text,
        **{
            f"the answer to {e.method} {e.path[:60]}": e.response_body.decode("utf-8", "replace")
            + repr(e.response_headers)
            for e in answers
        },
    }
    assert "-/user/token/" in outputs["the log"]  # the logout was logged, its token was not
    leaks = [
        f"{what} in {where}"
        for what, secret in secrets.items()
        for form in _forms(secret)
        for where, text in outputs.items()
        if form in text
    ]
    assert leaks == []


def _made_up(body: bytes) -> bool:
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        return False
    return isinstance(parsed, dict) and "code" in parsed and "request_id" in parsed
