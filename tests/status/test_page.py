"""The status page template with the snapshots it must survive: a fresh process, an unreachable
upstream, several workers, and user input that must stay text."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from publish_guard.pages import TEMPLATES
from publish_guard.status.board import Board, Event
from publish_guard.status.routes import add_status_routes


def render(**changes: Any) -> str:
    app = web.Application()
    add_status_routes(app)
    board = Board(started=1_795_000_000.0, clock=lambda: 1_795_003_725.0)
    for event in changes.pop("events", ()):
        board.record(event)
    facts = board.snapshot()
    status: dict[str, Any] = {
        "guard": {
            "version": "0.1.0",
            **facts["process"],
            "workers": 1,
            "worker": None,
            "figures": "this process's own since it started",
        },
        "upstream": {
            "url": "https://registry.example/npm/",
            "flavor": None,
            "flavor_title": None,
            "flavor_detection": None,
            "health": {"checked": None, "reachable": None},
        },
        "shared_state": None,
        "counters": facts["counters"],
        "timeline": facts["timeline"],
        "events": facts["events"],
        "config": {
            "upstream": "https://registry.example/npm/",
            "status_token": "[set]",
            "public_url": "",
        },
    }
    for key, value in changes.items():
        status[key] = value if status.get(key) is None else {**status[key], **value}
    html: str = app[TEMPLATES].get_template("status.html").render(status=status, refresh=10)
    return html


def test_a_fresh_process_before_its_first_ping() -> None:
    html = render()
    assert '<meta http-equiv="refresh" content="10">' in html
    assert "not checked yet" in html
    assert "not detected yet" in html
    assert "up 1 h 2 min" in html
    assert "No publish yet since this process started." in html
    assert "no publishes in the last hour" in html
    assert "the only process serving the port" in html
    assert "<dd>[set]</dd>" in html


def test_an_unreachable_upstream_and_several_workers() -> None:
    html = render(
        upstream={
            "health": {
                "checked": "2026-11-21T05:00:00Z",
                "reachable": False,
                "status": None,
                "latency_ms": None,
                "detail": "connection refused",
            }
        },
        guard={"workers": 4, "worker": 2, "figures": "this process's own; 4 workers share it"},
    )
    assert "unreachable" in html
    assert "connection refused" in html
    assert "worker 2" in html
    assert "4 workers share it" in html
    assert "add the\ninstances up in Prometheus" in html


def test_user_input_stays_text() -> None:
    event = Event(
        time=1_795_003_700.0,
        outcome="refused",
        method="PUT",
        status=400,
        package="<img src=x onerror=alert(1)>",
        code="INVALID_PUBLISH",
        summary='"><script>alert(2)</script>',
        client="<svg onload=alert(3)>",
    )
    html = render(events=[event])
    assert "<img src=x" not in html
    assert "<script>alert" not in html
    assert "<svg onload" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert 'href="errors#INVALID_PUBLISH"' in html


def test_the_shared_state_down_shows_a_banner_and_the_replica_column() -> None:
    event = Event(time=1_795_003_700.0, outcome="published", method="PUT", status=201)
    shared = {
        "url": "redis://redis:6379/0",
        "reachable": False,
        "detail": "connection refused",
        "replica": "guard-7f9c/12",
    }
    html = render(events=[event], shared_state=shared)
    assert "The shared state (Redis) cannot be reached" in html
    assert "connection refused" in html
    assert "<th>Replica</th>" in html
    assert "guard-7f9c/12" in html
    assert "Counted since this process started" in html
    up = render(events=[event], shared_state={**shared, "reachable": True})
    assert "cannot be reached" not in up
    assert "Counted by every replica" in up
