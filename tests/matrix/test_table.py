"""The results file and the README section it renders to (no clients run here)."""

from __future__ import annotations

import pytest

from tests.matrix.table import (
    END,
    START,
    Cell,
    Outcome,
    Results,
    client_cell,
    expected_cells,
    readme_section,
    render,
    tool_cell,
    with_section,
)

VERSIONS = {"npm": "11.19.1", "npm9": "9.9.4", "verdaccio": "6.8.0", "lerna": "9.0.7"}


def _all(outcome: Outcome = "pass") -> dict[tuple[str, str, str], Cell]:
    return {key: Cell(outcome) for key in expected_cells()}


def test_a_complete_run_renders_the_same_whatever_the_order() -> None:
    cells = _all()
    cells[client_cell("yarn", "verdaccio", "deprecate")] = Cell("n/a", "no deprecate.")
    cells[client_cell("yarn", "artifactory", "deprecate")] = Cell("n/a", "no deprecate.")
    cells[tool_cell("lerna-from-git", "artifactory")] = Cell("fail")
    forward = Results(dict(VERSIONS), cells)
    backward = Results(dict(VERSIONS), dict(reversed(list(cells.items()))))

    assert forward.complete
    assert render(forward) == render(backward)
    text = render(forward)
    assert "| npm | 11.x | Verdaccio 6.8.0 |" in text  # the system npm by its major only
    assert "| npm | 9.9.4 | Artifactory (emulated) |" in text
    assert text.count("n/a (1)") == 2  # one footnote for the same text
    assert "\n1. no deprecate.\n" in text + "\n"
    assert "| lerna | 9.0.7 | `lerna publish from-git --yes` | ✓ | ✗ |" in text
    assert "| npm | 11.x | GitHub Packages (emulated) | ✓ | ✓ | ✓ | ✓ | ✓ |" in text


def test_the_results_file_round_trips_and_knows_what_is_missing() -> None:
    cells = _all()
    del cells[client_cell("npm9", "verdaccio", "login")]
    results = Results(dict(VERSIONS), cells, seconds=93.4)

    again = Results.from_json(results.to_json())

    assert again == results
    assert again.missing == [client_cell("npm9", "verdaccio", "login")]
    assert not again.complete


def test_the_section_between_the_markers_is_replaced_and_nothing_else() -> None:
    readme = f"# title\n\nintro\n\n{START}\n{END}\n\n## next\n"
    once = with_section(readme, "| a |\n| b |")
    assert readme_section(readme) == ""
    assert readme_section(once) == "| a |\n| b |"
    assert once.startswith("# title\n\nintro\n\n")
    assert once.endswith(f"{END}\n\n## next\n")
    assert with_section(with_section(once, "other"), "| a |\n| b |") == once
    assert readme_section("no markers") is None
    with pytest.raises(ValueError, match="no <!-- matrix:start -->"):
        with_section("no markers", "x")
