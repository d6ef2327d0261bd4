import pytest

from publish_guard.npm.versions import suggest


@pytest.mark.parametrize(
    ("version", "taken", "expected"),
    [
        ("1.2.3", ["1.0.0", "1.2.3", "1.4.0"], ("1.4.0", "1.4.1", "1.5.0", "2.0.0", None)),
        ("1.0.0", ["1.0.0", "1.0.1", "1.1.0"], ("1.1.0", "1.1.1", "1.2.0", "2.0.0", None)),
        (
            "1.0.0",
            ["1.0.0", "1.0.1", "1.1.0", "1.1.1", "1.2.0"],
            ("1.2.0", "1.2.1", "1.3.0", "2.0.0", None),
        ),
        (
            "1.2.0-rc.2",
            ["1.0.0", "1.2.0-rc.1", "1.2.0-rc.2"],
            ("1.0.0", "1.0.1", "1.1.0", "2.0.0", "1.2.0-rc.3"),
        ),
        (
            "1.2.0-rc.1",
            ["1.2.0-rc.1", "1.2.0-rc.7", "1.2.0-beta.9"],
            ("1.2.0-rc.7", "1.2.0", "1.3.0", "2.0.0", "1.2.0-rc.8"),
        ),
        ("2.0.0-beta", ["2.0.0-beta"], ("2.0.0-beta", "2.0.0", "2.1.0", "3.0.0", "2.0.0-beta.0")),
        ("v1.0.0+build.5", ["1.0.0"], ("1.0.0", "1.0.1", "1.1.0", "2.0.0", None)),
        ("1.0.0", [], (None, "1.0.1", "1.1.0", "2.0.0", None)),
    ],
)
def test_next_free_versions(
    version: str, taken: list[str], expected: tuple[str | None, ...]
) -> None:
    s = suggest(version, taken)
    assert (s.highest, s.patch, s.minor, s.major, s.prerelease) == expected


def test_first_suggestion_prefers_the_prerelease_line() -> None:
    assert suggest("1.2.0-rc.2", ["1.2.0-rc.2"]).first("1.2.0-rc.2") == "1.2.0-rc.3"
    assert suggest("1.0.0", ["1.0.0"]).first("1.0.0") == "1.0.1"
