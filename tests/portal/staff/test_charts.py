"""Charts are SVG built on the server: every text escaped, bars to scale, no scripts or styles."""

from __future__ import annotations

import re

from portal.staff.charts import Bar, Column, bar_chart, column_chart


def test_bar_lengths_are_proportional_and_labels_escaped() -> None:
    svg = str(
        bar_chart(
            [Bar("<script>alert(1)</script>", 50, "50 units"), Bar("B & C", 100, "100 units")],
            title='Units "waiting"',
            width=720,
            label_width=170,
        )
    )
    assert svg.startswith('<div class="chart-frame"') and svg.endswith("</svg></div>")
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "B &amp; C" in svg
    assert "Units &#34;waiting&#34;" in svg or "Units &quot;waiting&quot;" in svg
    widths = [float(w) for w in re.findall(r'<rect class="s0"[^>]* width="([\d.]+)"', svg)]
    assert widths[1] == 2 * widths[0]
    assert "style=" not in svg and 'role="img"' in svg


def test_an_empty_bar_chart_says_so() -> None:
    assert "Nothing to show yet." in str(bar_chart([], title="Empty"))


def test_columns_share_one_scale_and_skip_missing_values() -> None:
    svg = str(
        column_chart(
            [Column("Mar 1", (100.0, 50.0), ("a", "b")), Column("Mar 8", (None, 25.0), ("-", "c"))],
            title="Money",
            series=["Backlog", "Sales"],
        )
    )
    heights = [
        float(h) for h in re.findall(r'<rect class="s\d"[^>]* height="([\d.]+)"><title>', svg)
    ]
    assert heights == [202.0, 101.0, 50.5]  # plot height 202 for the peak of 100
    assert svg.count("<title") == 4  # the chart's own title and three bars
    assert "Backlog" in svg and "Sales" in svg
