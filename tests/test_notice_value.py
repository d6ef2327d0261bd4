from publish_guard.headers import notice_value


def test_a_notice_is_sent_in_ascii_as_npm_would_print_it() -> None:
    assert notice_value("npmjs.com → Access Tokens — see … \u2018here\u2019") == (
        "npmjs.com -> Access Tokens - see ... 'here'"
    )
    assert notice_value("café") == "cafe"
    assert notice_value("plain text") == "plain text"
    assert notice_value("📦 x").isascii()
