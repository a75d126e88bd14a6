"""Bar charts as inline SVG, drawn on the server: no scripts, nothing from elsewhere.

Every piece of text is escaped. Colours come from classes styled in ``staff.css`` (the CSP
allows no inline styles). Each chart is an ``img`` with its title as accessible name, and each
bar carries a ``<title>`` with its figure; pages print the same figures in a table beside it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

_ids = itertools.count(1)


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    shown: str  # the value in words, printed beside the bar


@dataclass(frozen=True)
class Column:
    label: str
    values: tuple[float | None, ...]  # one per series; None: nothing to measure
    shown: tuple[str, ...]


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _svg(width: int, height: int, title: str, body: list[str]) -> Markup:
    """The chart at its drawn size inside a frame that scrolls sideways when the window is
    narrower: shrunk to a phone's width, its text would be drawn 5 px high. The frame takes
    focus so that a keyboard can scroll it, and is named by the chart's title."""
    ident = f"chart-{next(_ids)}"
    return Markup(
        f'<div class="chart-frame" tabindex="0" role="region" aria-labelledby="{ident}">'
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}"'
        f' role="img" aria-labelledby="{ident}" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{ident}">{escape(title)}</title>{"".join(body)}</svg></div>'
    )


def bar_chart(
    bars: Sequence[Bar],
    *,
    title: str,
    width: int = 720,
    label_width: int = 170,
    value_width: int = 210,
    maximum: float | None = None,
) -> Markup:
    """Horizontal bars, one per row, the figure written after each bar (``value_width``)."""
    row, top = 30, 8
    height = top * 2 + row * max(len(bars), 1)
    room = width - label_width - value_width
    peak = maximum or max((bar.value for bar in bars), default=0) or 1
    body = []
    for index, bar in enumerate(bars):
        y = top + index * row
        length = max(0.0, bar.value) / peak * room
        body.append(
            f'<text class="label" x="{label_width - 8}" y="{y + 19}" text-anchor="end">'
            f"{escape(bar.label)}</text>"
            f'<rect class="s0" x="{label_width}" y="{y + 5}" width="{_number(length)}"'
            f' height="{row - 10}" rx="2"><title>{escape(bar.label)}: {escape(bar.shown)}'
            "</title></rect>"
            f'<text class="value" x="{_number(label_width + length + 6)}" y="{y + 19}">'
            f"{escape(bar.shown)}</text>"
        )
    if not bars:
        body.append(f'<text class="label" x="8" y="{top + 19}">Nothing to show yet.</text>')
    return _svg(width, height, title, body)


def column_chart(
    columns: Sequence[Column],
    *,
    title: str,
    series: Sequence[str],
    maximum: float | None = None,
    axis: Callable[[float], str] = _number,
    width: int = 720,
    height: int = 260,
) -> Markup:
    """Vertical columns per period, grouped by series, with a legend and three gridlines."""
    left, right, top, bottom = 78, 10, 30, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for column in columns for v in column.values if v is not None]
    peak = maximum or max(values, default=0) or 1
    body = []
    for step in (0, 0.5, 1):
        y = top + plot_h - step * plot_h
        body.append(
            f'<line class="grid" x1="{left}" x2="{width - right}" y1="{_number(y)}"'
            f' y2="{_number(y)}"/><text class="axis" x="{left - 6}" y="{_number(y + 4)}"'
            f' text-anchor="end">{escape(axis(peak * step))}</text>'
        )
    for index, name in enumerate(series):
        x = left + index * 190
        body.append(
            f'<rect class="s{index}" x="{x}" y="6" width="12" height="12" rx="2"/>'
            f'<text class="label" x="{x + 18}" y="17">{escape(name)}</text>'
        )
    slot = plot_w / max(len(columns), 1)
    bar_w = min(28.0, slot * 0.8 / max(len(series), 1))
    for c_index, column in enumerate(columns):
        x0 = left + c_index * slot + (slot - bar_w * len(series)) / 2
        for s_index, value in enumerate(column.values):
            if value is None:
                continue
            h = max(0.0, value) / peak * plot_h
            body.append(
                f'<rect class="s{s_index}" x="{_number(x0 + s_index * bar_w)}"'
                f' y="{_number(top + plot_h - h)}" width="{_number(bar_w - 2)}"'
                f' height="{_number(h)}"><title>{escape(column.label)}: '
                f"{escape(column.shown[s_index])}</title></rect>"
            )
        body.append(
            f'<text class="axis" x="{_number(left + c_index * slot + slot / 2)}"'
            f' y="{height - 8}" text-anchor="middle">{escape(column.label)}</text>'
        )
    return _svg(width, height, title, body)
