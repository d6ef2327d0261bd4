"""The error catalogue: every code of TEXTS documented, with examples npm really prints."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from collections.abc import AsyncIterator
from html.parser import HTMLParser
from pathlib import Path

import orjson
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from markupsafe import escape

from publish_guard.app import create_app
from publish_guard.config import load_settings
from publish_guard.explain.client_errors import CLIENT_ERRORS
from publish_guard.explain.entries import ENTRIES
from publish_guard.explain.examples import GUARD_URL, NPM_403_PARAGRAPH, render_example
from publish_guard.explain.texts import TEXTS
from publish_guard.pages import add_catalogue_routes

# a made-up upstream that must never show on the page; --flavor skips the start-up probe
UPSTREAM = "http://registry.corp-secret.test:8081/artifactory/api/npm/corp-secret-repo/"
REPO = Path(__file__).resolve().parents[1]
Client = TestClient[web.Request, web.Application]


# -- the examples table, without a server ----------------------------------------------------


def test_every_code_has_an_entry_in_the_catalogue_order() -> None:
    assert list(ENTRIES) == list(TEXTS)


@pytest.mark.parametrize("code", list(TEXTS))
def test_example_npm_output_is_the_line_npm_prints(code: str) -> None:
    example = render_example(code)
    if example.url.startswith(f"{GUARD_URL}/-/guard/"):
        assert example.npm_output == ()  # probes, not npm, ask the guard's own routes
        return
    if code == "DEV_PUBLISH_CHECK":
        assert example.npm_output == ()  # npm expects this "not found" and publishes
        return
    doubled = "403 " if example.status == 403 else ""  # npm 11 prefixes a 403 once more
    line = (
        f"npm error {doubled}{example.status} {example.reason} - "
        f"{example.method} {example.url} - {example.error}"
    )
    assert example.npm_output[:3] == (
        f"npm notice {example.hint}",
        f"npm error code E{example.status}",
        line,
    )
    assert example.answer["error"] == example.error
    assert example.answer["code"] == code
    assert "\n" not in example.error
    if example.status == 403:
        assert example.npm_output[3] == f"npm error 403 {NPM_403_PARAGRAPH}"


def test_client_error_codes_are_unique_and_apart_from_guard_codes() -> None:
    codes = [entry.code for entry in CLIENT_ERRORS]
    assert len(codes) == len(set(codes))
    assert not set(codes) & set(TEXTS)
    known = set(codes) | set(TEXTS)
    for entry in CLIENT_ERRORS:
        assert set(entry.see) <= known, f"{entry.code} points at unknown entries"
        assert entry.output
        assert entry.sources


def _client_source_roots() -> dict[str, Path]:
    roots = {"yarn": REPO / "tools" / "node_modules", "pnpm": REPO / "tools" / "node_modules"}
    npm = shutil.which("npm")
    if npm:
        found = subprocess.run([npm, "root", "-g"], capture_output=True, text=True, check=False)
        roots["npm"] = Path(found.stdout.strip()) / "npm"
    return roots


def test_quoted_client_texts_are_verbatim_in_the_installed_clients() -> None:
    roots = _client_source_roots()
    checked = 0
    for entry in CLIENT_ERRORS:
        for where, text in entry.sources:
            tool, _, path = where.partition(":")
            if tool not in roots or not (roots[tool] / path).is_file():
                continue
            assert text in (roots[tool] / path).read_text(), f"{entry.code}: {where}: {text!r}"
            checked += 1
    if checked == 0:
        pytest.skip("neither npm nor the Node tools are installed")


# -- over HTTP, the real app ------------------------------------------------------------------


def _app() -> web.Application:
    app = create_app(load_settings(["--upstream", UPSTREAM, "--flavor", "artifactory"], {}))
    if not any(r.canonical == "/-/guard/errors" for r in app.router.resources()):
        add_catalogue_routes(app)  # until app.py wires the catalogue in
    return app


@pytest.fixture
async def client() -> AsyncIterator[Client]:
    async with TestClient(TestServer(_app(), host="127.0.0.1")) as test_client:
        yield test_client


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.links: list[str] = []
        self.cards: list[str] = []
        self.fetched: list[str] = []  # what a browser would load: scripts, styles, images

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.append(str(found["id"]))
            if tag == "article":
                self.cards.append(str(found["id"]))
        if tag in ("script", "link", "img", "iframe", "object", "embed") or found.get("src"):
            self.fetched.append(tag)
        href = found.get("href") or ""
        if href.startswith("#"):
            self.links.append(href[1:])


def _anchors(html: str) -> _Anchors:
    parser = _Anchors()
    parser.feed(html)
    return parser


async def _get(client: Client, accept: str | None = None, query: str = "") -> tuple[str, str]:
    headers = {"Accept": accept} if accept is not None else {}
    async with client.get(f"/-/guard/errors{query}", headers=headers) as answer:
        assert answer.status == 200
        assert answer.headers["Vary"] == "Accept"
        return answer.content_type, await answer.text()


async def test_html_lists_every_code_and_every_link_lands(client: Client) -> None:
    content_type, html = await _get(client)
    assert content_type == "text/html"
    page = _anchors(html)
    assert len(page.ids) == len(set(page.ids)), "duplicate ids"
    expected = [*TEXTS, *(entry.code for entry in CLIENT_ERRORS)]
    assert sorted(page.cards) == sorted(expected)
    assert set(page.links) <= set(page.ids), f"links to nowhere: {set(page.links) - set(page.ids)}"
    assert set(expected) <= set(page.links), "an entry is missing from the contents"
    for code in TEXTS:
        assert str(escape(render_example(code).error)) in html
    assert page.fetched == [], "the page must work air-gapped"
    assert "url(" not in html


async def test_json_lists_every_code_with_its_example(client: Client) -> None:
    content_type, text = await _get(client, "application/json")
    assert content_type == "application/json"
    data = orjson.loads(text)
    codes = {entry["code"]: entry for entry in data["codes"]}
    assert list(codes) == list(TEXTS)
    for code, entry in codes.items():
        example = render_example(code)
        assert entry["status"] == example.status
        assert entry["cause"] == ENTRIES[code].cause
        assert entry["fix"]
        assert entry["docs"] == f"/-/guard/errors#{code}"
        assert entry["example"]["request"] == example.request
        assert entry["example"]["npm_output"] == list(example.npm_output)
        assert entry["group"] in {group["key"] for group in data["groups"]}
    clients = [entry["code"] for entry in data["client_errors"]]
    assert clients == [entry.code for entry in CLIENT_ERRORS]
    for entry in data["client_errors"]:
        assert set(entry) >= {"code", "title", "cause", "fix", "example", "sources"}
        assert entry["example"]["output"]


@pytest.mark.parametrize(
    ("accept", "query", "expected"),
    [
        (None, "", "text/html"),
        ("*/*", "", "text/html"),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "", "text/html"),
        ("application/json", "", "application/json"),
        ("application/json, text/plain, */*", "", "application/json"),
        ("text/html;q=0.5, application/json", "", "application/json"),
        ("application/json;q=0.5, text/html", "", "text/html"),
        ("application/*", "", "application/json"),
        ("text/html", "?format=json", "application/json"),
        ("application/json", "?format=html", "text/html"),
    ],
)
async def test_content_negotiation(
    client: Client, accept: str | None, query: str, expected: str
) -> None:
    content_type, _ = await _get(client, accept, query)
    assert content_type == expected


async def _raw_request(port: int | None, request_line: str) -> tuple[str, bytes]:
    """Send a request line as written (test clients would normalise ``..`` away)."""
    assert port is not None
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"{request_line}\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    answer = await reader.read()
    writer.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    return head.decode().split("\r\n")[0], body


async def test_docs_link_of_a_real_answer_lands_on_its_entry(client: Client) -> None:
    status_line, body = await _raw_request(client.port, "GET /../x HTTP/1.1")
    answer = orjson.loads(body)
    assert answer["code"] == "BAD_TARGET"
    example = render_example("BAD_TARGET")
    assert status_line == f"HTTP/1.1 {example.status} {example.reason}"  # the reason npm shows
    assert set(answer) == set(example.answer)
    path, _, anchor = answer["docs"].partition("#")
    async with client.get(path) as page:
        assert page.status == 200
        assert anchor in _anchors(await page.text()).cards


async def test_no_upstream_detail_reaches_the_catalogue(client: Client) -> None:
    _, html = await _get(client)
    _, text = await _get(client, "application/json")
    for shown in (html, text):
        assert "corp-secret" not in shown
        assert "registry.corp-secret.test" not in shown


# -- the rendered page ------------------------------------------------------------------------


async def test_page_renders_in_headless_chromium(client: Client, tmp_path: Path) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    url = str(client.make_url("/-/guard/errors"))
    common = [
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        f"--user-data-dir={tmp_path / 'profile'}",
    ]
    dom = await _run([*common, "--dump-dom", url])
    page = _anchors(dom)
    assert sorted(page.cards) == sorted([*TEXTS, *(entry.code for entry in CLIENT_ERRORS)])
    screenshot = tmp_path / "catalogue-phone.png"
    await _run([*common, "--window-size=412,2400", f"--screenshot={screenshot}", url])
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    print(f"screenshot: {screenshot}")


async def _run(argv: list[str]) -> str:
    """Run without blocking the loop that serves the page."""
    process = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL
    )
    out, _ = await asyncio.wait_for(process.communicate(), timeout=90)
    assert process.returncode == 0, argv
    return out.decode()


# -- real npm against the example answers -----------------------------------------------------


@pytest.mark.e2e
@pytest.mark.parametrize(
    "code",
    ["INVALID_PUBLISH", "AUTH_REJECTED", "VERSION_EXISTS", "TOKEN_EXPIRED", "UPSTREAM_TIMEOUT"],
)
async def test_real_npm_prints_exactly_the_example(code: str, tmp_path: Path) -> None:
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed")
    example = render_example(code)
    assert (example.method, example.url) == ("PUT", f"{GUARD_URL}/widget")

    async def answer(request: web.Request) -> web.Response:
        await request.read()
        if request.method == "GET":  # npm 11 reads the package first
            return web.json_response({"error": "Not found"}, status=404)
        headers = {"npm-notice": example.hint}
        return web.json_response(example.answer, status=example.status, headers=headers)

    registry = web.Application(client_max_size=64 * 1024**2)
    registry.router.add_route("*", "/{tail:.*}", answer)
    async with TestServer(registry, host="127.0.0.1") as server:
        base = str(server.make_url("/"))
        version = ENTRIES[code].example.facts.as_dict().get("version")
        stderr = await _npm_publish(npm, base, tmp_path, version)
    lines = [
        line.replace(base.rstrip("/"), GUARD_URL)
        for line in stderr.splitlines()
        if (line.startswith("npm error") and "A complete log of this run" not in line)
        or line == f"npm notice {example.hint}"
    ]
    assert tuple(lines) == example.npm_output


async def _npm_publish(npm: str, registry: str, home: Path, version: str | None) -> str:
    package = home / "widget"
    package.mkdir()
    manifest = {"name": "widget", "version": version or "1.0.0"}
    (package / "package.json").write_bytes(orjson.dumps(manifest))
    userconfig, globalconfig = home / "npmrc", home / "global-npmrc"
    nerf = registry.removeprefix("http:")
    userconfig.write_text(f"{nerf}:_authToken=test-token\n")
    globalconfig.write_text("")
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "NPM_CONFIG_USERCONFIG": str(userconfig),
        "NPM_CONFIG_GLOBALCONFIG": str(globalconfig),
        "NPM_CONFIG_CACHE": str(home / "cache"),
        "NPM_CONFIG_UPDATE_NOTIFIER": "false",
    }
    argv = [npm, "publish", "--registry", registry, "--fetch-retries=0", "--loglevel=notice"]
    process = await asyncio.create_subprocess_exec(
        *argv,
        cwd=package,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode != 0
    return err.decode()
