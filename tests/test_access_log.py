"""The access log's own writer: one JSON object per line, whatever a client put in the fields,
written in batches, and never a secret."""

from __future__ import annotations

import asyncio
import io

import orjson

from publish_guard import logs


def _lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [orjson.loads(line) for line in stream.getvalue().split("\n") if line]


def test_each_request_is_one_json_line_whatever_its_fields_hold() -> None:
    stream = io.StringIO()
    logs.configure_logging("json", "info", stream)
    try:
        logs.log_request('a,"b"\\c', "GET", '/w,"x"\u2028é', 200, 0.0123, None)
        logs.log_request("id", "PUT token=s3cr3t-value", "/-/user/token/[REDACTED]", 401, 1, 401)
        logs.flush_access_log()
    finally:
        logs.configure_logging("console", "info", io.StringIO())
    first, second = _lines(stream)
    assert first["request_id"] == 'a,"b"\\c'
    assert first["path"] == '/w,"x"\u2028é'
    assert first["status"] == 200
    assert first["duration_ms"] == 12.3
    assert first["upstream_status"] is None
    assert (first["event"], first["level"]) == ("request", "info")
    assert str(first["timestamp"]).endswith("Z")
    assert "s3cr3t-value" not in stream.getvalue()
    assert second["upstream_status"] == 401


def test_lines_are_written_together_after_a_moment() -> None:
    stream = io.StringIO()
    logs.configure_logging("json", "info", stream)

    async def burst() -> tuple[str, str]:
        for index in range(50):
            logs.log_request(str(index), "GET", "/widget", 200, 0.001, 200)
        during = stream.getvalue()
        await asyncio.sleep(logs.AccessLines.FLUSH_AFTER * 3)
        return during, stream.getvalue()

    try:
        during, after = asyncio.run(burst())
    finally:
        logs.configure_logging("console", "info", io.StringIO())
    assert during == ""
    assert len(after.splitlines()) == 50
