"""A small synchronous HTTP client for tests: one request, the whole answer, never an exception
for an HTTP status. Proxies from the environment are ignored (everything is on loopback)."""

from __future__ import annotations

import json as _json
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import Any

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: Message
    body: bytes

    def json(self) -> Any:
        return _json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def http_request(
    method: str,
    url: str,
    *,
    json: Any = None,
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
    token: str | None = None,
    timeout: float = 30.0,
) -> HttpResponse:
    """Sends one request; ``json`` is encoded as the body, ``token`` becomes a Bearer header."""
    all_headers = {"accept": "application/json", **(headers or {})}
    if json is not None:
        data = _json.dumps(json).encode()
        all_headers.setdefault("content-type", "application/json")
    if token is not None:
        all_headers["authorization"] = f"Bearer {token}"
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"not an http(s) URL: {url}")
    request = urllib.request.Request(url, data=data, headers=all_headers, method=method)  # noqa: S310
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return HttpResponse(response.status, response.headers, response.read())
    except urllib.error.HTTPError as error:
        with error:
            return HttpResponse(error.code, error.headers, error.read())


def escape_package_name(name: str) -> str:
    """The package name as npm puts it in a URL path: ``@acme/widget`` → ``@acme%2fwidget``."""
    return name.replace("/", "%2f")


def raw_request(port: int, head: bytes, body: bytes = b"", *, timeout: float = 30.0) -> bytes:
    """Send bytes exactly as written (no client normalises the target) and read the answer
    until the server closes the connection; ``head`` ends before the blank line."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(head + b"\r\n\r\n" + body)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def settled_log(log: Path, last: HttpResponse, *, timeout: float = 10.0) -> str:
    """The guard's log once it holds the line of ``last`` (access lines are written in batches)."""
    request_id = last.headers.get("x-request-id") or ""
    assert request_id, "the last answer carries no request id"
    deadline = time.monotonic() + timeout
    while request_id not in (text := log.read_text(errors="replace")):
        assert time.monotonic() < deadline, f"the guard never logged {request_id}"
        time.sleep(0.05)
    return text
