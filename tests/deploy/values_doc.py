"""The README's values table, made from the ``# --`` comments of the chart's values.yaml.

``python -m tests.deploy.values_doc`` rewrites the table in README.md; a test keeps it current.
A ``# -- text`` comment (continued by the ``#`` lines under it) documents the key that follows.
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from tests.deploy.chart import CHART, REPO

VALUES = CHART / "values.yaml"
README = REPO / "README.md"
START, END = "<!-- helm-values:start -->\n", "\n<!-- helm-values:end -->"
_KEY = re.compile(r"^(?P<indent> *)(?P<key>[A-Za-z_][A-Za-z0-9_]*):")
_ITEM = re.compile(r"^(?P<indent> *)- ")


def documented_keys(text: str) -> dict[str, str]:
    """Dotted key path → its ``# --`` description, in file order (keys inside lists are skipped)."""
    docs: dict[str, str] = {}
    stack: list[tuple[int, str]] = []  # (indent, key); "-" marks a list
    pending: list[str] | None = None
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("# --"):
            pending = [stripped[4:].strip()]
            continue
        if stripped.startswith("#"):
            if pending is not None:
                pending.append(stripped[1:].strip())
            continue
        if not stripped:
            pending = None
            continue
        match = _KEY.match(line) or _ITEM.match(line)
        if match is None:
            continue
        indent = len(match["indent"])
        while stack and stack[-1][0] >= indent:
            stack.pop()
        key = match.groupdict().get("key") or "-"
        stack.append((indent, key))
        path = [name for _, name in stack]
        if pending is not None and "-" not in path:
            docs[".".join(path)] = " ".join(pending)
        pending = None
    return docs


def lookup(values: dict[str, Any], path: str) -> Any:
    node: Any = values
    for part in path.split("."):
        node = node[part]
    return node


def values_table() -> str:
    text = VALUES.read_text(encoding="utf-8")
    values = yaml.safe_load(text)
    rows = ["| value | default | meaning |", "|---|---|---|"]
    docs = documented_keys(text)
    for path, description in docs.items():
        if any(other.startswith(path + ".") for other in docs):
            default = "(below)"  # a group whose keys have rows of their own
        else:
            default = "`" + json.dumps(lookup(values, path), separators=(", ", ": ")) + "`"
        rows.append(f"| `{path}` | {default} | {description} |")
    return "\n".join(rows)


def readme_table() -> str:
    readme = README.read_text(encoding="utf-8")
    return readme.split(START, 1)[1].split(END, 1)[0]


def main() -> None:
    readme = README.read_text(encoding="utf-8")
    head, rest = readme.split(START, 1)
    tail = rest.split(END, 1)[1]
    README.write_text(head + START + values_table() + END + tail, encoding="utf-8")


if __name__ == "__main__":
    main()
