"""The README's compatibility section is what this run of the matrix found.

Run serially, this test runs last (``conftest.py`` moves it there). After a complete run it writes
``build/matrix.json`` and fails, printing the section to paste (or ``scripts/matrix-table`` to
run), when the README differs; after a partial one (``-k``, a single file) it writes
``build/matrix.partial.json`` and compares nothing. Under pytest-xdist the controller makes the
same check at the end of the session, over the cells of every worker.
"""

from __future__ import annotations

import pytest

from tests.matrix.conftest import tool_versions
from tests.matrix.readme_check import readme_problem
from tests.matrix.table import Results


def test_the_readme_shows_what_the_matrix_found(
    matrix_results: Results, pytestconfig: pytest.Config
) -> None:
    if hasattr(pytestconfig, "workerinput"):
        pytest.skip("under pytest-xdist the controller checks the README at the session's end")
    if not matrix_results.cells:
        pytest.skip("no cell of the matrix ran")
    problem = readme_problem(matrix_results, tool_versions())
    if not matrix_results.complete:
        missing = len(matrix_results.missing)
        pytest.skip(f"partial matrix ({missing} cells did not run): the README is not compared")
    if problem is not None:
        pytest.fail(problem, pytrace=False)
