"""npm 11's read before a dev publish: answered "not found", so that the PUT reaches the guard.

Found by the compatibility matrix: npm 11 (and pnpm 10, which publishes through it) refused on
its own the dev build the collision answer suggests (``npm publish --registry …/-/dev/``) when the
version existed, with "You cannot publish over the previously published versions".
"""

from __future__ import annotations

import pytest

from publish_guard.config import load_settings
from publish_guard.publish.devmode import hidden_from_publish_check
from publish_guard.registry import make_publish_body
from tests.publish.conftest import RigFactory

PUBLISH = {"npm-command": "publish"}


@pytest.mark.parametrize(
    ("argv", "method", "path", "command", "via_prefix", "hidden"),
    [
        (["--dev-mode", "always"], "GET", "widget", "publish", True, "widget"),
        (["--dev-mode", "on-conflict"], "GET", "@acme%2fw", "publish", True, "@acme/w"),
        (
            ["--dev-mode", "always", "--dev-scope", "@dev"],
            "GET",
            "@dev%2fw",
            "publish",
            False,
            "@dev/w",
        ),
        (
            ["--dev-mode", "always", "--dev-scope", "@dev"],
            "GET",
            "@acme%2fw",
            "publish",
            False,
            None,
        ),
        (["--dev-mode", "always", "--dev-tag", "dev"], "GET", "widget", "publish", False, None),
        (["--dev-mode", "off"], "GET", "widget", "publish", True, None),
        (["--dev-mode", "always"], "GET", "widget", "install", True, None),
        (["--dev-mode", "always"], "GET", "widget", None, True, None),
        (["--dev-mode", "always"], "HEAD", "widget", "publish", True, None),
        (["--dev-mode", "always"], "GET", "widget/-/widget-1.0.0.tgz", "publish", True, None),
        (["--dev-mode", "always"], "GET", "-/whoami", "publish", True, None),
    ],
)
def test_which_reads_are_hidden(
    argv: list[str],
    method: str,
    path: str,
    command: str | None,
    via_prefix: bool,
    hidden: str | None,
) -> None:
    settings = load_settings(["--upstream", "http://127.0.0.1:4873/", *argv], {})
    assert hidden_from_publish_check(settings, method, path, command, via_prefix) == hidden


async def test_the_publish_check_through_the_dev_url_sees_no_versions(rig: RigFactory) -> None:
    r = await rig("--dev-mode", "always")
    await r.put("widget", make_publish_body("widget", "1.0.0"))
    gets_before = len(r.registry.journal.find(method="GET"))

    check = await r.guard.get("/-/dev/widget", headers=r.headers(**PUBLISH))
    assert check.status == 404
    answer = await check.json()
    assert answer["code"] == "DEV_PUBLISH_CHECK"
    assert "-dev.N" in answer["error"]
    assert "npm-notice" not in check.headers  # npm expects this "not found": nothing to print
    assert len(r.registry.journal.find(method="GET")) == gets_before  # answered by the guard

    plain = await r.guard.get("/widget", headers=r.headers(**PUBLISH))  # not a dev publish
    assert plain.status == 200
    install = await r.guard.get("/-/dev/widget", headers=r.headers(**{"npm-command": "install"}))
    assert install.status == 200
    assert "1.0.0" in (await install.json())["versions"]
