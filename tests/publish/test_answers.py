"""What a publish that did not land says went wrong, from the table's clauses."""

from __future__ import annotations

from publish_guard.explain import GuardError
from publish_guard.explain.codes.network import (
    UPSTREAM_DNS,
    UPSTREAM_DROPPED,
    UPSTREAM_TIMEOUT,
    UpstreamDetail,
    UpstreamDns,
    UpstreamTimeout,
)
from publish_guard.explain.codes.publishes import INVALID_PUBLISH, InvalidPublish
from publish_guard.publish.answers import short_cause

HOST = {"host": "npm.example.com", "upstream": "https://npm.example.com/"}


def test_a_network_failure_is_told_as_its_clause() -> None:
    timeout = UpstreamTimeout(**HOST, phase="waiting for the answer", seconds="30", setting="x")
    assert short_cause(GuardError(UPSTREAM_TIMEOUT, timeout)) == (
        "npm.example.com did not answer within 30s"
    )
    dns = GuardError(UPSTREAM_DNS, UpstreamDns(**HOST, errno="EAI_AGAIN"))
    assert short_cause(dns) == "npm.example.com could not be resolved (EAI_AGAIN)"
    dropped = GuardError(UPSTREAM_DROPPED, UpstreamDetail(**HOST, detail="reset by peer"))
    assert short_cause(dropped) == "the connection to npm.example.com was lost (reset by peer)"


def test_a_code_without_a_clause_is_told_by_its_error_line() -> None:
    failure = GuardError(INVALID_PUBLISH, InvalidPublish(package="p", detail="no versions"))
    assert short_cause(failure) == failure.error
