"""The answers a publish gets: the upstream's, relayed, or the guard's own success."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from aiohttp import web
from multidict import CIMultiDict

from publish_guard.explain import GuardError
from publish_guard.flavors import Flavor
from publish_guard.headers import notice_value


@dataclass(frozen=True, slots=True)
class UpstreamAnswer:
    """What the upstream said to the forwarded publish."""

    status: int
    reason: str
    headers: CIMultiDict[str]
    body: bytes


def success(package: str, version: str, notice: str, **extra: Any) -> web.Response:
    body = {
        "ok": True,
        "success": True,
        "id": package,
        "version": version,
        "notice": notice,
        **extra,
    }
    return web.Response(
        body=orjson.dumps(body),
        status=200,
        content_type="application/json",
        headers={"npm-notice": notice_value(notice)},
    )


def relay(answer: UpstreamAnswer) -> web.Response:
    response = web.Response(status=answer.status, reason=answer.reason, body=answer.body)
    response.headers.extend(
        (k, v) for k, v in answer.headers.items() if k.lower() not in ("content-length",)
    )
    return response


def upstream_facts(answer: UpstreamAnswer, flavor: Flavor) -> dict[str, Any]:
    return {
        "status": answer.status,
        "flavor": flavor.key,
        "said": answer.body[:500].decode("utf-8", "replace"),
    }


def short_cause(failure: GuardError, answer: UpstreamAnswer | None = None) -> str:
    """What went wrong, as a clause to follow "was NOT published: "."""
    if answer is not None:
        return f"the registry answered {answer.status} {answer.reason}".strip()
    return failure.text.render_clause(failure.record)
