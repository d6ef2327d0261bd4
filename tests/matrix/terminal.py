"""Runs an interactive client command on a pseudo-terminal and answers its prompts.

``npm login`` and ``yarn npm login`` read the user name and password only from a terminal (piped
input makes npm 9 and 10 die with "Exit handler never called!").
"""

from __future__ import annotations

import contextlib
import os
import pty
import re
import select
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from tests.harness.clients import ClientTimeout, Result

_ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\r")


def run_on_terminal(
    argv: Sequence[str],
    *,
    env: Mapping[str, str],
    cwd: Path,
    answers: Sequence[tuple[str, str]],
    timeout: float = 60.0,
) -> Result:
    """Runs ``argv``; each time the next ``(prompt, answer)``'s prompt appears, types the answer
    and Enter. The output comes back without terminal escapes, as ``stdout``."""
    leader, follower = pty.openpty()
    try:
        process = subprocess.Popen(
            list(argv),
            stdin=follower,
            stdout=follower,
            stderr=follower,
            env=dict(env),
            cwd=cwd,
            start_new_session=True,
        )
    finally:
        os.close(follower)
    output = bytearray()
    pending = list(answers)
    searched = 0
    deadline = time.monotonic() + timeout
    try:
        while True:
            if time.monotonic() > deadline:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
                raise ClientTimeout(
                    f"`{' '.join(argv)}` ran over {timeout} s waiting for "
                    f"{pending[0][0] if pending else 'its end'!r}\n{_clean(output)}"
                )
            ready, _, _ = select.select([leader], [], [], 0.1)
            if not ready:
                if process.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: every end of the terminal closed, the command is done
                break
            if not chunk:
                break
            output += chunk
            if pending:
                prompt = pending[0][0].encode()
                found = output.find(prompt, searched)
                if found >= 0:
                    searched = found + len(prompt)
                    os.write(leader, pending.pop(0)[1].encode() + b"\r")
        returncode = process.wait(timeout=30)
    finally:
        os.close(leader)
    return Result(returncode, _clean(output), "", list(argv))


def _clean(output: bytes | bytearray) -> str:
    return _ESCAPES.sub("", bytes(output).decode("utf-8", "replace"))
