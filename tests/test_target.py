import pytest

from publish_guard.target import UnsafeTarget, check_target


@pytest.mark.parametrize(
    "target",
    [
        "/@acme%2fwidget",
        "/@acme%2Fwidget?write=true",
        "/%40acme%2fwidget",
        "/@acme/widget",
        "/widget/-/widget-1.0.0.tgz",
        "/-/package/widget/dist-tags/beta",
        "/-/user/org.couchdb.user:alice",
        "/widget/-rev/3-abc",
        "/a..b/c.d",
        "/...",
        "/",
    ],
)
def test_registry_targets_pass_unchanged(target: str) -> None:
    checked = check_target("GET", target)
    assert "/" + checked.relative == target


@pytest.mark.parametrize(
    "target",
    [
        "/../etc/passwd",
        "/a/../../b",
        "/a/./b",
        "/%2e%2e/x",
        "/%2E%2E/x",
        "/a/%2e%2e%2f%2e%2e%2fb",
        "/a%2f..%2f..%2fb",
        "/%252e%252e/x",
        "/%25252e%25252e/x",
        "/a/..;/b",
        "/a\\..\\b",
        "/a%5c..%5cb",
        "/a%00b",
        "/a%0d%0aSet-Cookie:x",
        "/a/%ff%fe",
        "/x#frag",
    ],
)
def test_climbing_and_control_bytes_are_refused(target: str) -> None:
    with pytest.raises(UnsafeTarget) as caught:
        check_target("GET", target)
    assert not caught.value.not_a_proxy


@pytest.mark.parametrize(
    ("method", "target"),
    [("GET", "http://evil.example/x"), ("CONNECT", "evil.example:443"), ("GET", "*")],
)
def test_proxy_forms_are_refused(method: str, target: str) -> None:
    with pytest.raises(UnsafeTarget) as caught:
        check_target(method, target)
    assert caught.value.not_a_proxy


def test_query_is_kept_raw() -> None:
    assert check_target("GET", "/x?a=%2e%2e&b").query == "a=%2e%2e&b"
