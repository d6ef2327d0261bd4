"""The registry reached through a corporate forward proxy: ``HTTPS_PROXY`` / ``HTTP_PROXY`` and
``NO_PROXY`` as curl and npm read them, tested through a real tinyproxy."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pytest
from aiohttp import encode_basic_auth
from yarl import URL

from publish_guard.proxies import proxy_for
from publish_guard.registry import (
    Registry,
    RegistryConfig,
    create_registry_app,
    make_publish_body,
)
from tests.harness.forward_proxy import ForwardProxy
from tests.harness.http import http_request
from tests.harness.nginx import nginx_config
from tests.harness.process import guard_process
from tests.harness.servers import ServerThread

HTTPS = URL("https://npm.example.com/api/npm/")


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, None),
        ({"HTTPS_PROXY": "http://proxy:3128"}, "http://proxy:3128"),
        ({"https_proxy": "proxy:3128"}, "http://proxy:3128"),
        ({"HTTP_PROXY": "http://proxy:3128"}, None),  # an https registry takes HTTPS_PROXY
        ({"HTTPS_PROXY": "http://proxy:3128", "NO_PROXY": "example.com"}, None),
        ({"HTTPS_PROXY": "http://proxy:3128", "NO_PROXY": ".example.com"}, None),
        ({"HTTPS_PROXY": "http://proxy:3128", "NO_PROXY": "*"}, None),
        ({"HTTPS_PROXY": "http://proxy:3128", "no_proxy": "localhost, npm.example.com:443"}, None),
        ({"HTTPS_PROXY": "http://proxy:3128", "NO_PROXY": "ample.com"}, "http://proxy:3128"),
        # as curl 7.88 reads them (found by an attack: npm or the guard had gone around the proxy)
        (
            {"HTTPS_PROXY": "http://proxy:3128", "NO_PROXY": "intranet.example,*"},
            "http://proxy:3128",
        ),
        ({"HTTPS_PROXY": "http://proxy:3128", "NO_PROXY": "*.example.com"}, "http://proxy:3128"),
        ({"HTTPS_PROXY": "http://proxy:3128", "NO_PROXY": "..example.com"}, "http://proxy:3128"),
        (
            {"HTTPS_PROXY": "http://proxy:3128", "NO_PROXY": "npm.example.com:8443"},
            "http://proxy:3128",
        ),
        ({"HTTPS_PROXY": "http://proxy:3128", "NO_PROXY": "npm.example.com."}, None),
        ({"https_proxy": "http://lower:1", "HTTPS_PROXY": "http://upper:2"}, "http://lower:1"),
        ({"HTTPS_PROXY": "http://upper:2", "https_proxy": "http://lower:1"}, "http://lower:1"),
        (
            {"HTTPS_PROXY": "http://p:1", "no_proxy": "other.example", "NO_PROXY": "example.com"},
            "http://p:1",
        ),
    ],
)
def test_the_proxy_of_the_registry_is_read_as_curl_reads_it(
    environ: dict[str, str], expected: str | None
) -> None:
    found = proxy_for(HTTPS, environ)
    assert (str(found.url) if found else None) == expected


def test_no_proxy_takes_addresses_and_ranges() -> None:
    base = URL("http://10.1.2.3:8081/")
    proxy = {"HTTP_PROXY": "http://proxy:3128"}
    assert proxy_for(base, {**proxy, "NO_PROXY": "10.0.0.0/8"}) is None
    assert proxy_for(base, {**proxy, "NO_PROXY": "10.1.2.3"}) is None
    assert proxy_for(base, {**proxy, "NO_PROXY": "10.1.2.3:8081"}) is None
    for other in ("192.168.0.0/16", "10.0.0.0/0", "10.1.2.3:9999", ".3", "2.3", "[10.1.2.3]"):
        assert proxy_for(base, {**proxy, "NO_PROXY": other}) is not None, other


def test_proxy_credentials_never_ride_in_a_url() -> None:
    for text, login, password in (
        ("http://alice:s3cret@proxy:3128", "alice", "s3cret"),
        ("http://TOKEN123@proxy:3128", "TOKEN123", ""),
        ("http://user:pa'ss@proxy:3128", "user", "pa'ss"),
    ):
        found = proxy_for(HTTPS, {"HTTPS_PROXY": text})
        assert found is not None
        assert str(found.url) == "http://proxy:3128"
        assert found.headers == {"Proxy-Authorization": encode_basic_auth(login, password)}


@pytest.mark.e2e
def test_with_a_proxy_set_the_guard_reaches_the_registry_only_through_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry = Registry(RegistryConfig(flavor="verdaccio"))
    alice = registry.add_user("alice", "alice-pw")
    body = make_publish_body("through-proxy", "1.0.0")
    with (
        ServerThread(partial(create_registry_app, registry)) as upstream,
        ForwardProxy(tmp_path / "proxy") as proxy,
    ):
        for name in ("NO_PROXY", "no_proxy", "http_proxy", "HTTPS_PROXY", "https_proxy"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        with guard_process(upstream.url) as (url, _):
            put = http_request("PUT", url + "through-proxy", json=body, token=alice.token)
            assert put.status == 201, put.text
            assert f"PUT {upstream.url}through-proxy" in proxy.log
            assert http_request("GET", url + "through-proxy").status == 200
            assert f"GET {upstream.url}through-proxy" in proxy.log

            proxy.stop()  # the only way out is gone: the guard says so, never goes direct
            down = http_request("GET", url + "through-proxy")
            assert down.status in (502, 504), down.text
            assert "through-proxy" in str(registry.document("through-proxy"))


def test_the_fast_path_is_refused_where_the_registry_needs_a_proxy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.corp:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    made = nginx_config("--upstream", str(HTTPS), "--listen", "127.0.0.1:8081")
    assert made.returncode == 2
    assert "forward proxy" in made.stderr
    monkeypatch.setenv("NO_PROXY", "npm.example.com")
    assert nginx_config("--upstream", str(HTTPS), "--listen", "127.0.0.1:8081").returncode == 0


@pytest.mark.e2e
def test_proxy_credentials_work_and_never_show(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry = Registry(RegistryConfig(flavor="verdaccio"))
    secret = "Pr0xy-Secret-4711"
    with (
        ServerThread(partial(create_registry_app, registry)) as upstream,
        ForwardProxy(tmp_path / "proxy", auth=("corp", secret)) as proxy,
    ):
        for name in ("NO_PROXY", "no_proxy", "http_proxy", "HTTPS_PROXY", "https_proxy"):
            monkeypatch.delenv(name, raising=False)
        port = proxy.url.rsplit(":", 1)[1]
        monkeypatch.setenv("HTTP_PROXY", f"http://corp:{secret}@127.0.0.1:{port}")
        with guard_process(upstream.url, log=tmp_path / "good.log") as (url, _):
            assert http_request("GET", url + "-/ping").status == 200
        monkeypatch.setenv("HTTP_PROXY", f"http://corp:wrong-{secret}@127.0.0.1:{port}")
        with guard_process(upstream.url, log=tmp_path / "bad.log") as (url, _):
            refused = http_request("GET", url + "some-package")
            assert refused.status >= 400
            shown = [
                refused.text,
                http_request("GET", url + "-/guard/status.json").text,
                http_request("GET", url + "-/guard/readyz").text,
                http_request("GET", url + "-/guard/", headers={"accept": "text/html"}).text,
            ]
        shown.append((tmp_path / "bad.log").read_text() + (tmp_path / "good.log").read_text())
        for text in shown:
            assert secret not in text
