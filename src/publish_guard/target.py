"""Request targets that may be forwarded: the guard is never an open proxy.

Pure functions. A target is forwarded byte-exact under the upstream's base path, so it must be
origin-form (``/path?query``) and must not be able to climb out of that base, however it is
encoded: ``..`` and ``.`` segments (also as ``%2e``, doubly encoded, or via encoded slashes),
Tomcat-style ``..;`` path parameters, backslashes, NUL and other control bytes are all refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

_DECODE_ROUNDS = 4
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class UnsafeTarget(ValueError):
    """The request target must not be forwarded; ``reason`` says why in plain words."""

    def __init__(self, reason: str, *, not_a_proxy: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.not_a_proxy = not_a_proxy


@dataclass(frozen=True, slots=True)
class Target:
    path: str  # raw, still percent-encoded, starting with "/"
    query: str  # raw, without "?"; "" when absent

    @property
    def relative(self) -> str:
        """The raw target without its leading '/', ready to join under a base path."""
        rel = self.path[1:]
        return f"{rel}?{self.query}" if self.query else rel


def check_target(method: str, raw_target: str) -> Target:
    """Validate an HTTP request target; raise ``UnsafeTarget`` if it must not be forwarded."""
    if method.upper() == "CONNECT":
        raise UnsafeTarget("CONNECT tunnels are not offered", not_a_proxy=True)
    if not raw_target.startswith("/"):
        raise UnsafeTarget("absolute-form targets are not accepted", not_a_proxy=True)
    path, _, query = raw_target.partition("?")
    if "#" in path:
        raise UnsafeTarget("a fragment does not belong in a request")
    _check_path(path)
    return Target(path, query)


def _check_path(raw_path: str) -> None:
    if "%" not in raw_path:  # nothing to decode (most reads)
        _check_decoded(raw_path)
        return
    decoded = raw_path
    for _ in range(_DECODE_ROUNDS):
        _check_decoded(decoded)
        try:
            once_more = unquote(decoded, errors="strict")
        except UnicodeDecodeError:
            raise UnsafeTarget("the path is not valid UTF-8 once decoded") from None
        if once_more == decoded:
            return
        decoded = once_more
    raise UnsafeTarget("the path is percent-encoded too many times")


def _check_decoded(path: str) -> None:
    if "\\" in path:
        raise UnsafeTarget("backslashes are not accepted in paths")
    if _CONTROL.search(path):
        raise UnsafeTarget("control characters (such as NUL) are not accepted in paths")
    if "." not in path:
        return
    for segment in path.split("/"):
        bare = segment.split(";", 1)[0]
        if bare in (".", ".."):
            raise UnsafeTarget("'.' and '..' path segments are not accepted")
