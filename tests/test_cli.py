"""The command line as a user runs it: a real process."""

from __future__ import annotations

import subprocess
import sys


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "publish_guard", *args],
        capture_output=True,
        text=True,
        timeout=30,
        env=env,
        check=False,
    )


def test_bad_settings_stop_the_process_with_one_clear_line() -> None:
    done = _run("serve", "--upstream", "https://r.example/", "--listen", "localhost:99999")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "publish-guard: --listen: port 99999 is out of range 0-65535"
    ]


def test_missing_upstream_names_the_flag_and_the_variable() -> None:
    done = _run("serve", env={"PATH": "/usr/bin"})
    assert done.returncode == 2
    assert "--upstream is required (or PUBLISH_GUARD_UPSTREAM)" in done.stderr


def test_help_lists_the_commands() -> None:
    done = _run("--help")
    assert done.returncode == 0
    for command in ("serve", "registry", "demo", "check"):
        assert f"  {command} " in done.stdout
