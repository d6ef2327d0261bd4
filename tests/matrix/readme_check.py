"""The README's compatibility section against what one run of the matrix found.

Run serially, the last test of the session (``test_readme_table.py``) checks it. Under
pytest-xdist the cells run on several workers: each hands its results to the controller
(``workeroutput``), which merges them and checks at the end of the session (``tests/conftest.py``).
"""

from __future__ import annotations

import difflib

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

WORKER_KEY = "matrix-results"


def merged(parts: list[Results]) -> Results:
    result = Results(versions={}, cells={})
    for part in parts:
        result.versions.update(part.versions)
        result.cells.update(part.cells)
        result.seconds += part.seconds
    return result


def readme_problem(results: Results, versions: dict[str, str]) -> str | None:
    """Writes the run's results (``build/matrix.json``, or ``matrix.partial.json`` after a partial
    run, which compares nothing); the failure text when the README differs, else None."""
    results.versions.update(versions)
    target = RESULTS if results.complete else PARTIAL_RESULTS
    target.parent.mkdir(exist_ok=True)
    target.write_text(results.to_json())
    if not results.complete:
        return None
    fresh = render(results)
    current = readme_section(README.read_text())
    if current is None:
        return f"README.md has no {START} … {END} section"
    if current == fresh:
        return None
    failed = [key for key, cell in results.cells.items() if cell.outcome == "fail"]
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
    return (
        f"{first}The README's compatibility section differs from what the matrix found. Run "
        f"scripts/matrix-table (it reads {RESULTS.relative_to(README.parent)}) and commit "
        f"README.md.\n\n{diff}\n\nThe section this run renders:\n\n{fresh}"
    )
