"""Issue 7, done when: publish, collide and dev-publish with the real npm through the guard (in
front of the emulated Artifactory), then find it all in headless Chromium's rendered DOM (and a
screenshot under ``build/screenshots/``), in ``status.json`` and in the metrics; the status
token keeps those three closed while health stays open, and no secret shows on any of them.

Chromium is Debian's ``chromium`` (``scripts/bootstrap`` installs it), driven over the DevTools
protocol with aiohttp's websocket client: it answers the page's Basic challenge the way a person
answers the browser's prompt, and takes full-page screenshots.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import math
import os
import secrets
import shutil
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from publish_guard.registry import Registry, RegistryConfig, create_registry_app, make_publish_body
from tests.harness.clients import unique_name
from tests.harness.factories import ClientFactory, GuardFactory
from tests.harness.http import HttpResponse, http_request
from tests.harness.servers import ServerThread

pytestmark = pytest.mark.e2e

SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-port=0",
)
# a package name and a user-agent that would run script if the page did not escape them
HOSTILE_NAME = '<img src=x onerror="window.pwned=1">'
HOSTILE_PATH = HOSTILE_NAME.replace(" ", "%20")  # no package name: an unknown write
HOSTILE_AGENT = "<script>window.pwned=2</script>/1.0"

# what the page shows, read from the rendered DOM in the browser
READ_PAGE = """(() => ({
  text: document.body.innerText,
  refresh: document.querySelector('meta[http-equiv="refresh"]')?.content ?? null,
  tiles: Object.fromEntries([...document.querySelectorAll('#publish-counters [data-outcome]')]
    .map(tile => [tile.dataset.outcome, Number(tile.querySelector('.n').textContent)])),
  legend: Object.fromEntries([...document.querySelectorAll('.legend b[data-outcome]')]
    .map(b => [b.dataset.outcome, Number(b.textContent)])),
  events: [...document.querySelectorAll('tr.event')]
    .map(row => ({outcome: row.dataset.outcome, text: row.innerText})),
  codeLinks: [...document.querySelectorAll('a[href*="errors#"]')].map(a => a.href),
  bars: [...document.querySelectorAll('.chart rect')].map(r => r.getAttribute('class')),
  injected: document.querySelectorAll('main img, main script').length,
  pwned: window.pwned ?? null,
}))()"""


@pytest.fixture(scope="module")
def artifactory() -> Iterator[tuple[Registry, ServerThread]]:
    registry = Registry(RegistryConfig(flavor="artifactory"))
    with ServerThread(partial(create_registry_app, registry)) as server:
        yield registry, server


def test_the_status_page_shows_what_the_guard_did(
    artifactory: tuple[Registry, ServerThread],
    guard: GuardFactory,
    client: ClientFactory,
    tmp_path: Path,
) -> None:
    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed (scripts/bootstrap installs it)")
    registry, upstream = artifactory
    npm_token = registry.add_user("status-page-user").token
    status_token = "status-" + secrets.token_urlsafe(24)
    server = guard(
        registry.npm_url(upstream.url),
        *("--dev-mode", "always", "--dev-tag", "dev", "--status-token", status_token),
    )
    base = server.url
    npm = client("npm", base, npm_token)
    name = unique_name("status-page")

    # what the page is about: a publish, a collision and a dev publish, by the real npm
    npm.publish(npm.make_package(name, "1.0.0")).check()
    collision = npm.publish(
        npm.make_package(name, "1.0.0", files={"index.js": "// changed\n"}), "--force"
    )
    assert not collision.ok
    assert "E403" in collision.output
    dev = npm.publish(npm.make_package(name, "1.1.0"), "--tag", "dev").check()
    assert f"{name}@1.1.0-dev.0" in dev.output
    # and a refused write the page must show without running it
    hostile = http_request(
        "PUT",
        base + HOSTILE_PATH,
        json=make_publish_body("hostile", "1.0.0"),
        headers={"user-agent": HOSTILE_AGENT},
    )
    assert hostile.status == 405

    # without the token: 401 (a browser's prompt) on all three; health stays open
    for path, accept in [("-/guard/", "text/html"), *_DATA]:
        closed = http_request("GET", base + path, headers={"accept": accept})
        assert closed.status == 401, path
        assert closed.headers["WWW-Authenticate"].startswith("Basic "), path
    wrong_token = status_token[:-1] + ("x" if not status_token.endswith("x") else "y")
    wrong = http_request("GET", base + "-/guard/status.json", token=wrong_token)
    assert wrong.status == 401
    for path in ("-/guard/healthz", "-/guard/readyz"):
        assert http_request("GET", base + path).status == 200, path

    # with it: metrics first, then status.json, so that the JSON counts the metrics request
    metrics_answer = _get(base + "-/guard/metrics", status_token)
    facts_answer = _get(base + "-/guard/status.json", status_token)
    page_answer = _get(base + "-/guard/", status_token, accept="text/html")
    facts = facts_answer.json()
    metrics = _metrics(metrics_answer.text)

    expected = {"published": 1, "identical": 0, "rewritten": 1, "refused": 2, "failed": 0}
    assert facts["counters"]["publishes"] == expected
    assert facts["counters"]["by_code"] == {"VERSION_EXISTS": 1, "UNKNOWN_WRITE": 1}
    assert [(e["package"], e["version"], e["outcome"], e["code"]) for e in facts["events"]] == [
        (HOSTILE_PATH, None, "refused", "UNKNOWN_WRITE"),
        (name, "1.1.0-dev.0", "rewritten", None),
        (name, "1.0.0", "refused", "VERSION_EXISTS"),
        (name, "1.0.0", "published", None),
    ]
    assert facts["events"][1]["original_version"] == "1.1.0"
    assert facts["events"][1]["client"].startswith("npm ")
    assert facts["events"][2]["summary"].startswith("You cannot publish over")
    assert sum(row["refused"] for row in facts["timeline"]) == 2
    assert facts["upstream"]["flavor"] == "artifactory"
    assert facts["upstream"]["health"]["reachable"] is True
    assert facts["config"]["status_token"] == "[set]"

    # the metrics count the same publishes, and the same requests but for this JSON request
    by_outcome = Counter[str]()
    for labels, value in metrics["publish_guard_publish_outcomes_total"]:
        by_outcome[labels["outcome"]] += int(value)
    assert {o: by_outcome[o] for o in expected} == expected
    assert metrics["publish_guard_dev_rewrites_total"] == [({}, 1.0)]
    by_code = {
        labels["code"]: int(value)
        for labels, value in metrics["publish_guard_publish_outcomes_total"]
        if labels["code"]
    }
    assert by_code == facts["counters"]["by_code"]
    requests = Counter[str]()
    for labels, value in metrics["publish_guard_requests_total"]:
        requests[labels["status_class"]] += int(value)
    requests["2xx"] += 1  # the metrics request itself, counted once it was answered
    assert dict(requests) == facts["counters"]["requests_by_class"]
    assert facts["counters"]["requests"] == sum(requests.values())
    assert metrics["publish_guard_upstream_up"] == [({}, 1.0)]
    assert metrics["publish_guard_publish_check_seconds_count"][0][1] >= 2

    # the page in a real browser: a 401 challenge answered at its prompt, then the rendered DOM
    with _Chromium(tmp_path / "chromium") as chromium:
        challenges = chromium.open(base + "-/guard/", username="ops", password=status_token)
        page = chromium.evaluate(READ_PAGE)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        chromium.screenshot(SCREENSHOTS / "status.png", width=1280)
        chromium.screenshot(SCREENSHOTS / "status-dark.png", width=1280, dark=True)
        chromium.screenshot(SCREENSHOTS / "status-phone.png", width=390, mobile=True)
    assert [c["scheme"].lower() for c in challenges] == ["basic"]
    assert page["refresh"] == "10"
    assert page["tiles"] == expected
    assert page["legend"] == expected
    # one rect per outcome per busy minute (two minutes if the publishes straddled one)
    bars = Counter(f"o-{o}" for row in facts["timeline"] for o in expected if row[o])
    assert Counter(page["bars"]) == bars
    assert set(bars) == {"o-published", "o-rewritten", "o-refused"}
    text = page["text"]
    for shown in (
        f"{name}@1.1.0-dev.0",
        "dev: 1.1.0 → 1.1.0-dev.0",
        f"{name}@1.0.0",
        "VERSION_EXISTS",
        "You cannot publish over",
        HOSTILE_PATH,
        "<script>window.pwned=2<",
        "Artifactory",
        "reachable",
        "pid " + str(facts["guard"]["pid"]),
        "this process's own",
        registry.npm_url(upstream.url),
    ):
        assert shown in text, shown
    assert [event["outcome"] for event in page["events"]] == [
        event["outcome"] for event in facts["events"]
    ]
    assert "npm " in page["events"][1]["text"]
    assert base + "-/guard/errors#VERSION_EXISTS" in page["codeLinks"]
    assert page["injected"] == 0
    assert page["pwned"] is None

    # no secret on any of the three, raw bodies searched
    basic = base64.b64encode(f"ops:{status_token}".encode()).decode()
    for body in (page_answer.text, page["text"], facts_answer.text, metrics_answer.text):
        for secret in (npm_token, status_token, basic):
            assert secret not in body


_DATA = [("-/guard/status.json", "application/json"), ("-/guard/metrics", "text/plain")]


def _get(url: str, token: str, accept: str = "*/*") -> HttpResponse:
    answer = http_request("GET", url, token=token, headers={"accept": accept})
    assert answer.status == 200, (url, answer.status, answer.text)
    return answer


def _metrics(text: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    """Every sample by its name, parsed by prometheus-client's own parser."""
    samples: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append((sample.labels, sample.value))
    return samples


class _Chromium:
    """Headless Chromium over the DevTools protocol; its calls block, the browser runs beside."""

    def __init__(self, profile: Path) -> None:
        assert CHROMIUM is not None
        profile.mkdir(parents=True)
        self._log = (profile.parent / "chromium.log").open("wb")
        self._process = subprocess.Popen(
            [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, ended as one
        )
        self._profile = profile
        self._loop = asyncio.new_event_loop()
        self._session: aiohttp.ClientSession | None = None
        self._socket: aiohttp.ClientWebSocketResponse | None = None
        self._ids = 0
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._reader: asyncio.Task[None] | None = None

    def __enter__(self) -> _Chromium:
        try:
            self._run(self._connect())
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def open(self, url: str, *, username: str, password: str) -> list[dict[str, Any]]:
        """Loads ``url``, answering each auth challenge as a person at the prompt would;
        returns the challenges seen."""
        challenges: list[dict[str, Any]] = self._run(self._open(url, username, password))
        return challenges

    def evaluate(self, expression: str) -> Any:
        answer = self._run(
            self._send("Runtime.evaluate", expression=expression, returnByValue=True)
        )
        assert "exceptionDetails" not in answer, answer
        return answer["result"].get("value")

    def screenshot(
        self, path: Path, *, width: int, mobile: bool = False, dark: bool = False
    ) -> None:
        """The whole page at ``width`` CSS pixels, in light or dark mode, as PNG."""
        path.write_bytes(self._run(self._screenshot(width, mobile, dark)))

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._run(self._disconnect())
        self._loop.close()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._process.pid, signal.SIGTERM)
        try:
            self._process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(self._process.pid, signal.SIGKILL)
            self._process.wait()
        self._log.close()

    def _run(self, coroutine: Any) -> Any:
        return self._loop.run_until_complete(asyncio.wait_for(coroutine, 30))

    async def _connect(self) -> None:
        port_file = self._profile / "DevToolsActivePort"
        deadline = time.monotonic() + 20
        while not port_file.is_file() or not port_file.read_text().strip():
            if self._process.poll() is not None or time.monotonic() > deadline:
                log = (self._profile.parent / "chromium.log").read_text(errors="replace")
                raise AssertionError(f"chromium did not start:\n{log[-3000:]}")
            await asyncio.sleep(0.05)
        port = int(port_file.read_text().split()[0])
        self._session = aiohttp.ClientSession(trust_env=False)
        async with self._session.get(f"http://127.0.0.1:{port}/json/list") as answer:
            targets = await answer.json()
        page = next(target for target in targets if target["type"] == "page")
        self._socket = await self._session.ws_connect(page["webSocketDebuggerUrl"], max_msg_size=0)
        self._reader = asyncio.create_task(self._read(self._socket))

    async def _disconnect(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
        if self._socket is not None:
            await self._socket.close()
        if self._session is not None:
            await self._session.close()

    async def _read(self, socket: aiohttp.ClientWebSocketResponse) -> None:
        async for message in socket:
            data = json.loads(message.data)
            if "id" in data:
                self._pending.pop(data["id"]).set_result(data)
            else:
                self._events.put_nowait(data)

    async def _send(self, method: str, **params: Any) -> dict[str, Any]:
        assert self._socket is not None
        self._ids += 1
        answer = self._pending[self._ids] = self._loop.create_future()
        await self._socket.send_json({"id": self._ids, "method": method, "params": params})
        data = await answer
        assert "error" not in data, (method, data["error"])
        result: dict[str, Any] = data["result"]
        return result

    async def _open(self, url: str, username: str, password: str) -> list[dict[str, Any]]:
        await self._send("Page.enable")
        await self._send("Fetch.enable", handleAuthRequests=True)
        navigation = asyncio.create_task(self._send("Page.navigate", url=url))
        challenges = []
        while True:
            event = await self._events.get()
            params = event.get("params", {})
            if event["method"] == "Fetch.requestPaused":
                await self._send("Fetch.continueRequest", requestId=params["requestId"])
            elif event["method"] == "Fetch.authRequired":
                challenges.append(params["authChallenge"])
                answer = {"response": "ProvideCredentials", "username": username}
                await self._send(
                    "Fetch.continueWithAuth",
                    requestId=params["requestId"],
                    authChallengeResponse={**answer, "password": password},
                )
            elif event["method"] == "Page.loadEventFired":
                break
        await navigation
        await self._send("Fetch.disable")
        return challenges

    async def _screenshot(self, width: int, mobile: bool, dark: bool) -> bytes:
        scheme = {"name": "prefers-color-scheme", "value": "dark" if dark else "light"}
        await self._send("Emulation.setEmulatedMedia", features=[scheme])
        viewport = {"width": width, "deviceScaleFactor": 1, "mobile": mobile}
        await self._send("Emulation.setDeviceMetricsOverride", height=800, **viewport)
        layout = await self._send("Page.getLayoutMetrics")
        height = math.ceil(layout["cssContentSize"]["height"])
        await self._send("Emulation.setDeviceMetricsOverride", height=height, **viewport)
        shot = await self._send("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        return base64.b64decode(shot["data"])
