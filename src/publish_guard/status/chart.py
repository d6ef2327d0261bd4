"""The last hour of publishes as an inline SVG bar chart, drawn on the server (pure).

``timeline_chart(status["timeline"])`` returns a ``<figure>``: one stacked bar per minute (an
outcome per colour, a tooltip per minute), a y axis in whole publishes, time ticks in UTC and an
HTML legend with the hour's totals. Colours come from the page's CSS (``.o-<outcome>``), so the
chart follows light and dark mode; on narrow screens the page enlarges ``.chart text``, which the
margins leave room for.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from markupsafe import Markup, escape

from publish_guard.status.board import FAILED, IDENTICAL, PUBLISHED, REFUSED, REWRITTEN

SERIES: tuple[tuple[str, str], ...] = (  # bottom to top, as stacked
    (PUBLISHED, "published"),
    (IDENTICAL, "identical"),
    (REWRITTEN, "dev rewritten"),
    (REFUSED, "refused"),
    (FAILED, "failed upstream"),
)
WIDTH, HEIGHT = 720, 240
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 40, 44
TICK_EVERY = 15  # minutes between time labels
BAR_FILL = 0.72  # share of a minute's slot its bar covers


def timeline_chart(timeline: Sequence[Mapping[str, Any]]) -> Markup:
    """The chart of ``timeline`` (one row per minute, oldest first, a count per outcome)."""
    totals = {key: sum(int(row.get(key, 0)) for row in timeline) for key, _ in SERIES}
    peak = max((_stacked(row) for row in timeline), default=0)
    top, step = axis_scale(peak)
    described = ", ".join(f"{totals[key]} {label}" for key, label in SERIES)
    parts = [
        f'<figure class="chart"><svg viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="Publishes per minute over the last hour: {escape(described)}">',
        f'<text class="axis-title" x="{LEFT}" y="{TOP - 16}">publishes per minute</text>',
        *_y_axis(top, step),
        *_bars(timeline, top),
        *_x_axis(timeline),
    ]
    if peak == 0:
        parts.append(
            f'<text class="empty" x="{LEFT + _plot_width() / 2:g}" y="{TOP + _plot_height() / 2:g}"'
            ' text-anchor="middle">no publishes in the last hour</text>'
        )
    parts.append("</svg>")
    parts.append(_legend(totals))
    parts.append("</figure>")
    return Markup("\n".join(parts))  # noqa: S704 - every interpolated text is escaped above


def axis_scale(peak: int, intervals: int = 4) -> tuple[int, int]:
    """The y axis' top and tick step: whole numbers, a 1-2-5 step, at most ``intervals`` steps,
    and a top of at least ``peak`` (and 1 when nothing happened)."""
    for magnitude in range(12):
        for multiple in (1, 2, 5):
            step = multiple * 10**magnitude
            if step * intervals >= peak:
                return max(math.ceil(peak / step), 1) * step, step
    raise ValueError(f"peak {peak} is out of range")


def _stacked(row: Mapping[str, Any]) -> int:
    return sum(int(row.get(key, 0)) for key, _ in SERIES)


def _plot_width() -> float:
    return WIDTH - LEFT - RIGHT


def _plot_height() -> float:
    return HEIGHT - TOP - BOTTOM


def _y(value: float, top: int) -> float:
    return TOP + _plot_height() * (1 - value / top)


def _y_axis(top: int, step: int) -> Iterator[str]:
    for value in range(0, top + 1, step):
        y = _y(value, top)
        yield (
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="tick" x="{LEFT - 8}" y="{y:.1f}" text-anchor="end" '
            f'dominant-baseline="middle">{value}</text>'
        )


def _bars(timeline: Sequence[Mapping[str, Any]], top: int) -> Iterator[str]:
    slot = _plot_width() / max(len(timeline), 1)
    width = slot * BAR_FILL
    for index, row in enumerate(timeline):
        if _stacked(row) == 0:
            continue
        x = LEFT + index * slot + (slot - width) / 2
        counts = ", ".join(f"{row.get(key, 0)} {label}" for key, label in SERIES if row.get(key, 0))
        rects, base = [], 0
        for key, _ in SERIES:
            count = int(row.get(key, 0))
            if count:
                y_top, y_base = _y(base + count, top), _y(base, top)
                rects.append(
                    f'<rect class="o-{key}" x="{x:.1f}" y="{y_top:.1f}" width="{width:.1f}" '
                    f'height="{y_base - y_top:.1f}"/>'
                )
                base += count
        title = f"{_clock(row)} UTC: {counts}"
        yield f"<g><title>{escape(title)}</title>{''.join(rects)}</g>"


def _x_axis(timeline: Sequence[Mapping[str, Any]]) -> Iterator[str]:
    baseline = HEIGHT - BOTTOM
    yield f'<line class="axis" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{baseline}" y2="{baseline}"/>'
    if not timeline:
        return
    slot = _plot_width() / len(timeline)
    last = len(timeline) - 1
    for index in sorted({*range(0, last, TICK_EVERY), last}):
        x = LEFT + (index + 0.5) * slot
        anchor = "end" if index == last else "middle"
        x_text = WIDTH - RIGHT if index == last else x
        label = escape(_clock(timeline[index]))
        yield (
            f'<line class="axis" x1="{x:.1f}" x2="{x:.1f}" y1="{baseline}" y2="{baseline + 5}"/>'
            f'<text class="tick" x="{x_text:.1f}" y="{baseline + 10}" text-anchor="{anchor}" '
            f'dominant-baseline="hanging">{label}</text>'
        )


def _legend(totals: Mapping[str, int]) -> str:
    keys = "".join(
        f'<span class="key"><i class="swatch o-{key}"></i>{escape(label)} '
        f'<b data-outcome="{key}">{totals[key]}</b></span>'
        for key, label in SERIES
    )
    return (
        f'<figcaption class="legend">{keys}'
        '<span class="muted small">one bar per minute, UTC, the last 60 minutes</span>'
        "</figcaption>"
    )


def _clock(row: Mapping[str, Any]) -> str:
    """``2026-11-21T05:16:00Z`` → ``05:16``."""
    minute = str(row.get("minute", ""))
    return minute[11:16] if len(minute) >= 16 else minute
