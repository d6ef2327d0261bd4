"""Issue 7, done when: publish, collide and dev-publish with the real npm through the guard (in
front of the emulated Artifactory), then find it all in headless Chromium's rendered DOM (and a
screenshot under ``build/screenshots/``), in ``status.json`` and in the metrics; the status
token keeps those three closed while health stays open, and no secret shows on any of them.

Chromium is Debian's ``chromium`` (``scripts/bootstrap`` installs it), driven by playwright (no
browser of its own): it answers the page's Basic challenge the way a person answers the browser's
prompt, and takes full-page screenshots.
"""

from __future__ import annotations

import base64
import secrets
import shutil
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Response, sync_playwright
from playwright.sync_api import Error as PlaywrightError
from prometheus_client.parser import text_string_to_metric_families

from publish_guard.registry import Registry, RegistryConfig, create_registry_app, make_publish_body
from tests.harness.clients import unique_name
from tests.harness.factories import ClientFactory, GuardFactory
from tests.harness.http import HttpResponse, http_request
from tests.harness.servers import ServerThread

pytestmark = pytest.mark.e2e

SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = ["--disable-gpu", "--disable-quic", "--disable-background-networking"]
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
    wrong_token = _wrong(status_token)
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

    # the page in a real browser: its prompt for the 401's Basic challenge, unanswered then
    # answered, and the rendered DOM
    page_url = base + "-/guard/"
    with _chromium() as browser:
        with pytest.raises(PlaywrightError, match="ERR_INVALID_AUTH_CREDENTIALS"):
            _open(browser, page_url, None, width=1280)  # no page without the token
        answered, desktop = _open(browser, page_url, status_token, width=1280)
        assert answered.status == 200
        page = desktop.evaluate(READ_PAGE)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        desktop.screenshot(path=SCREENSHOTS / "status.png", full_page=True)
        desktop.emulate_media(color_scheme="dark")
        desktop.screenshot(path=SCREENSHOTS / "status-dark.png", full_page=True)
        _, phone = _open(browser, page_url, status_token, width=390, mobile=True)
        phone.screenshot(path=SCREENSHOTS / "status-phone.png", full_page=True)
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


def _wrong(token: str) -> str:
    """A token of the same length that differs from ``token`` in its last character."""
    return token[:-1] + ("y" if token.endswith("x") else "x")


@contextmanager
def _chromium() -> Iterator[Browser]:
    """Debian's Chromium, headless, driven by playwright."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


def _open(
    browser: Browser, url: str, password: str | None, *, width: int, mobile: bool = False
) -> tuple[Response, Page]:
    """Loads ``url`` at ``width`` CSS pixels in a browser context of its own; ``password``
    answers an auth challenge as a person at the browser's prompt would (the browser sends it
    only when challenged), ``None`` leaves the prompt unanswered."""
    context = browser.new_context(
        viewport={"width": width, "height": 800},
        device_scale_factor=1,
        is_mobile=mobile,
        http_credentials=None if password is None else {"username": "ops", "password": password},
    )
    page = context.new_page()
    answer = page.goto(url, wait_until="load")
    assert answer is not None
    return answer, page
