"""What a request binds to its log lines: the request id, then a write's package and version,
on structlog's lines and the access line alike, in the tasks it starts, redacted like the rest,
and gone when the next request starts."""

from __future__ import annotations

import asyncio
import contextvars
import io
import logging
from collections.abc import Callable, Iterator
from typing import Any

import orjson
import pytest
import structlog

from publish_guard import logs
from publish_guard.redact import bind_request_secrets

Lines = Callable[[], list[dict[str, Any]]]


@pytest.fixture
def lines() -> Iterator[Lines]:
    """JSON logs into a string; each test runs its requests in a context of its own."""
    stream = io.StringIO()
    logs.configure_logging("json", "info", stream)

    def read() -> list[dict[str, Any]]:
        logs.flush_access_log()
        return [orjson.loads(line) for line in stream.getvalue().splitlines()]

    try:
        yield read
    finally:
        logs.configure_logging("console", "info", io.StringIO())


def _in_own_context(run: Callable[[], None]) -> None:
    contextvars.copy_context().run(run)


def test_a_writes_lines_carry_its_request_package_and_version(lines: Lines) -> None:
    log = structlog.get_logger("test.log_context")  # a logger first used under this config

    def request() -> None:
        logs.bind_request("req-1")
        log.info("before_the_package")
        logs.bind_package("@acme/widget")
        logs.bind_package("@acme/widget", "1.0.0")
        log.info("refused", code="VERSION_EXISTS")
        logs.log_request("req-1", "PUT", "/@acme%2fwidget", 403, 0.01, None)

    _in_own_context(request)
    before, refused, access = lines()
    assert before["request_id"] == "req-1"
    assert "package" not in before
    assert "version" not in before
    for line in (refused, access):
        assert (line["request_id"], line["package"], line["version"]) == (
            "req-1",
            "@acme/widget",
            "1.0.0",
        )
    assert refused["code"] == "VERSION_EXISTS"
    assert (access["event"], access["status"]) == ("request", 403)


def test_a_dev_rewrite_names_the_version_as_published_and_the_one_sent(lines: Lines) -> None:
    def request() -> None:
        logs.bind_request("req-dev")
        logs.bind_package("widget", "1.1.0")
        logs.bind_package("widget", "1.1.0-dev.0", "1.1.0")
        logs.log_request("req-dev", "PUT", "/widget", 200, 0.01, 201)

    _in_own_context(request)
    [access] = lines()
    assert (access["version"], access["original_version"]) == ("1.1.0-dev.0", "1.1.0")


def test_the_next_request_on_the_same_task_starts_afresh(lines: Lines) -> None:
    log = structlog.get_logger("test.log_context")

    def two_requests() -> None:
        logs.bind_request("first")
        logs.bind_package("widget", "1.0.0")
        log.info("published")
        logs.bind_request("second")
        log.info("something_else")
        logs.log_request("second", "GET", "/widget", 200, 0.001, 200)

    _in_own_context(two_requests)
    first, later, access = lines()
    assert (first["request_id"], first["package"]) == ("first", "widget")
    for line in (later, access):
        assert line["request_id"] == "second"
        assert "package" not in line
        assert "version" not in line


def test_tasks_a_request_starts_carry_its_names(lines: Lines) -> None:
    log = structlog.get_logger("test.log_context")

    async def request(request_id: str, package: str) -> None:
        logs.bind_request(request_id)
        logs.bind_package(package, "1.0.0")
        await asyncio.create_task(_look_up(log))

    async def two_at_once() -> None:
        # as aiohttp runs them: each request in a task of its own, side by side
        await asyncio.gather(request("a", "alpha"), request("b", "beta"))

    _in_own_context(lambda: asyncio.run(two_at_once()))
    found = {(line["request_id"], line["package"]) for line in lines()}
    assert found == {("a", "alpha"), ("b", "beta")}


async def _look_up(log: Any) -> None:
    await asyncio.sleep(0)
    log.info("looked_up")


def test_bound_names_are_redacted_like_every_other_field(lines: Lines) -> None:
    log = structlog.get_logger("test.log_context")
    own = "s3cr3t-of-this-request"
    npm_token = "npm_" + "A1b2C3d4" * 5

    def request() -> None:
        logs.bind_request("req-secret")
        bind_request_secrets((own,))
        logs.bind_package(f"pkg-{own}", f"1.0.0-{npm_token}")
        log.info("refused")
        logs.log_request("req-secret", "PUT", "/pkg", 403, 0.01, None)

    _in_own_context(request)
    refused, access = lines()
    for line in (refused, access):
        assert line["package"] == "pkg-[redacted]"
        assert npm_token not in line["version"]
        assert "[redacted]" in line["version"]
        assert own not in orjson.dumps(line).decode()


def test_the_lines_of_aiohttps_own_loggers_name_the_request_too(lines: Lines) -> None:
    def request() -> None:
        logs.bind_request("req-stdlib")
        logs.bind_package("widget", "1.0.0")
        logging.getLogger("aiohttp.server").error("Error handling request")

    _in_own_context(request)
    [line] = lines()
    assert (line["request_id"], line["package"], line["version"]) == (
        "req-stdlib",
        "widget",
        "1.0.0",
    )
    assert (line["logger"], line["event"]) == ("aiohttp.server", "Error handling request")
