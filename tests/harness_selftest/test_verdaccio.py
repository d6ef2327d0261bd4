from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests.harness.factories import ClientFactory
from tests.harness.http import http_request
from tests.harness.verdaccio import Verdaccio, VerdaccioError

pytestmark = pytest.mark.e2e


def test_own_verdaccio_starts_and_stops_cleanly(tmp_path: Path, client: ClientFactory) -> None:
    public = "http://registry.example/"
    server = Verdaccio(
        tmp_path / "verdaccio",
        config={"max_body_size": "1mb"},
        env={"VERDACCIO_PUBLIC_URL": public},
    )
    with server:
        assert server.running
        assert server.url == f"http://127.0.0.1:{server.port}/"
        token = server.add_user("carol", "carol-password")
        whoami = http_request("GET", server.url + "-/whoami", token=token)
        assert whoami.json() == {"username": "carol"}
        with pytest.raises(VerdaccioError, match="adding user carol: 409"):
            server.add_user("carol", "carol-password")
        assert server.get_document("never-published") is None
        assert '"max_body_size": "1mb"' in server.config_path.read_text()

        npm = client("npm", server.url, token)
        npm.publish(npm.make_package("tarball-url", "1.0.0")).check()
        document = server.get_document("tarball-url")
        assert document is not None
        tarball = document["versions"]["1.0.0"]["dist"]["tarball"]
        assert tarball == f"{public}tarball-url/-/tarball-url-1.0.0.tgz"
    assert not server.running
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", server.port)) != 0
    assert "http address" in server.log()


def test_session_verdaccio_refuses_anonymous_publish(verdaccio: Verdaccio) -> None:
    response = http_request("PUT", verdaccio.url + "anything", json={"name": "anything"})
    assert response.status == 401
    assert response.json() == {"error": "authorization required to publish package anything"}
    assert response.headers["www-authenticate"] == "Basic, Bearer"
