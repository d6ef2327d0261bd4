"""What two runs of one command must share, and what may differ by design.

- The registry receives the same requests through the guard as directly: method, path, query,
  body bytes and headers, except hop-by-hop ones, ``X-Forwarded-*``, ``Host`` (each world's
  own), ``npm-session`` (random per run) and the framing (``Content-Length``: the bodies are
  compared byte for byte). Writes compare one for one. Reads compare as the set of distinct
  reads, without their conditional headers: clients race their own reads (yarn's audit asks
  for deprecations while it asks for the report, and exits on a failed report with some of
  them in flight or not yet sent), so how many times one document was read, and whether from
  a cache, is the client's business. The guard's own look-ups (``publish-guard/…`` user agent)
  are reads and are set apart.
- Through the guard, the client gets what the registry answered: status, headers (but
  hop-by-hop ones, ``Date``, ``Server`` and the guard's ``X-Request-Id``) and body — except
  where the guard answers by design, which must be a JSON answer of its own (a ``code``).
- The command ends the same way (exit code, and its output once ports, times, tokens and
  folders are taken out).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

import orjson

from tests.harness.clients import Result
from tests.harness.recorder import HOP_BY_HOP, TAG_HEADER, Exchange
from tests.transparency.world import World

_CONDITIONAL = frozenset({"if-none-match", "if-modified-since"})
REQUEST_HEADERS_APART = HOP_BY_HOP | {
    "host",
    "x-forwarded-for",
    "x-forwarded-proto",
    "x-forwarded-host",
    "npm-session",
    "content-length",
    TAG_HEADER,
}
RESPONSE_HEADERS_APART = HOP_BY_HOP | {"date", "server", "x-request-id", "content-length"}
GUARD_AGENT = "publish-guard/"
_DURATION = re.compile(r"\b\d+(?:\.\d+)?\s?(?:ms|s|m)\b")
_PUBLISHED_AGO = re.compile(r"published (?:just now|an? \w+ ago|\d+ \w+ ago|<t> ago)")
_STEP_TIME = re.compile(r"(└ Completed) in <t>(?: <t>)?")
_SPINNER = re.compile(r"[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]")
# yarn's audit sends its report request and, before awaiting it, reads the packages' documents
# for deprecations: a report that fails before those reads end is an unhandled rejection (Node
# prints the raw error and its stack), one that fails after them is reported (YN0035 lines). Which
# one depends on which answer comes first — timing, not behaviour: both print as one form.
_YARN_UNHANDLED = re.compile(
    r"\A[^\n]*/yarn\.js:\d+\n[^\n]*\n[ \t^]*\n\s*"  # where it was thrown: file, line, caret
    r"\w+ \[Error\]: (?P<message>[^\n]*)\n(?:    at [^\n]*\n)+  reportExtra: \[Function[^\n]*\n"
    r"  reportCode: (?P<code>\d+),\n  originalError: \w+ \[HTTPError\]: Response code "
    r"(?P<status>\d+ \([^)\n]*\))\n.*^Node\.js v[\d.]+\s*\Z",
    re.DOTALL | re.MULTILINE,
)
_YARN_REPORTED = re.compile(
    r"\A➤ YN(?P<code>\d{4}): (?P<message>[^\n]*)\n➤ YN(?P=code):   Response Code: "
    r"(?P<status>\d+ \([^)\n]*\))\n(?:➤ YN(?P=code):   Request (?:Method|URL): [^\n]*\n)*\n"
    r"➤ Errors happened when preparing the environment required to run this command\.\n"
    r"➤ This might be caused by [^\n]*\s*\Z"
)
# the request timings yarn prints when it dies on an HTTP error
_TIMINGS = re.compile(
    r"\b(start|socket|lookup|connect|upload|response|end|wait|dns|tcp|request|firstByte|"
    r"download|total): \d+"
)


@dataclass
class Run:
    """One world's run of a command."""

    results: list[Result]
    received: list[Exchange]  # at the registry
    seen: list[Exchange] = field(default_factory=list)  # at the client, through the guard


def request_key(
    world: World, exchange: Exchange, *, plain_documents: bool = False
) -> tuple[object, ...]:
    """``plain_documents``: the guard rewrites tarball URLs (``--public-url``) and so asks for
    package documents uncompressed, by design: their ``Accept-Encoding`` is set apart."""
    apart = REQUEST_HEADERS_APART
    if exchange.method in ("GET", "HEAD"):
        apart = apart | _CONDITIONAL
    if plain_documents and exchange.method in ("GET", "HEAD") and _is_document(exchange.path):
        apart = apart | {"accept-encoding"}
    headers = tuple(
        sorted(
            (name, _header_value(world, name, value))
            for name, value in exchange.headers
            if name not in apart
        )
    )
    return (
        exchange.method,
        world.normalise(exchange.path.encode()).decode(),
        world.normalise(exchange.query.encode()).decode(),
        headers,
        world.normalise(exchange.body),
    )


def _is_document(path: str) -> bool:
    return not path.startswith("/-/") and "/-/" not in path and "/-rev/" not in path


def guards_own(exchange: Exchange) -> bool:
    return (exchange.header("user-agent") or "").startswith(GUARD_AGENT)


def output_of(world: World, result: Result) -> tuple[int, str]:
    text = world.normalise(result.output.encode()).decode()
    text = _SPINNER.sub("", _DURATION.sub("<t>", _TIMINGS.sub(r"\1: <t>", text)))
    # yarn adds "in <duration>" to a step only when it took long enough: timing, not behaviour
    text = _STEP_TIME.sub(r"\1", text)
    text = _PUBLISHED_AGO.sub("published <when>", text)  # npm view: the run's own clock
    text = _yarn_http_failure(text)
    return result.returncode, "\n".join(line.rstrip() for line in text.splitlines())


def _yarn_http_failure(text: str) -> str:
    """One form for yarn's two renderings of a failed request (its code, message and status;
    the request itself is compared at the registry)."""
    found = _YARN_UNHANDLED.match(text) or _YARN_REPORTED.match(text)
    if found is None:
        return text
    code = f"YN{int(found['code']):04d}"
    return f"{code}: {found['message']}\n{code}: Response Code: {found['status']}"


def differences(
    direct: tuple[World, Run], guarded: tuple[World, Run], allowed: frozenset[str] = frozenset()
) -> list[str]:
    """Everything that differs between the two runs and is not allowed to. ``allowed``: codes
    of the guard's own answers the step expects (by design); any other answer of the guard's
    own is a difference."""
    (dw, d), (gw, g) = direct, guarded
    problems: list[str] = [
        f"the guard's own request is a write: {e.method} {e.path}"
        for e in g.received
        if guards_own(e) and e.method not in ("GET", "HEAD")
    ]
    behind = {e.tag: e for e in g.received if e.tag is not None}
    explained: set[str | None] = set()  # forwarded, and the refusal explained by the guard
    kept: set[str | None] = set()  # answered by the guard alone, by design
    for seen in g.seen:
        upstream = behind.get(seen.tag) if seen.tag is not None else None
        code = _guard_code(seen)
        if upstream is None:
            if code in allowed:
                kept.add(seen.tag)
            else:
                problems.append(
                    f"{seen.method} {seen.path}: the guard answered {seen.status} {code or ''} "
                    f"without asking the registry: {seen.response_body[:300]!r}"
                )
        elif code is not None and upstream.response_body != seen.response_body:
            if seen.status == upstream.status and upstream.status >= 400:
                explained.add(seen.tag)  # a refused write, explained with the registry's status
            else:
                problems.append(
                    f"{seen.method} {seen.path}: the registry answered {upstream.status}, the "
                    f"guard {seen.status} {code}: {seen.response_body[:300]!r}"
                )
        else:
            problems += _same_answer(gw, seen, upstream)
    plain = gw.plain_documents
    want = Counter(request_key(dw, e, plain_documents=plain) for e in d.received)
    # what the guard answered by design without asking the registry, the registry got directly
    want -= Counter(
        request_key(dw, e, plain_documents=plain) for e in _matching(d.received, g.seen, kept, gw)
    )
    got = Counter(
        request_key(gw, e, plain_documents=plain) for e in g.received if not guards_own(e)
    )
    want, got = _distinct_reads(want), _distinct_reads(got)
    for key in sorted((want - got).elements(), key=repr):
        problems.append(f"the registry did not get through the guard: {_show(key)}")
    for key in sorted((got - want).elements(), key=repr):
        problems.append(f"the registry got only through the guard: {_show(key)}")
    for dr, gr in zip(d.results, g.results, strict=True):
        if dr.returncode != gr.returncode:
            problems.append(
                f"`{_argv(dr)}` exited {dr.returncode} directly, {gr.returncode} "
                f"through the guard\n{gr.output[-2000:]}"
            )
        elif not (explained or kept) and output_of(dw, dr)[1] != output_of(gw, gr)[1]:
            problems.append(
                f"`{_argv(dr)}` printed otherwise through the guard:\n--- direct\n"
                f"{output_of(dw, dr)[1][-1500:]}\n--- through the guard\n"
                f"{output_of(gw, gr)[1][-1500:]}"
            )
    return problems


def _distinct_reads(keys: Counter[tuple[object, ...]]) -> Counter[tuple[object, ...]]:
    return Counter({k: 1 if k[0] in ("GET", "HEAD") else n for k, n in keys.items()})


def _same_answer(gw: World, seen: Exchange, upstream: Exchange) -> list[str]:
    """The client got what the registry answered (with ``--public-url`` a document's tarball
    URLs name the guard: the hosts are set apart)."""
    problems = []
    sent_body, got_body = gw.normalise(upstream.response_body), gw.normalise(seen.response_body)
    if (seen.status, got_body) != (upstream.status, sent_body):
        problems.append(
            f"{seen.method} {seen.path}: the registry answered {upstream.status} "
            f"{upstream.response_body[:200]!r}, the client got {seen.status} "
            f"{seen.response_body[:200]!r}"
        )
    sent, got = _headers(gw, upstream.response_headers), _headers(gw, seen.response_headers)
    if sent != got:
        problems.append(f"{seen.method} {seen.path}: answer headers {sent} became {got}")
    return problems


def _guard_code(seen: Exchange) -> str | None:
    """The code of an answer the guard made itself, ``None`` for any other answer."""
    try:
        body = orjson.loads(seen.response_body)
    except orjson.JSONDecodeError:
        return None
    if isinstance(body, dict) and "code" in body and "request_id" in body:
        return str(body["code"])
    return None


def _matching(
    direct: list[Exchange], seen: list[Exchange], tags: set[str | None], gw: World
) -> list[Exchange]:
    """The direct run's requests that correspond to the guard's own answers."""
    wanted = Counter((e.method, gw.normalise(e.path.encode())) for e in seen if e.tag in tags)
    out = []
    for exchange in direct:
        key = (exchange.method, gw.normalise(exchange.path.encode()))
        if wanted[key] > 0:
            wanted[key] -= 1
            out.append(exchange)
    return out


def _headers(world: World, headers: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
    return sorted(
        (k, _header_value(world, k, v)) for k, v in headers if k not in RESPONSE_HEADERS_APART
    )


def _header_value(world: World, name: str, value: str) -> str:
    """A header as it compares: an entity tag hashes a document whose times differ between the
    two registries, so only its presence counts."""
    if name in ("etag", "if-none-match"):
        return "<etag>"
    return world.normalise(value.encode()).decode()


def _show(key: tuple[object, ...]) -> str:
    method, path, query, headers, body = key
    assert isinstance(body, bytes)
    return f"{method} {path}{'?' + str(query) if query else ''} {headers} body={body[:300]!r}"


def _argv(result: Result) -> str:
    return " ".join(result.argv[-4:])
