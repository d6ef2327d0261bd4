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


def _reference(version: str, taken: list[str]) -> tuple[str | None, ...]:
    """The plain semver way (every version through semver's parser), to compare with."""
    import semver

    from publish_guard.npm.versions import parse

    used = {v for v in (parse(t) for t in taken) if v is not None}
    releases = [v for v in used if v.prerelease is None]
    highest = max(releases or used) if used else None
    s = suggest(version, taken)
    # the fast path must agree with semver on the highest version and on what is taken
    assert (str(highest) if highest else None) == s.highest
    for free in (s.patch, s.minor, s.major, s.prerelease):
        assert free is None or semver.Version.parse(free) not in used
    return (s.highest, s.patch, s.minor, s.major, s.prerelease)


@pytest.mark.parametrize(
    "taken",
    [
        [f"{m}.{n}.{p}" for m in range(3) for n in range(40) for p in range(40)],
        ["v1.0.0", "=1.0.1", "1.0.2+build.1", "01.0.3", "1.0", "x", "1.1.0-rc.1", "2.0.0-beta.2"],
        ["3.0.0-rc.1", "3.0.0-rc.2", "2.9.9-beta"],
    ],
)
def test_many_versions_agree_with_semver(taken: list[str]) -> None:
    for version in ("1.0.0", "1.1.0-rc.1", "3.0.0-rc.2", "9.9.9"):
        _reference(version, taken)
