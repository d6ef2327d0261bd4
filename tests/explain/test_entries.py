"""The catalogue's prose as data: read and checked against the table of texts."""

from __future__ import annotations

import copy
import tomllib
from fnmatch import fnmatch
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest

from publish_guard.explain.entries import ENTRIES, CatalogueError, Group, load_entries
from publish_guard.explain.examples import render_example
from publish_guard.explain.texts import TEXTS
from publish_guard.redact import scrub

REPO = Path(__file__).resolve().parents[2]


def _data() -> dict[str, Any]:
    raw = files("publish_guard.explain").joinpath("catalogue.toml").read_text("utf-8")
    return tomllib.loads(raw)


def test_every_code_has_an_entry_whose_example_makes_its_record() -> None:
    assert list(ENTRIES) == list(TEXTS)
    for code, entry in ENTRIES.items():
        assert isinstance(entry.example.facts, TEXTS[code].facts), code
        assert entry.cause
        assert entry.group in Group


@pytest.mark.parametrize("code", list(TEXTS))
def test_no_text_looks_like_a_secret_to_the_scrubber_of_answers(code: str) -> None:
    example = render_example(code)
    assert (scrub(example.error), scrub(example.hint)) == (example.error, example.hint)


def test_a_code_without_an_entry_or_an_entry_without_a_code_is_refused() -> None:
    data = _data()
    del data["LOCK_BUSY"]
    with pytest.raises(CatalogueError, match=r"missing \['LOCK_BUSY'\], stale \[\]"):
        load_entries(data, TEXTS)
    data = {**_data(), "GONE": {"group": "refusal", "cause": "x"}}
    with pytest.raises(CatalogueError, match=r"stale \['GONE'\]"):
        load_entries(data, TEXTS)


@pytest.mark.parametrize(
    ("code", "change", "message"),
    [
        ("LOCK_BUSY", lambda e: e["example"]["facts"].pop("seconds"), "seconds"),
        ("LOCK_BUSY", lambda e: e["example"]["facts"].update(host="x"), "host"),
        ("DEV_ALLOCATION_FAILED", lambda e: e["example"]["facts"].update(attempts="8"), "attempts"),
        ("LOCK_BUSY", lambda e: e.update(fixes="x"), "unknown keys"),
        ("LOCK_BUSY", lambda e: e["example"].update(method="GET"), "unknown keys"),
    ],
)
def test_an_example_must_make_its_codes_record(code: str, change: Any, message: str) -> None:
    data = copy.deepcopy(_data())
    change(data[code])
    with pytest.raises(CatalogueError, match=message):
        load_entries(data, TEXTS)


def test_the_data_files_ship_in_the_wheel() -> None:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    shipped = pyproject["tool"]["setuptools"]["package-data"]["publish_guard"]
    for name in ("catalogue.toml", "client_errors.toml"):
        assert files("publish_guard.explain").joinpath(name).is_file()
        assert any(fnmatch(f"explain/{name}", pattern) for pattern in shipped), name
