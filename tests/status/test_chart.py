"""The hour chart: a stacked bar per busy minute, a whole-number y axis, UTC ticks, a legend."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest

from publish_guard.status.board import OUTCOMES
from publish_guard.status.chart import BOTTOM, HEIGHT, TOP, axis_scale, timeline_chart

SVG = "{http://www.w3.org/2000/svg}"


def hour(**busy: dict[str, int]) -> list[dict[str, Any]]:
    """60 minutes from 04:00 UTC; ``busy`` sets counts by minute, e.g. ``m59={"refused": 2}``."""
    rows = []
    for minute in range(60):
        counts = busy.get(f"m{minute}", {})
        rows.append(
            {"minute": f"2026-11-21T04:{minute:02d}:00Z", **{o: counts.get(o, 0) for o in OUTCOMES}}
        )
    return rows


def parse(markup: str) -> ET.Element:
    """The figure as XML (the SVG with its namespace), so that its structure can be asserted."""
    namespaced = str(markup).replace("<svg ", f'<svg xmlns="{SVG[1:-1]}" ', 1)
    return ET.fromstring(namespaced)  # noqa: S314 - the chart's own markup


@pytest.mark.parametrize(
    ("peak", "expected"),
    [
        (0, (1, 1)),
        (1, (1, 1)),
        (3, (3, 1)),
        (4, (4, 1)),
        (5, (6, 2)),
        (7, (8, 2)),
        (9, (10, 5)),
        (13, (15, 5)),
        (20, (20, 5)),
        (21, (30, 10)),
        (170, (200, 50)),
        (1234, (1500, 500)),
    ],
)
def test_the_axis_has_a_1_2_5_step_and_at_most_four_intervals(
    peak: int, expected: tuple[int, int]
) -> None:
    top, step = axis_scale(peak)
    assert (top, step) == expected
    assert top >= peak
    assert top // step <= 4


def test_one_stacked_bar_per_busy_minute_oldest_left() -> None:
    figure = parse(
        timeline_chart(
            hour(m3={"published": 2}, m59={"published": 1, "rewritten": 1, "refused": 2})
        )
    )
    groups = [g for g in figure.iter(f"{SVG}g") if g.find(f"{SVG}rect") is not None]
    assert [g.findtext(f"{SVG}title") for g in groups] == [
        "04:03 UTC: 2 published",
        "04:59 UTC: 1 published, 1 dev rewritten, 2 refused",
    ]
    first, last = ([r.attrib for r in g.iter(f"{SVG}rect")] for g in groups)
    assert float(first[0]["x"]) < float(last[0]["x"])
    assert [r["class"] for r in last] == ["o-published", "o-rewritten", "o-refused"]
    # stacked from the baseline up, each as tall as its count (the axis top is 4)
    baseline, unit = HEIGHT - BOTTOM, (HEIGHT - TOP - BOTTOM) / 4
    bottom: float = baseline
    for rect, count in zip(last, (1, 1, 2), strict=True):
        assert float(rect["y"]) + float(rect["height"]) == pytest.approx(bottom, abs=0.11)
        assert float(rect["height"]) == pytest.approx(count * unit, abs=0.11)
        bottom = float(rect["y"])
    assert bottom == pytest.approx(TOP, abs=0.11)  # the highest bar reaches the axis top


def test_axes_legend_and_description() -> None:
    markup = timeline_chart(hour(m10={"refused": 3}, m20={"published": 1, "identical": 2}))
    figure = parse(markup)
    texts = [t.text for t in figure.iter(f"{SVG}text")]
    assert texts[0] == "publishes per minute"
    assert [t for t in texts if t and t.isdigit()] == ["0", "1", "2", "3"]
    assert [t for t in texts if t and ":" in t] == ["04:00", "04:15", "04:30", "04:45", "04:59"]
    legend = {b.attrib["data-outcome"]: b.text for b in figure.iter("b")}
    assert legend == {
        "published": "1",
        "identical": "2",
        "rewritten": "0",
        "refused": "3",
        "failed": "0",
    }
    svg = figure.find(f"{SVG}svg")
    assert svg is not None
    assert svg.attrib["role"] == "img"
    assert svg.attrib["aria-label"] == (
        "Publishes per minute over the last hour: 1 published, 2 identical, 0 dev rewritten, "
        "3 refused, 0 failed upstream"
    )
    assert "no publishes" not in markup


def test_a_quiet_hour_says_so() -> None:
    markup = timeline_chart(hour())
    assert "<rect" not in markup
    assert "no publishes in the last hour" in markup
    parse(markup)  # still well-formed
    assert "no publishes in the last hour" in timeline_chart([])


def test_nothing_from_the_timeline_reaches_the_markup_unescaped() -> None:
    rows = hour(m0={"published": 1})
    rows[0]["minute"] = '2026-11-21T<b>"&</b>:00Z'
    markup = timeline_chart(rows)
    assert "<b>" not in markup
    assert markup.count("&lt;b&gt;&#34;&amp;") == 2  # the bar's tooltip and the first tick
    parse(markup)
