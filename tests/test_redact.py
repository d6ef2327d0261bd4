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
