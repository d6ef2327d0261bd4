"""Where the Node tools live and how to run them.

The tools are installed into ``tools/node_modules`` by ``scripts/bootstrap``; the system npm is
the one on ``PATH``. Each tool runs as ``node <its script>`` so that the ``.bin`` shims (npm9 and
npm10 both claim ``npm``) never matter.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Final, Literal

REPO: Final = Path(__file__).resolve().parents[2]
TOOLS_DIR: Final = REPO / "tools"
NODE_MODULES: Final = TOOLS_DIR / "node_modules"

ToolName = Literal["verdaccio", "pnpm", "yarn", "npm", "npm9", "npm10"]
ClientTool = Literal["npm", "pnpm", "yarn", "npm9", "npm10"]
CLIENT_TOOLS: Final[tuple[ClientTool, ...]] = ("npm", "pnpm", "yarn", "npm9", "npm10")

_SCRIPTS: Final[dict[str, str]] = {
    "verdaccio": "verdaccio/bin/verdaccio",
    "pnpm": "pnpm/bin/pnpm.cjs",
    "yarn": "@yarnpkg/cli-dist/bin/yarn.js",
    "npm9": "npm9/bin/npm-cli.js",
    "npm10": "npm10/bin/npm-cli.js",
}


class ToolMissing(RuntimeError):
    """A Node tool is not installed; ``scripts/bootstrap`` installs it."""


def node_executable() -> str:
    node = shutil.which("node")
    if node is None:
        raise ToolMissing("node is not on PATH; the tests need Node.js >= 20")
    return node


def node_tool(name: str) -> list[str]:
    """The argv prefix that runs the named tool, e.g. ``[node, .../pnpm.cjs]``."""
    if name == "npm":
        npm = shutil.which("npm")
        if npm is None:
            raise ToolMissing("npm is not on PATH; the tests need Node.js >= 20 with npm")
        return [npm]
    try:
        script = NODE_MODULES / _SCRIPTS[name]
    except KeyError:
        known = ", ".join(["npm", *_SCRIPTS])
        raise ValueError(f"unknown Node tool {name!r}; known: {known}") from None
    if not script.is_file():
        raise ToolMissing(f"{script} is missing; run scripts/bootstrap to install the Node tools")
    return [node_executable(), str(script)]
