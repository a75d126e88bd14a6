"""The simulator's output: the rule-22 figures side by side, as text, JSON and an SVG chart."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any
from xml.sax.saxutils import escape

from domain.reporting.promise_figures import PromiseFigures
from simulation.run import FACE_VALUE, LEARNED, Outcome


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    read: Callable[[PromiseFigures], float | int | None]
    unit: str = ""
    digits: int = 1


@dataclass(frozen=True)
class Target:
    key: str  # a Figure's key
    text: str
    met: Callable[[float], bool]


FIGURES = (
    Figure("delivered", "lines delivered", lambda f: f.delivered, digits=0),
    Figure("first_kept_percent", "first promise kept", lambda f: f.first_kept_percent, "%", 2),
    Figure("median_slack_days", "median slack (days)", lambda f: f.median_slack_days),
    Figure("last_kept_percent", "last told window kept", lambda f: f.last_kept_percent, "%", 2),
    Figure("notices", "delay notices", lambda f: f.notices, digits=0),
    Figure(
        "notices_in_time_percent",
        "delays told before the date",
        lambda f: f.notices_in_time_percent,
        "%",
        2,
    ),
    Figure("median_warning_days", "median warning (days)", lambda f: f.median_warning_days),
    Figure("waiting_lines", "lines that waited", lambda f: f.waiting_lines, digits=0),
    Figure(
        "eta_emails_per_waiting_line",
        "ETA emails per waiting line",
        lambda f: f.eta_emails_per_waiting_line,
        digits=2,
    ),
)

TARGETS = (
    Target("first_kept_percent", ">= 97%", lambda v: v >= 97.0),
    Target("median_slack_days", "<= 3", lambda v: v <= 3.0),
    Target("last_kept_percent", ">= 99.5%", lambda v: v >= 99.5),
    Target("notices_in_time_percent", "100%", lambda v: v >= 100.0),
    Target("median_warning_days", ">= 3", lambda v: v >= 3.0),
    Target("eta_emails_per_waiting_line", "<= 1.2", lambda v: v <= 1.2),
)


def _value(figure: Figure, figures: PromiseFigures) -> float | int | None:
    value = figure.read(figures)
    if value is None:
        return None
    return round(float(value), figure.digits) if figure.digits else int(value)


def verdicts(figures: PromiseFigures) -> dict[str, dict[str, Any]]:
    """Each target of the learned policy: its text and whether it is met."""
    by_key = {f.key: f for f in FIGURES}
    result = {}
    for target in TARGETS:
        value = by_key[target.key].read(figures)
        if target.key == "notices_in_time_percent" and value is None:
            value = 100.0  # no delay needed telling: none was told late
        result[target.key] = {
            "target": target.text,
            "met": value is not None and target.met(float(value)),
        }
    return result


def as_json(outcomes: list[Outcome], meta: dict[str, Any]) -> dict[str, Any]:
    """One object: a key per policy (figures, weeks, counts), the targets, and the run."""
    body: dict[str, Any] = {"run": meta}
    for outcome in outcomes:
        overall = outcome.report.overall
        body[outcome.policy] = {
            "figures": {f.key: _value(f, overall) for f in FIGURES},
            "weeks": [
                {
                    "week": week.iso_week,
                    "delivered": week.figures.delivered,
                    "first_kept_percent": _value(FIGURES[1], week.figures),
                }
                for week in outcome.report.weeks
            ],
            "counts": asdict(outcome.counts),
        }
        if outcome.policy == LEARNED:
            body["targets"] = verdicts(overall)
    return body


def _cell(figure: Figure, figures: PromiseFigures) -> str:
    value = _value(figure, figures)
    if value is None:
        return "-"
    return f"{value:.{figure.digits}f}{figure.unit}" if figure.digits else f"{value:,}"


def table(outcomes: list[Outcome]) -> str:
    """The figures side by side, the targets beside the learned policy's."""
    by_policy = {o.policy: o.report.overall for o in outcomes}
    learned = by_policy.get(LEARNED)
    judged = verdicts(learned) if learned else {}
    rows = [("figure", FACE_VALUE, LEARNED, "target (learned)")]
    for figure in FIGURES:
        cells = [
            _cell(figure, by_policy[p]) if p in by_policy else "-" for p in (FACE_VALUE, LEARNED)
        ]
        verdict = judged.get(figure.key)
        target = ""
        if verdict:
            target = f"{verdict['target']}: {'met' if verdict['met'] else 'NOT met'}"
        rows.append((figure.label, cells[0], cells[1], target))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = []
    for index, row in enumerate(rows):
        label, face, mine, aim = row
        text = f"{label:<{widths[0]}}  {face:>{widths[1]}}  {mine:>{widths[2]}}  {aim}"
        lines.append(text.rstrip())
        if index == 0:
            lines.append("-" * len(lines[0]))
    return "\n".join(lines)


COLOURS = {FACE_VALUE: "#b35806", LEARNED: "#2166ac"}


def svg_chart(outcomes: list[Outcome], *, title: str) -> str:
    """First promise kept per week, a line per policy; hand-written SVG, no script."""
    width, height, left, right, top, bottom = 760, 320, 56, 150, 36, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    floor = 50.0
    weeks = max((len(o.report.weeks) for o in outcomes), default=0)

    def x(index: int) -> float:
        return left + (plot_w * index / max(weeks - 1, 1))

    def y(percent: float) -> float:
        return top + plot_h * (100.0 - max(percent, floor)) / (100.0 - floor)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}"'
        f' viewBox="0 0 {width} {height}" role="img" aria-labelledby="t">',
        f'<title id="t">{escape(title)}</title>',
        '<rect width="100%" height="100%" fill="#ffffff"/>',
        f'<text x="{left}" y="22" font-family="sans-serif" font-size="14">{escape(title)}</text>',
    ]
    for percent in (50, 60, 70, 80, 90, 97, 100):
        py = y(percent)
        dash = ' stroke-dasharray="4 3"' if percent == 97 else ""
        parts.append(
            f'<line x1="{left}" y1="{py:.1f}" x2="{left + plot_w}" y2="{py:.1f}"'
            f' stroke="#cccccc"{dash}/>'
            f'<text x="{left - 6}" y="{py + 4:.1f}" font-family="sans-serif" font-size="11"'
            f' text-anchor="end">{percent}%</text>'
        )
    for index in range(0, weeks, 4):
        week = outcomes[0].report.weeks[index].iso_week if outcomes else ""
        parts.append(
            f'<text x="{x(index):.1f}" y="{height - bottom + 16}" font-family="sans-serif"'
            f' font-size="10" text-anchor="middle">{escape(week[-3:])}</text>'
        )
    parts.append(
        f'<text x="{left + plot_w / 2:.1f}" y="{height - 8}" font-family="sans-serif"'
        ' font-size="11" text-anchor="middle">ISO week of delivery</text>'
    )
    for row, outcome in enumerate(outcomes):
        colour = COLOURS.get(outcome.policy, "#333333")
        points = [
            f"{x(i):.1f},{y(w.figures.first_kept_percent):.1f}"
            for i, w in enumerate(outcome.report.weeks)
            if w.figures.first_kept_percent is not None
        ]
        if points:
            parts.append(
                f'<polyline fill="none" stroke="{colour}" stroke-width="2"'
                f' points="{" ".join(points)}"/>'
            )
        ly = top + 16 + row * 20
        parts.append(
            f'<line x1="{left + plot_w + 14}" y1="{ly - 4}" x2="{left + plot_w + 34}"'
            f' y2="{ly - 4}" stroke="{colour}" stroke-width="2"/>'
            f'<text x="{left + plot_w + 40}" y="{ly}" font-family="sans-serif"'
            f' font-size="12">{escape(outcome.policy)}</text>'
        )
    parts.append(
        f'<text x="{left + plot_w + 14}" y="{top + 70}" font-family="sans-serif"'
        ' font-size="11">dashed: 97% target</text>'
    )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
