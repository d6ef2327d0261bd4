"""The compatibility matrix's layout, its results file and the README tables made from it.

The suite (``tests/matrix``) records one result per cell — ``pass``, ``fail`` or ``n/a`` with an
optional note — and, when every cell of the layout below has one, writes ``build/matrix.json``
and checks that the README's tables are what these results render to. ``scripts/matrix-table``
renders the file into the README. Everything here is deterministic: the same results give the
same bytes, whatever order the tests ran in.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

REPO: Final = Path(__file__).resolve().parents[2]
README: Final = REPO / "README.md"
RESULTS: Final = REPO / "build" / "matrix.json"
PARTIAL_RESULTS: Final = REPO / "build" / "matrix.partial.json"
START: Final = "<!-- matrix:start -->"
END: Final = "<!-- matrix:end -->"

Outcome = Literal["pass", "fail", "n/a"]
SYMBOLS: Final[Mapping[str, str]] = {"pass": "✓", "fail": "✗", "n/a": "n/a"}

# Rows of the clients table: every client through the guard to every upstream.
CLIENTS: Final = ("npm9", "npm10", "npm", "pnpm", "yarn")
UPSTREAMS: Final = ("verdaccio", "artifactory")
SCENARIOS: Final[Mapping[str, str]] = {
    "publish": "publish",
    "collision": "collision",
    "identical": "identical republish",
    "dev": "dev publish (`/-/dev/`)",
    "install": "install",
    "deprecate": "deprecate",
    "dist-tag": "dist-tag add / rm",
    "unpublish": "unpublish",
    "login": "login + whoami",
}
CLIENT_NAMES: Final[Mapping[str, str]] = {
    "npm9": "npm",
    "npm10": "npm",
    "npm": "npm",
    "pnpm": "pnpm",
    "yarn": "yarn (berry)",
}
# Rows of the release tools table: (version key, command); its columns are the upstreams.
RELEASE_TOOLS: Final[Mapping[str, tuple[str, str]]] = {
    "lerna-from-package": ("lerna", "lerna publish from-package --yes"),
    "lerna-from-git": ("lerna", "lerna publish from-git --yes"),
    "changesets": ("changesets", "changeset publish"),
}
TOOL_NAMES: Final[Mapping[str, str]] = {"lerna": "lerna", "changesets": "@changesets/cli"}
# Rows of the registries table: the current clients through the guard to each further registry,
# emulated (``--flavor`` set), with what tells one registry's answers from another's.
REGISTRY_CLIENTS: Final = ("npm", "pnpm", "yarn")
REGISTRIES: Final[Mapping[str, str]] = {
    "github": "GitHub Packages (emulated)",
    "gitlab": "GitLab (emulated)",
    "gitea": "Gitea / Forgejo (emulated)",
    "azure": "Azure Artifacts (emulated)",
    "codeartifact": "AWS CodeArtifact (emulated)",
}
REGISTRY_SCENARIOS: Final[Mapping[str, str]] = {
    "publish": "publish",
    "collision": "collision",
    "install": "install",
    "permission": "no publish permission",
    "token": "bad token",
}

CellKey = tuple[str, str, str]  # (table, row, column)


def client_cell(tool: str, upstream: str, scenario: str) -> CellKey:
    return ("clients", f"{tool}/{upstream}", scenario)


def tool_cell(tool_row: str, upstream: str) -> CellKey:
    return ("tools", tool_row, upstream)


def registry_cell(tool: str, registry: str, scenario: str) -> CellKey:
    return ("registries", f"{tool}/{registry}", scenario)


def expected_cells() -> list[CellKey]:
    """Every cell of the layout, in table order."""
    cells = [
        client_cell(tool, upstream, scenario)
        for tool in CLIENTS
        for upstream in UPSTREAMS
        for scenario in SCENARIOS
    ]
    cells += [tool_cell(row, upstream) for row in RELEASE_TOOLS for upstream in UPSTREAMS]
    cells += [
        registry_cell(tool, registry, scenario)
        for tool in REGISTRY_CLIENTS
        for registry in REGISTRIES
        for scenario in REGISTRY_SCENARIOS
    ]
    return cells


@dataclass(frozen=True)
class Cell:
    outcome: Outcome
    note: str = ""


@dataclass
class Results:
    """What one run of the matrix found: ``versions`` of the clients, tools and upstreams
    (``npm`` is the system npm, shown by its major version), and one :class:`Cell` per key."""

    versions: dict[str, str]
    cells: dict[CellKey, Cell]
    seconds: float = 0.0

    @property
    def missing(self) -> list[CellKey]:
        return [key for key in expected_cells() if key not in self.cells]

    @property
    def complete(self) -> bool:
        return not self.missing

    def to_json(self) -> str:
        data = {
            "complete": self.complete,
            "seconds": round(self.seconds, 1),
            "versions": dict(sorted(self.versions.items())),
            "cells": [
                {"table": t, "row": r, "column": c, "outcome": cell.outcome, "note": cell.note}
                for (t, r, c), cell in sorted(self.cells.items())
            ],
        }
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Results:
        data: dict[str, Any] = json.loads(text)
        cells = {
            (str(c["table"]), str(c["row"]), str(c["column"])): Cell(c["outcome"], c["note"])
            for c in data["cells"]
        }
        versions = {str(k): str(v) for k, v in data["versions"].items()}
        return cls(versions, cells, float(data.get("seconds", 0.0)))


class _Notes:
    """Footnotes numbered in order of first use; the same text gets the same number."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def mark(self, cell: Cell | None) -> str:
        if cell is None:
            return "?"
        symbol = SYMBOLS[cell.outcome]
        if not cell.note:
            return symbol
        if cell.note not in self.texts:
            self.texts.append(cell.note)
        return f"{symbol} ({self.texts.index(cell.note) + 1})"

    def lines(self) -> list[str]:
        return [f"{number}. {text}" for number, text in enumerate(self.texts, 1)]


def client_version(results: Results, tool: str) -> str:
    version = results.versions.get(tool, "?")
    if tool == "npm":  # the system npm: whichever release of its major the machine has
        return version.split(".", 1)[0] + ".x"
    return version


def upstream_name(results: Results, upstream: str) -> str:
    if upstream == "verdaccio":
        return f"Verdaccio {results.versions.get('verdaccio', '?')}"
    return "Artifactory (emulated)"


def _row(cells: Iterable[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def render(results: Results) -> str:
    """The markdown that goes between the README's markers (without the markers)."""
    notes = _Notes()
    lines = [
        "✓ works through the guard as described, ✗ does not, n/a: the client has no such command.",
        "npm 11.x is the npm on `PATH`; every other version is pinned in `tools/package.json`.",
        "Generated by `scripts/matrix-table` from the last complete run of `tests/matrix`",
        "(`build/matrix.json`); that suite fails when this section differs from what it found.",
        "",
        _row(["client", "version", "registry behind the guard", *SCENARIOS.values()]),
        _row(["---"] * (3 + len(SCENARIOS))),
    ]
    for tool in CLIENTS:
        for upstream in UPSTREAMS:
            marks = [
                notes.mark(results.cells.get(client_cell(tool, upstream, s))) for s in SCENARIOS
            ]
            name, version = CLIENT_NAMES[tool], client_version(results, tool)
            lines.append(_row([name, version, upstream_name(results, upstream), *marks]))
    lines += [
        "",
        "Release tools on a monorepo of three packages, one of them already published at its"
        " version:",
        "",
        _row(["tool", "version", "command", *(upstream_name(results, u) for u in UPSTREAMS)]),
        _row(["---"] * (3 + len(UPSTREAMS))),
    ]
    for row, (version_key, command) in RELEASE_TOOLS.items():
        marks = [notes.mark(results.cells.get(tool_cell(row, u))) for u in UPSTREAMS]
        version = results.versions.get(version_key, "?")
        lines.append(_row([TOOL_NAMES[version_key], version, f"`{command}`", *marks]))
    lines += [
        "",
        "Further registries, emulated by the project's registry (their answers, with sources, in"
        " `docs/registries.md`), the guard started with their `--flavor`:",
        "",
        _row(["client", "version", "registry behind the guard", *REGISTRY_SCENARIOS.values()]),
        _row(["---"] * (3 + len(REGISTRY_SCENARIOS))),
    ]
    for tool in REGISTRY_CLIENTS:
        for registry, title in REGISTRIES.items():
            marks = [
                notes.mark(results.cells.get(registry_cell(tool, registry, s)))
                for s in REGISTRY_SCENARIOS
            ]
            version = client_version(results, tool)
            lines.append(_row([CLIENT_NAMES[tool], version, title, *marks]))
    lines += ["", *notes.lines()]
    return "\n".join(lines)


def _span(readme: str) -> tuple[int, int] | None:
    start = readme.find(START)
    end = readme.find(END, start + len(START)) if start >= 0 else -1
    return None if end < 0 else (start + len(START), end)


def readme_section(readme: str) -> str | None:
    """The text between the markers, or ``None`` when the README has no such section."""
    span = _span(readme)
    return None if span is None else readme[span[0] : span[1]].strip("\n")


def with_section(readme: str, section: str) -> str:
    span = _span(readme)
    if span is None:
        raise ValueError(f"the README has no {START} … {END} section")
    return f"{readme[: span[0]]}\n{section}\n{readme[span[1] :]}"
