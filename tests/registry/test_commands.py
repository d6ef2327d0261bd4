"""``publish-guard registry`` and ``publish-guard demo`` as a user runs them (subprocesses)."""

from __future__ import annotations

import os
import re
import selectors
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from publish_guard.registry import make_publish_body
from tests.harness.clients import installed_manifest
from tests.harness.factories import ClientFactory

pytestmark = pytest.mark.e2e


class Command:
    """A ``publish-guard`` subprocess whose stdout is read until a marker line."""

    def __init__(self, *args: str, log: Path) -> None:
        self.log = log
        self.process = subprocess.Popen(
            [sys.executable, "-m", "publish_guard.cli", *args],
            stdout=subprocess.PIPE,
            stderr=log.open("wb"),
            text=True,
        )
        self.output = ""

    def read_until(self, marker: str, timeout: float = 20) -> str:
        assert self.process.stdout is not None
        selector = selectors.DefaultSelector()
        selector.register(self.process.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + timeout
        # read the pipe's raw bytes: a buffered readline() would keep lines that select() can
        # no longer see, and the wait would time out with the marker already read
        fd = self.process.stdout.fileno()
        while marker not in self.output:
            if time.monotonic() > deadline:
                raise AssertionError(f"no {marker!r} in:\n{self.output}\n{self.log.read_text()}")
            if selector.select(timeout=0.2):
                chunk = os.read(fd, 65536)
                if not chunk:
                    raise AssertionError(f"exited without {marker!r}:\n{self.output}")
                self.output += chunk.decode("utf-8", "replace")
        return self.output

    def stop(self) -> int:
        """SIGTERM, as a service manager (or Ctrl-C's SIGINT) would; the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=15)
        finally:
            if self.process.stdout:
                self.process.stdout.close()


@pytest.fixture
def run(tmp_path: Path) -> Iterator[list[Command]]:
    started: list[Command] = []
    yield started
    for command in started:
        if command.process.poll() is None:
            command.process.kill()
            command.process.wait()


def http(url: str, token: str, body: object = None) -> tuple[int, object]:
    request = urllib.request.Request(  # noqa: S310 - loopback URL built by the test
        url,
        data=None if body is None else orjson.dumps(body),
        method="GET" if body is None else "PUT",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
        return answer.status, orjson.loads(answer.read())


def test_registry_prints_a_working_npm_configuration_and_keeps_data(
    tmp_path: Path, run: list[Command]
) -> None:
    data = tmp_path / "data"
    args = ("registry", "--flavor", "nexus", "--listen", "127.0.0.1:0", "--data", str(data))
    first = Command(*args, "--repo", "npm-hosted", "--repo", "npm-group:group:members=npm-hosted",
                    log=tmp_path / "first.log")  # fmt: skip
    run.append(first)
    out = first.read_until("Press Ctrl-C")
    registry = re.search(r"^  registry=(\S+)$", out, re.M)
    token = re.search(r"^  //\S+:_authToken=(\S+)$", out, re.M)
    assert registry, out
    assert token, out
    assert registry.group(1).endswith("/repository/npm-hosted/")
    assert "npm-group        virtual" in out
    assert "password " in out
    assert http(registry.group(1) + "-/whoami", token.group(1)) == (200, {"username": "publisher"})
    body = make_publish_body("kept", "1.0.0")
    assert http(registry.group(1) + "kept", token.group(1), body)[0] == 200
    assert first.stop() == 0
    assert token.group(1) not in (tmp_path / "first.log").read_text()  # no secret in the log

    second = Command(*args, log=tmp_path / "second.log")
    run.append(second)
    out = second.read_until("Press Ctrl-C")
    assert "password unchanged" in out
    again = re.search(r"^  registry=(\S+)$", out, re.M)
    assert again
    status, doc = http(again.group(1) + "kept", token.group(1))  # the old token still works
    assert status == 200
    assert isinstance(doc, dict)
    assert list(doc["versions"]) == ["1.0.0"]
    assert second.stop() == 0


def test_demo_publishes_and_installs_through_the_guard(
    tmp_path: Path, run: list[Command], client: ClientFactory
) -> None:
    demo = Command("demo", "--listen", "127.0.0.1:0", log=tmp_path / "demo.log")
    run.append(demo)
    shown = _demo_lines(demo.read_until("Ctrl-C stops both"))
    assert shown["status page"] == shown["guard"] + "-/guard/"
    assert shown["upstream"].endswith("/artifactory/api/npm/npm-local/")
    assert f"registry={shown['guard']}" in Path(shown["npmrc"]).read_text()

    cli = client("npm", shown["guard"], shown["token"])
    package = Path(shown["package"])
    cli.publish(package).check()
    result, project = cli.install("hello-publish-guard")
    result.check()
    manifest = installed_manifest(project, "hello-publish-guard")
    assert manifest is not None
    assert manifest["version"] == "1.0.0"

    # the status page it points at, as a browser asks for it, shows that publish
    browser = {"Accept": "text/html"}
    page_request = urllib.request.Request(shown["status page"], headers=browser)  # noqa: S310
    with urllib.request.urlopen(page_request, timeout=10) as page:  # noqa: S310 - loopback
        assert page.status == 200
        assert "hello-publish-guard@1.0.0" in page.read().decode()

    assert demo.stop() == 0
    assert not package.exists()  # the temporary folder is gone


@pytest.mark.parametrize(
    ("flavor", "title", "path"),
    [
        ("github", "GitHub Packages", "/"),
        ("gitlab", "GitLab", "/api/v4/projects/1/packages/npm/"),
        ("azure", "Azure Artifacts", "/_packaging/npm-feed/npm/registry/"),
        ("codeartifact", "AWS CodeArtifact", "/npm/my-repo/"),
        ("gitea", "Gitea", "/api/packages/acme/npm/"),
    ],
)
def test_demo_shows_each_registry_with_its_flavor(
    flavor: str, title: str, path: str, tmp_path: Path, run: list[Command], client: ClientFactory
) -> None:
    demo = Command("demo", "--flavor", flavor, "--listen", "127.0.0.1:0", log=tmp_path / "d.log")
    run.append(demo)
    shown = _demo_lines(demo.read_until("Ctrl-C stops both"))
    assert shown["upstream"].endswith(path), shown
    cli = client("npm", shown["guard"], shown["token"])
    package = Path(shown["package"])
    cli.publish(package).check()
    (package / "index.js").write_text("// other bytes\n")
    refused = cli.publish(package, "--force")
    assert refused.returncode != 0
    assert "You cannot publish over the previously published versions: 1.0.0." in refused.output
    assert f"hello-publish-guard@1.0.0 is already in {title}" in refused.output
    assert demo.stop() == 0


_DEMO_LINES = {
    "guard": r"guard \(point npm here\):\s+(\S+)",
    "status page": r"status page:\s+(\S+)",
    "upstream": r"registry behind it:\s+(\S+)",
    "token": r"^  //\S+:_authToken=(\S+)$",
    "package": r"^  cd (\S+)$",
    "npmrc": r"export NPM_CONFIG_USERCONFIG=(\S+)",
}


def _demo_lines(out: str) -> dict[str, str]:
    """What the demo printed for a user to use: each of ``_DEMO_LINES``, all of them there."""
    found = {key: re.search(pattern, out, re.M) for key, pattern in _DEMO_LINES.items()}
    missing = [key for key, match in found.items() if match is None]
    assert not missing, f"the demo did not print {missing}:\n{out}"
    return {key: match.group(1) for key, match in found.items() if match is not None}
