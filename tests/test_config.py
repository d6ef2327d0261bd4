from pathlib import Path

import pytest
from yarl import URL

from publish_guard.config import OPTIONS, ConfigError, Listen, load_settings, parse_size
from publish_guard.shared.state import SharedState

UP = "https://registry.example.com/artifactory/api/npm/npm-local"


def test_upstream_is_required_and_normalised() -> None:
    with pytest.raises(ConfigError, match="--upstream is required"):
        load_settings([], {})
    settings = load_settings(["--upstream", UP], {})
    assert str(settings.upstream) == UP + "/"
    assert settings.listen == Listen("127.0.0.1", 8080)


@pytest.mark.parametrize("spelling", ["http://h:4873", "http://h:4873/", "HTTP://H:4873/"])
def test_one_registry_is_one_spelling(spelling: str) -> None:
    """Locks and shared keys are scoped by this text: two spellings would be two scopes."""
    assert str(load_settings(["--upstream", spelling], {}).upstream) == "http://h:4873/"


def test_the_shown_settings_carry_no_credential_of_the_shared_state() -> None:
    url = "redis://user:pw-in-userinfo@redis:6379/0?password=pw-in-query"
    shown = load_settings(["--upstream", UP, "--shared-state", url], {}).redacted()
    assert "pw-in" not in str(shown)
    assert shown["shared_state"] == "redis://redis:6379/0"
    state = SharedState(URL(url), scope="s", ca_bundle=None, replica="r")
    assert state.where == "redis://redis:6379/0"  # as readyz and the page show it


def test_precedence_flags_then_env_then_file_then_defaults(tmp_path: Path) -> None:
    config = tmp_path / "guard.toml"
    config.write_text(f'upstream = "{UP}"\nread_timeout = "7s"\nconnect_timeout = 3\n')
    env = {"PUBLISH_GUARD_CONFIG": str(config), "PUBLISH_GUARD_READ_TIMEOUT": "9"}
    settings = load_settings(["--connect-timeout", "1.5"], env)
    assert settings.connect_timeout == 1.5  # flag beats file
    assert settings.read_timeout == 9.0  # env beats file
    assert str(settings.upstream) == UP + "/"  # file beats default
    assert settings.publish_timeout == 300.0  # default
    assert settings.config_file == config


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--upstream", "ftp://x/"], "--upstream: 'ftp://x/' is not an http:// or https:// URL"),
        (["--upstream", UP, "--listen", "nope"], "--listen: 'nope' is not HOST:PORT"),
        (["--upstream", UP, "--read-timeout", "0"], "--read-timeout: '0' must be greater than"),
        (
            ["--upstream", UP, "--max-publish-size", "big"],
            "--max-publish-size: 'big' is not a size",
        ),
        (["--upstream", "https://u:p@x/"], "must not carry credentials"),
        (["--upstream", UP, "--log-format", "xml"], "is not one of auto, json, console"),
        (["--upstream", UP, "--bogus", "1"], "unrecognized arguments: --bogus"),
    ],
)
def test_bad_values_fail_with_one_line_naming_the_option(argv: list[str], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(argv, {})
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)
    assert "u:p" not in str(caught.value)


def test_env_errors_name_the_variable() -> None:
    with pytest.raises(ConfigError, match=r"^PUBLISH_GUARD_LISTEN: "):
        load_settings(["--upstream", UP], {"PUBLISH_GUARD_LISTEN": "8080"})


def test_file_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(["--config", str(tmp_path / "missing.toml")], {})
    bad = tmp_path / "bad.toml"
    bad.write_text(f'upstream = "{UP}"\nupstrem = "typo"\n')
    with pytest.raises(ConfigError, match=r"unknown setting.*upstrem"):
        load_settings(["--config", str(bad)], {})


def test_every_option_has_flag_env_and_field() -> None:
    names = {option.name for option in OPTIONS}
    assert {option.env for option in OPTIONS} == {f"PUBLISH_GUARD_{n.upper()}" for n in names}
    settings = load_settings(["--upstream", UP], {})
    assert names <= set(settings.redacted())


@pytest.mark.parametrize(
    ("text", "size"), [("1048576", 1048576), ("512kb", 512 * 1024), ("10MiB", 10 * 1024**2)]
)
def test_sizes(text: str, size: int) -> None:
    assert parse_size(text) == size
