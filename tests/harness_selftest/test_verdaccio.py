from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests.harness.http import http_request
from tests.harness.verdaccio import Verdaccio, VerdaccioError

pytestmark = pytest.mark.e2e


def test_own_verdaccio_starts_and_stops_cleanly(tmp_path: Path) -> None:
    server = Verdaccio(tmp_path, config={"max_body_size": "1mb"})
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
    assert not server.running
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", server.port)) != 0
    assert "http address" in server.log()


def test_session_verdaccio_refuses_anonymous_publish(verdaccio: Verdaccio) -> None:
    response = http_request("PUT", verdaccio.url + "anything", json={"name": "anything"})
    assert response.status == 401
    assert response.json() == {"error": "authorization required to publish package anything"}
    assert response.headers["www-authenticate"] == "Basic, Bearer"
