from publish_guard.redact import REDACTED, scrub, scrub_query, scrub_text


def test_credentials_in_text_are_replaced() -> None:
    text = (
        "Authorization: Bearer npm_abcdefghijklmnopqrstuvwxyz0123456789 "
        "//r/:_authToken=s3cr3t _auth=dXNlcjpwYXNz Basic dXNlcjpwYXNz"
    )
    out = scrub_text(text)
    for secret in ("npm_abcdefghij", "s3cr3t", "dXNlcjpwYXNz"):
        assert secret not in out


def test_secret_keys_are_redacted_recursively() -> None:
    data = {
        "headers": {"Authorization": "x", "npm-otp": "123456", "accept": "json"},
        "password": "p",
        "items": [{"token": "t"}],
    }
    assert scrub(data) == {
        "headers": {"Authorization": REDACTED, "npm-otp": REDACTED, "accept": "json"},
        "password": REDACTED,
        "items": [{"token": REDACTED}],
    }


def test_query_values_of_secret_names() -> None:
    assert scrub_query("write=true&token=abc") == f"write=true&token={REDACTED}"


def test_text_without_a_hint_is_left_as_it_is_and_hints_in_any_case_are_scrubbed() -> None:
    from publish_guard.redact import scrub_text

    plain = "/@acme%2fwidget/-/widget-1.0.0.tgz?x=1"
    assert scrub_text(plain) is plain
    assert "abc123" not in scrub_text("GET /x?TOKEN=abc123")
    assert "s3cr3t" not in scrub_text("BeArEr s3cr3t")
    assert "s3cr3t" not in scrub_text("Ba\u017fic s3cr3t")  # non-ASCII goes through the patterns
    assert "x" * 24 not in scrub_text("npm_" + "x" * 24)
