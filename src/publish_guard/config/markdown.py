"""The README's configuration table, made from ``OPTIONS``."""

from __future__ import annotations

from publish_guard.config.options import ENV_PREFIX, OPTIONS


def options_markdown() -> str:
    """The configuration table of the README, made from ``OPTIONS`` so the two cannot drift."""
    rows = [
        "| flag | environment | TOML key | default | meaning |",
        "|---|---|---|---|---|",
        f"| `--config FILE` | `{ENV_PREFIX}CONFIG` | — | — | TOML file with any keys below |",
    ]
    for option in OPTIONS:
        default = f"`{option.default}`" if option.default else "—"
        flag = f"`{option.flag} {option.metavar}`" + (" (repeatable)" if option.repeatable else "")
        rows.append(f"| {flag} | `{option.env}` | `{option.name}` | {default} | {option.help} |")
    return "\n".join(rows)
