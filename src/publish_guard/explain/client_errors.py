"""Errors users meet around publishing that the guard never sees, for the error catalogue.

The entries are data, ``client_errors.toml`` beside this module, read and checked at import.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

from publish_guard.explain.examples import render_example

Source = tuple[str, str]
"""(where, the exact text): ``npm:<path under npm's root>``, ``yarn:``/``pnpm:<path under
node_modules>``, or a URL for a registry's text seen in a report."""

_EXAMPLE_ERROR = re.compile(r"\$\{([A-Z_]+)\.error\}")


@dataclass(frozen=True, slots=True)
class ClientError:
    code: str  # what the client prints as the code; a slug where it prints none
    title: str
    client: str
    cause: str
    fix: str
    command: str
    output: tuple[str, ...]  # as printed; lines starting with '#' are the catalogue's notes
    sources: tuple[Source, ...]
    see: tuple[str, ...] = ()  # related catalogue entries


def load_client_errors(data: dict[str, Any]) -> tuple[ClientError, ...]:
    """The entries of ``data`` (``client_errors.toml`` as parsed)."""
    return tuple(_client_error(raw) for raw in data["error"])


def _client_error(raw: dict[str, Any]) -> ClientError:
    known = {"code", "title", "client", "cause", "fix", "command", "output", "see", "source"}
    if set(raw) - known:
        raise ValueError(f"client_errors.toml: {raw.get('code')}: unknown {set(raw) - known}")
    return ClientError(
        code=raw["code"],
        title=raw["title"],
        client=raw["client"],
        cause=raw["cause"],
        fix=raw["fix"],
        command=raw["command"],
        output=tuple(_filled(str(line)) for line in raw["output"]),
        sources=tuple((str(s["where"]), str(s["text"])) for s in raw.get("source", ())),
        see=tuple(raw.get("see", ())),
    )


def _filled(line: str) -> str:
    return _EXAMPLE_ERROR.sub(lambda found: render_example(found.group(1)).error, line)


def _read() -> dict[str, Any]:
    source = files("publish_guard.explain").joinpath("client_errors.toml").read_text("utf-8")
    return tomllib.loads(source)


CLIENT_ERRORS: tuple[ClientError, ...] = load_client_errors(_read())
