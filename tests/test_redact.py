from publish_guard.redact import REDACTED, scrub, scrub_query, scrub_text


def test_credentials_in_text_are_replaced() -> None:
    text = (
        "Authorization: Bearer npm_abcdefghijklmnopqrstuvwxyz0123456789 "
        "//r/:_authToken=s3cr3t _auth=dXNlcjpwYXNz Basic dXNlcjpwYXNz"
    )
    out = scrub_text(text)
    for secret in ("npm_abcdefghij", "s3cr3t", "dXNlcjpwYXNz"):
        assert secret not in out


def test_a_placeholder_an_explanation_shows_is_kept_and_a_value_after_it_is_not() -> None:
    hint = "(put a token in .npmrc as //g/:_authToken=<token>); or _authToken=${NPM_TOKEN}."
    assert scrub_text(hint) == hint
    for secret in ("_authToken=<token>s3cr3t", "_authToken=${NPM_TOKEN}s3cr3t", "token=<a>b>c"):
        assert scrub_text(secret).endswith(REDACTED), secret


def test_nexus_realm_named_in_a_hint_is_kept_and_a_token_is_not() -> None:
    hint = "Nexus accepts npm tokens only with the 'npm Bearer Token Realm' active"
    assert scrub_text(hint) == hint
    assert scrub_text("Authorization: Bearer Token123") == f"Authorization: Bearer {REDACTED}"
    assert scrub_text("Bearer TokenRealm") == f"Bearer {REDACTED}"


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


def test_the_misses_of_old_are_caught() -> None:
    """Secrets written as JSON, in URLs, as API keys in queries and tokens in paths."""
    from publish_guard.redact import redact_path

    cases = {
        '{"name":"alice","password":"hunter2 with spaces"}': "hunter2",
        '{"_authToken" : "s3cr3t-token"}': "s3cr3t-token",
        "fetching https://alice:pa55word@registry.example.com/npm/": "pa55word",
        "GET /-/whoami?apikey=AKIA12345&x=1": "AKIA12345",
        "DELETE /-/user/token/npm_Zm9vYmFyYmF6%3D%3D failed": "npm_Zm9vYmFyYmF6",
        "refused -/npm/v1/tokens/token/0a1b2c3d4e": "0a1b2c3d4e",
        "X-Amz-Signature=deadbeefcafe&X-Amz-Credential=AKIAIOSFODNN": "deadbeefcafe",
    }
    for text, secret in cases.items():
        assert secret not in scrub_text(text), text
    assert redact_path("/-/user/token/abc%3D%3D") == f"/-/user/token/{REDACTED}"
    assert redact_path("/-/npm/v1/tokens/token/k1?x=1") == f"/-/npm/v1/tokens/token/{REDACTED}?x=1"
    assert redact_path("/widget?write=true&api_key=k") == f"/widget?write=true&api_key={REDACTED}"
    assert redact_path("/@acme%2fwidget") == "/@acme%2fwidget"


def test_a_requests_own_secrets_are_replaced_in_any_text_while_it_is_bound() -> None:
    from publish_guard.redact import bind_request_secrets, secrets_of, unbind_request_secrets

    basic = "Basic " + __import__("base64").b64encode(b"carol:c4r0l-password").decode()
    found = secrets_of(
        {"authorization": basic, "npm-otp": "918273"}, "/-/user/token/tok%2Fen?key=k3y-value"
    )
    assert {"c4r0l-password", "carol:c4r0l-password", "918273", "tok/en", "tok%2Fen"} <= set(found)
    token = bind_request_secrets(found)
    try:
        echoed = "upstream said: user carol:c4r0l-password, otp 918273, key k3y-value, tok/en"
        out = scrub_text(echoed)
        for secret in ("c4r0l-password", "918273", "k3y-value", "tok/en"):
            assert secret not in out
    finally:
        unbind_request_secrets(token)
    assert "918273" in scrub_text("otp 918273")  # no longer bound: an ordinary number


def test_tokens_in_paths_are_redacted_however_they_are_spelt() -> None:
    from publish_guard.redact import redact_path, secrets_of

    jwt = "eyJhbGciOi.eyJzdWIiOi.SflKxwRJSM"
    for target in (
        f"/-/user/token/{jwt}",
        f"/-/user/token%2F{jwt}",
        f"/-/USER/token/{jwt}",
        f"/-%2Fuser%2Ftoken%2F{jwt}",
        f"/-/npm/v1/tokens/token/{jwt}?x=1",
    ):
        assert jwt not in redact_path(target), target
        assert jwt not in scrub_text(f"DELETE {target} 404"), target
        assert jwt in secrets_of({}, target), target
    for name in ("jwt", "authId", "access_key", "pwd", "sessionid"):
        assert jwt not in redact_path(f"/-/v1/done?{name}={jwt}"), name
        assert jwt not in scrub_text(f"GET /-/v1/done?x=1&{name}={jwt}"), name
    assert "s3cr3t-no-scheme" in secrets_of({"authorization": "s3cr3t-no-scheme"}, "/")
