"""deploy/Dockerfile without Docker: its build-stage steps and its pip install run in a fresh
virtual environment, and the result starts as the image's ENTRYPOINT and answers the image's
HEALTHCHECK.

The steps are read from the Dockerfile itself (COPY into a scratch directory, RUN lines that call
pip), with three substitutions: the fresh environment's python for ``python``, a scratch
directory for ``/wheels``, and pip's cache allowed (``--no-cache-dir`` dropped) to stay fast.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from functools import partial
from pathlib import Path

from publish_guard.registry import Registry, RegistryConfig, create_registry_app
from tests.deploy.chart import REPO
from tests.harness.http import http_request
from tests.harness.servers import ServerThread
from tests.harness.verdaccio import free_port

DOCKERFILE = REPO / "deploy" / "Dockerfile"


def _instructions(stage: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    joined = re.sub(r"\\\n\s*", " ", stage)
    found = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            found.append((word.upper(), rest.strip()))
    return found


def _stages() -> tuple[str, str]:
    text = DOCKERFILE.read_text(encoding="utf-8")
    stages = re.split(r"(?m)^FROM ", text)[1:]
    assert len(stages) == 2, "a build stage and a final stage"
    return stages[0], stages[1]


def _shell(command: str, python: Path, wheels: Path) -> str:
    command = re.sub(r"--mount=\S+\s*", "", command)
    command = command.replace("--no-cache-dir ", "").replace("/wheels", str(wheels))
    return re.sub(r"(?<![\w/.-])python(?= )", str(python), command)


def _run(command: str, cwd: Path) -> None:
    shell_form = ["/bin/sh", "-c", command]  # as Docker runs a RUN line
    done = subprocess.run(
        shell_form, cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"


def test_the_dockerfile_steps_give_a_working_guard(tmp_path: Path) -> None:
    build, final = _stages()
    venv, wheels, workdir = tmp_path / "venv", tmp_path / "wheels", tmp_path / "src"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=60)
    python = venv / "bin" / "python"

    pip_runs = 0
    for instruction, arguments in _instructions(build):
        if instruction == "WORKDIR":
            workdir.mkdir(parents=True)
        elif instruction == "COPY":
            *sources, destination = arguments.split()
            target = workdir / destination
            for source in sources:
                path = REPO / source
                if path.is_dir():
                    shutil.copytree(path, target, ignore=shutil.ignore_patterns("__pycache__"))
                else:
                    shutil.copy(path, target)
        elif instruction == "RUN":
            _run(_shell(arguments, python, wheels), workdir)
            pip_runs += 1
    (install,) = [args for word, args in _instructions(final) if word == "RUN" and "pip" in args]
    _run(_shell(install, python, wheels), tmp_path)
    assert pip_runs == 1
    assert (wheels / "publish_guard-0.1.0-py3-none-any.whl").exists()

    entrypoint = json.loads(dict(_instructions(final))["ENTRYPOINT"])
    command = [str(venv / "bin" / entrypoint[0]), *entrypoint[1:]]
    assert command[1:] == ["serve"]
    usage = subprocess.run(
        [command[0], "--help"], capture_output=True, text=True, timeout=30, check=True
    )
    assert "serve" in usage.stdout

    image_env = dict(
        re.findall(r"(\w+)=(\S+)", " ".join(a for w, a in _instructions(final) if w == "ENV"))
    )
    assert image_env["PUBLISH_GUARD_LISTEN"] == "0.0.0.0:8080"
    port = free_port()
    registry = Registry(RegistryConfig(flavor="verdaccio"))
    upstream = ServerThread(partial(create_registry_app, registry)).start()
    environ = {
        **os.environ,
        **image_env,
        "PUBLISH_GUARD_LISTEN": f"127.0.0.1:{port}",  # loopback only, on a free port
        "PUBLISH_GUARD_UPSTREAM": upstream.url,
    }
    guard = subprocess.Popen(
        command, env=environ, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    try:
        healthcheck = json.loads(dict(_instructions(final))["HEALTHCHECK"].split(" CMD ", 1)[1])
        healthcheck = [
            str(python) if part == "python" else part.replace(":8080/", f":{port}/")
            for part in healthcheck
        ]
        deadline = time.monotonic() + 30
        while subprocess.run(healthcheck, capture_output=True, timeout=10).returncode != 0:
            assert guard.poll() is None, guard.communicate()[1]
            assert time.monotonic() < deadline, "the HEALTHCHECK never passed"
            time.sleep(0.2)
        ready = http_request("GET", f"http://127.0.0.1:{port}/-/guard/readyz", timeout=10)
        assert ready.status == 200
    finally:
        guard.send_signal(signal.SIGTERM)
        try:
            assert guard.wait(timeout=20) == 0
        finally:
            if guard.poll() is None:
                guard.kill()
            upstream.stop()
