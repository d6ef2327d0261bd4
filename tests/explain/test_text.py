"""A code's text and its typed facts: templates, rendering, the JSON answer (pure)."""

from __future__ import annotations

import pytest

from publish_guard.explain import GuardError, NoFacts, Text, error_body
from publish_guard.explain.codes.publishes import PACKAGE_BLOCKED, PackageBlocked
from publish_guard.explain.codes.requests import BAD_TARGET, STATUS_TOKEN, BadTarget, NotAProxy
from publish_guard.explain.text import placeholders


def test_placeholders_are_the_names_format_asks_for() -> None:
    assert placeholders("{a} {b.c} {d[0]} {{literal}} {e!r:>4}") == {"a", "b", "d", "e"}


def test_a_template_naming_a_fact_its_record_lacks_fails_at_declaration() -> None:
    with pytest.raises(TypeError, match=r"X: NotAProxy has no \['reason'\]"):
        Text("X", NotAProxy, 400, "refused {method} {target}: {reason}", "")
    with pytest.raises(TypeError, match=r"has no \['fix'\]"):
        Text("X", NoFacts, 400, "refused", "{fix}")


def test_a_record_without_one_of_its_facts_cannot_be_made() -> None:
    with pytest.raises(TypeError, match="reason"):
        BadTarget(method="GET", target="/x")  # type: ignore[call-arg]


def test_the_answer_is_filled_from_the_record_on_one_line() -> None:
    facts = BadTarget(method="GET", target="/%2e%2e/x", reason="'..'  is\nnot accepted")
    error = GuardError(BAD_TARGET, facts, headers={"X-A": "b"})
    assert error.code == "BAD_TARGET"
    assert error.status == 400
    assert error.error == (
        "publish-guard refused GET /%2e%2e/x: '..' is not accepted; requests must stay inside "
        "the registry's path"
    )
    assert error.facts == {"method": "GET", "target": "/%2e%2e/x", "reason": facts.reason}
    body = error_body(error, request_id="r1", base_url="http://guard.example/")
    assert body == {
        "error": error.error,
        "code": "BAD_TARGET",
        "hint": error.hint,
        "docs": "http://guard.example/-/guard/errors#BAD_TARGET",
        "request_id": "r1",
    }


@pytest.mark.parametrize(("version", "shown"), [("1.0.0", {"version": "1.0.0"}), (None, {})])
def test_package_and_version_join_the_body_where_the_record_knows_them(
    version: str | None, shown: dict[str, str]
) -> None:
    facts = PackageBlocked(
        package="w", unpublished="then", until="later", free="1.0.1", version=version
    )
    body = error_body(GuardError(PACKAGE_BLOCKED, facts, body={"extra": 1}), request_id="r")
    assert {k: body[k] for k in ("package", "version") if k in body} == {"package": "w", **shown}
    assert body["extra"] == 1
    assert list(body)[-1] == "request_id"


def test_a_status_given_overrides_the_codes() -> None:
    error = GuardError(STATUS_TOKEN, NoFacts(), status=403)
    assert (error.status, STATUS_TOKEN.status) == (403, 401)
