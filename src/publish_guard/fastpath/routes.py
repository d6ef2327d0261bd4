"""Which requests the fast path sends straight to the registry (pure).

The guard passes most reads through untouched: package documents, tarballs, search and the
audit queries. nginx can serve those at its own speed, as long as it sends the guard everything
else — every write, ``/-/guard/``, ``/-/dev/``, the reads the guard answers itself — and every
target the guard would look at twice. So the rule is default-deny: a request goes straight to
the registry only when its method and raw target (``$request_uri``, before nginx decodes or
merges anything) match one of the shapes below; any other request, however it is spelled, goes
to the guard, which answers it as it always does (a climbing path is refused there).

Names are npm's URL-safe characters and never start with ``.`` or ``_``, so no segment of a
direct target can be ``.`` or ``..``, encoded or not; the only escapes allowed are a scope's
``%40`` and ``%2f``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NAME = r"[A-Za-z0-9~!*'()][A-Za-z0-9._~!*'()-]*"  # not "-": /-/ is the registry's API
_SCOPE = r"[A-Za-z0-9~-][A-Za-z0-9._~-]*"
_SLASH = r"(?:/|%2[fF])"
_PACKAGE = rf"(?:@|%40){_SCOPE}{_SLASH}{_NAME}|{_NAME}"
_FILE = r"[A-Za-z0-9~-][A-Za-z0-9._~+!-]*\.tgz"
_QUERY = r"(?:\?[A-Za-z0-9._~=&%+,-]*)?"
_SAFE_BASE = re.compile(r"^/(?:[A-Za-z0-9._~-]+/)*$")

# the npm-command values a direct request may carry (npm's commands); any other byte in it, a
# tab or a control character, sends the request to the guard, which reads headers its own way
NPM_COMMAND = r"[A-Za-z0-9 _-]"

SEARCH = r"/-/v1/search"
AUDITS = r"/-/npm/v1/security/(?:advisories/bulk|audits|audits/quick)"


class UnroutableBase(ValueError):
    """The registry's base path has characters the fast path will not put in a pattern."""


@dataclass(frozen=True, slots=True)
class Route:
    """One kind of request nginx sends straight to the registry: ``methods`` with a raw target
    that matches ``target`` entirely (query included)."""

    what: str
    methods: tuple[str, ...]
    target: str
    not_for_npm_command: str | None = None  # unless the npm-command header holds this word


def direct_routes(
    base_path: str, *, documents: bool, dev_mode: bool
) -> tuple[tuple[Route, ...], str | None]:
    """The routes that go straight to the registry, and the base-path prefix that is cut off a
    target before it is sent (``None`` when no prefix is cut).

    ``documents`` is False when the guard rewrites documents (``--public-url``): it must answer
    them. With dev mode on, npm's pre-publish read (``npm-command: publish``) of a document goes
    to the guard, which hides a dev scope's versions from it.
    """
    if not _SAFE_BASE.match(base_path):
        raise UnroutableBase(
            f"the registry's base path {base_path!r} has characters other than letters, digits "
            "and ._~- between slashes"
        )
    prefix = base_path.rstrip("/") if base_path.count("/") > 2 else None
    optional = f"(?:{re.escape(prefix)})?" if prefix else ""
    routes = [
        Route(
            "tarball",
            ("GET", "HEAD"),
            rf"{optional}/(?:{_PACKAGE})/-/(?:@{_SCOPE}/)?{_FILE}{_QUERY}",
        ),
        Route("search", ("GET",), SEARCH + _QUERY),
        Route("audit", ("POST",), AUDITS + _QUERY),
    ]
    if documents:
        routes.insert(
            0,
            Route(
                "document",
                ("GET", "HEAD"),
                rf"{optional}/(?:{_PACKAGE}){_QUERY}",
                "publish" if dev_mode else None,
            ),
        )
    return tuple(routes), prefix


def matches(routes: tuple[Route, ...], method: str, target: str, npm_command: str = "") -> bool:
    """Whether nginx sends this request straight to the registry (what the patterns of
    ``nginx.conf`` say, for tests and for ``--explain``)."""
    for route in routes:
        if method not in route.methods or not re.fullmatch(route.target, target):
            continue
        if not re.fullmatch(f"{NPM_COMMAND}*", npm_command):
            continue
        if route.not_for_npm_command is not None and route.not_for_npm_command in npm_command:
            continue
        return True
    return False
