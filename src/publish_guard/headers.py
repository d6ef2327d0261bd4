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
    named = headers.getall("connection", ())
    if not named or (len(named) == 1 and named[0].lower() == "keep-alive"):
        return HOP_BY_HOP  # nearly every request and answer: nothing else to drop
    return HOP_BY_HOP | frozenset(
        token.strip().lower() for value in named for token in value.split(",") if token.strip()
    )


def end_to_end(
    headers: CIMultiDictProxy[str] | CIMultiDict[str], *, also_drop: Iterable[str] = ()
) -> CIMultiDict[str]:
    """A copy without hop-by-hop headers (nor those the ``Connection`` header names). Copied
    whole, then the few names dropped: both in multidict's C code, not a loop per header."""
    out = CIMultiDict(headers)
    drop = _dropped(headers)
    if also_drop:
        drop = drop | frozenset(name.lower() for name in also_drop)
    for name in drop:
        if name in out:
            del out[name]
    return out


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
