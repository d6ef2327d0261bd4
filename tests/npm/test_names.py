import pytest

from publish_guard.npm.names import (
    InvalidPackageName,
    escape_name,
    name_from_path_segment,
    parse_name,
)
from publish_guard.npm.paths import package_document_name


@pytest.mark.parametrize(
    "raw", ["@acme%2fwidget", "@acme%2Fwidget", "%40acme%2fwidget", "@acme/widget"]
)
def test_every_escaping_of_a_scoped_name_is_one_package(raw: str) -> None:
    name = name_from_path_segment(raw)
    assert name.full == "@acme/widget"
    assert name.escaped == "@acme%2fwidget"
    assert package_document_name(raw) == "@acme/widget"


@pytest.mark.parametrize(
    "bad", ["", "@acme", "@/x", "a/b", ".hidden", "_under", "Caps", "a b", "x" * 215]
)
def test_invalid_names(bad: str) -> None:
    with pytest.raises(InvalidPackageName):
        parse_name(bad)


def test_escape_name() -> None:
    assert escape_name("@acme/widget") == "@acme%2fwidget"
    assert escape_name("widget") == "widget"


@pytest.mark.parametrize(
    "path", ["-/ping", "w/-/w-1.0.0.tgz", "@a%2fw/-rev/1", "-/package/w/dist-tags", ""]
)
def test_not_package_documents(path: str) -> None:
    assert package_document_name(path) is None
