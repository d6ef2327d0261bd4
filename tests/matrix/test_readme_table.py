"""The README's compatibility section is what this run of the matrix found.

This test runs last (``conftest.py`` moves it there). After a complete run it writes
``build/matrix.json`` and fails, printing the section to paste (or ``scripts/matrix-table`` to
run), when the README differs; after a partial one (``-k``, a single file) it writes
``build/matrix.partial.json`` and compares nothing.
"""

from __future__ import annotations

import difflib

import pytest

from tests.matrix.conftest import tool_versions
from tests.matrix.table import (
    END,
    PARTIAL_RESULTS,
    README,
    RESULTS,
    START,
    Results,
    readme_section,
    render,
)


def test_the_readme_shows_what_the_matrix_found(matrix_results: Results) -> None:
    if not matrix_results.cells:
        pytest.skip("no cell of the matrix ran")
    matrix_results.versions.update(tool_versions())
    target = RESULTS if matrix_results.complete else PARTIAL_RESULTS
    target.parent.mkdir(exist_ok=True)
    target.write_text(matrix_results.to_json())
    if not matrix_results.complete:
        missing = len(matrix_results.missing)
        pytest.skip(f"partial matrix ({missing} cells did not run): the README is not compared")

    fresh = render(matrix_results)
    current = readme_section(README.read_text())
    assert current is not None, f"README.md has no {START} … {END} section"
    if current != fresh:
        failed = [key for key, cell in matrix_results.cells.items() if cell.outcome == "fail"]
        first = (
            f"{len(failed)} cells failed (see above): fix them first, and regenerate the README"
            " only if ✗ is the truth. "
            if failed
            else ""
        )
        diff = "\n".join(
            difflib.unified_diff(
                current.splitlines(), fresh.splitlines(), "README.md", "this run", lineterm=""
            )
        )
        pytest.fail(
            f"{first}The README's compatibility section differs from what the matrix found. Run "
            f"scripts/matrix-table (it reads {RESULTS.relative_to(README.parent)}) and commit "
            f"README.md.\n\n{diff}\n\nThe section this run renders:\n\n{fresh}",
            pytrace=False,
        )
