"""deploy/artifactory-nginx-npm.conf as a platform team uses it: its blocks pasted into an
nginx server like the Artifactory chart's, in front of the emulator's Artifactory and a guard.
npm publishes through it (a collision shows the guard's sentence), installs never touch the
guard, and scoped names reach the guard exactly as npm sent them."""

from __future__ import annotations

import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pytest

from publish_guard.registry import Registry, RegistryConfig, create_registry_app
from tests.harness.clients import Client, unique_name
from tests.harness.http import http_request
from tests.harness.process import guard_process
from tests.harness.servers import ServerThread
from tests.harness.verdaccio import free_port

pytestmark = pytest.mark.e2e
RECIPE = Path(__file__).resolve().parents[2] / "deploy" / "artifactory-nginx-npm.conf"
SENTENCE = "You cannot publish over the previously published versions: 1.0.0."
REPO_PATH = "/artifactory/api/npm/npm-local/"


@dataclass
class Site:
    registry: Registry
    url: str  # what npm uses: nginx, under Artifactory's repository path
    guard_log: Path
    token: str
    workdir: Path

    def client(self, name: str) -> Client:
        return Client("npm", self.url, self.token, self.workdir / name)

    def guard_saw(self, text: str) -> bool:
        return text in self.guard_log.read_text(errors="replace")


def _config(artifactory: str, guard: str, port: int) -> str:
    """The recipe's http-level blocks and its location, in a server as the chart's has one."""
    text = RECIPE.read_text()
    text = text.replace("server artifactory-npm:8080;", f"server {guard};")
    text = text.replace("proxy_pass http://artifactory:8082;", f"proxy_pass http://{artifactory};")
    http_part, location = text.split("# (inside the server block)", 1)
    return f"""
daemon off;
pid nginx.pid;
error_log stderr warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path client_body_temp;
    proxy_temp_path proxy_temp;
    {http_part}
    server {{
        listen 127.0.0.1:{port};
        {location}
        location ~ ^/artifactory/ {{
            proxy_pass http://{artifactory};
        }}
    }}
}}
"""


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    process.wait(10)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    work = tmp_path_factory.mktemp("artifactory-recipe")
    registry = Registry(RegistryConfig(flavor="artifactory"))
    alice = registry.add_user("alice", "alice-recipe-pw")
    with ExitStack() as stack:
        server = stack.enter_context(ServerThread(partial(create_registry_app, registry)))
        upstream = registry.npm_url(server.url)
        assert upstream.endswith(REPO_PATH)
        guard_log = work / "guard.log"
        guard_url, _ = stack.enter_context(
            guard_process(upstream, "--flavor", "artifactory", log=guard_log)
        )
        port = free_port()
        nginx_dir = work / "nginx"
        nginx_dir.mkdir()
        conf = nginx_dir / "nginx.conf"
        guard_host = guard_url.split("//")[1].rstrip("/")
        conf.write_text(_config(server.url.split("//")[1].rstrip("/"), guard_host, port))
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        checked = subprocess.run(
            [binary, "-p", str(nginx_dir), "-c", str(conf), "-t"],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert checked.returncode == 0, checked.stderr
        nginx = subprocess.Popen(
            [binary, "-p", str(nginx_dir), "-c", str(conf), "-e", "stderr"],
            stderr=(nginx_dir / "error.log").open("ab"),
            stdin=subprocess.DEVNULL,
        )
        stack.callback(_stop, nginx)
        url = f"http://127.0.0.1:{port}{REPO_PATH}"
        for _ in range(100):
            try:
                if http_request("GET", url + "-/ping", timeout=2).status < 500:
                    break
            except OSError:
                pass
            time.sleep(0.05)
        yield Site(registry, url, guard_log, alice.token, work)


def test_publishes_go_through_the_guard_and_installs_do_not(site: Site) -> None:
    npm = site.client("npm-recipe")
    name = unique_name("recipe", scope="acme")
    npm.publish(npm.make_package(name, "1.0.0")).check()
    changed = npm.make_package(name, "1.0.0", files={"index.js": "module.exports = 2\n"})
    result = npm.publish(changed, "--force")
    assert result.returncode != 0
    assert SENTENCE in result.output, result.output
    assert site.guard_saw("%2f" + name.split("/")[1])  # the scoped name as npm sent it
    stored = site.registry.document(name)
    assert stored is not None
    assert list(stored["versions"]) == ["1.0.0"]

    before = site.guard_log.read_text(errors="replace")
    installed, project = npm.install(name)  # npm's defaults: audit on
    installed.check()
    assert (project / "node_modules" / name / "package.json").exists()
    marker = uuid.uuid4().hex  # a write after the install: its log line marks the end
    http_request("PUT", site.url + "marker", json={}, headers={"x-request-id": marker})
    deadline = time.monotonic() + 10
    while not site.guard_saw(marker):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    after = site.guard_log.read_text(errors="replace")[len(before) :]
    reads = [line for line in after.splitlines() if "GET" in line]
    assert not reads, reads
