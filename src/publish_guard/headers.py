"""Which headers cross the guard (pure): hop-by-hop ones stop, everything else is kept."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from multidict import CIMultiDict, CIMultiDictProxy

HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)


def _dropped(headers: CIMultiDictProxy[str] | CIMultiDict[str]) -> frozenset[str]:
    if "connection" not in headers:
        return HOP_BY_HOP
    named = {
        token.strip().lower()
        for value in headers.getall("connection", [])
        for token in value.split(",")
        if token.strip()
    }
    return HOP_BY_HOP | frozenset(named)


def end_to_end(
    headers: CIMultiDictProxy[str] | CIMultiDict[str], *, also_drop: Iterable[str] = ()
) -> CIMultiDict[str]:
    """A copy without hop-by-hop headers (nor those the ``Connection`` header names)."""
    drop = _dropped(headers)
    if also_drop:
        drop = drop | frozenset(name.lower() for name in also_drop)
    return CIMultiDict([(k, v) for k, v in headers.items() if k.lower() not in drop])


def request_headers(
    incoming: CIMultiDictProxy[str],
    *,
    client_ip: str | None,
    scheme: str,
    host: str | None,
) -> CIMultiDict[str]:
    """Headers to send upstream: the client's own, less hop-by-hop and Host, plus X-Forwarded-*."""
    out = end_to_end(incoming, also_drop=("host",))
    forwarded_for = ", ".join([*incoming.getall("x-forwarded-for", []), client_ip or "unknown"])
    out["X-Forwarded-For"] = forwarded_for
    # an earlier proxy (an Ingress terminating TLS) knows the original scheme and host better
    out.setdefault("X-Forwarded-Proto", scheme)
    if host:
        out.setdefault("X-Forwarded-Host", host)
    return out


def response_headers(incoming: CIMultiDictProxy[str]) -> CIMultiDict[str]:
    """Headers to send back to the client (npm-notice and www-authenticate above all)."""
    return end_to_end(incoming)


_ASCII_SPELLING = str.maketrans(
    {
        "\u2192": "->",  # right arrow
        "\u2190": "<-",  # left arrow
        "\u2014": "-",  # em dash
        "\u2013": "-",  # en dash
        "\u2026": "...",  # ellipsis
        "\u2018": "'",  # quotation marks
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
    }
)


def notice_value(text: str) -> str:
    """A text as an ``npm-notice`` header that npm prints as written: Node reads header bytes as
    Latin-1, so anything beyond ASCII is spelt in ASCII ("→" as "->"), never sent as UTF-8."""
    if text.isascii():
        return text
    folded = unicodedata.normalize("NFKD", text.translate(_ASCII_SPELLING))
    return folded.encode("ascii", "ignore").decode("ascii")
