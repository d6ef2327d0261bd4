"""The README's configuration table and example file follow the settings loader."""

from __future__ import annotations

from pathlib import Path

from publish_guard.config import load_settings, options_markdown

REPO = Path(__file__).resolve().parent.parent


def test_readme_configuration_table_is_current() -> None:
    readme = (REPO / "README.md").read_text()
    table = readme.split("<!-- options:start -->\n", 1)[1].split("\n<!-- options:end -->", 1)[0]
    assert table == options_markdown(), (
        "regenerate the table with publish_guard.config.options_markdown()"
    )


def test_example_config_file_loads() -> None:
    settings = load_settings(["--config", str(REPO / "deploy" / "guard.toml")], {})
    assert settings.public_url is not None
    assert settings.listen.port == 8080
