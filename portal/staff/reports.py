"""Reports with charts drawn on the server: waiting units by age, fill rate, promise accuracy,
supplier punctuality, and backlog value beside recognised sales, week by week; and the promise
figures of rule 22 (kept, told, warned, emailed, slack) overall, per supplier and per week."""

from __future__ import annotations

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.reporting.promises import promises as promise_figures
from domain.reporting.suppliers import supplier_performance
from domain.reporting.waiting import waiting_by_age
from domain.reporting.weekly import (
    ShareWeek,
    backlog_and_sales,
    fill_rate,
    promise_accuracy,
    weeks_up_to,
)
from portal import formatting
from portal.staff import charts
from portal.staff.desk import desk_of
from portal.staff.formatting import percent


def _share_chart(weeks: list[ShareWeek], title: str, name: str) -> Markup:
    return charts.column_chart(
        [
            charts.Column(
                formatting.day(w.week.start),
                (w.percent,),
                (f"{w.percent:.0f}% ({w.part:,} of {w.whole:,})" if w.whole else "nothing due",),
            )
            for w in weeks
        ],
        title=title,
        series=[name],
        maximum=100,
        axis=lambda v: f"{v:.0f}%",
    )


async def reports(request: Request) -> Response:
    desk = desk_of(request)
    money = desk.web.templates.env.filters["money"]
    ctx = desk.context(request)
    weeks = weeks_up_to(ctx.today)
    ages = await waiting_by_age(now=ctx.now)
    money_weeks = await backlog_and_sales(ctx, weeks)
    fills = await fill_rate(ctx, weeks)
    promises = await promise_accuracy(ctx, weeks)
    suppliers = await supplier_performance(ctx)
    kept = await promise_figures(ctx, weeks=len(weeks))
    return desk.page(
        request,
        "reports.html",
        {
            "ages": ages,
            "money_weeks": money_weeks,
            "fills": fills,
            "promises": promises,
            "suppliers": suppliers,
            "kept": kept,
            "ages_chart": charts.bar_chart(
                [charts.Bar(a.label, a.units, f"{a.units:,} units") for a in ages],
                title="Units waiting, by how long their order has waited",
            ),
            "money_chart": charts.column_chart(
                [
                    charts.Column(
                        formatting.day(w.week.start),
                        (float(w.backlog), float(w.recognised)),
                        (f"backlog {money(w.backlog)}", f"recognised {money(w.recognised)}"),
                    )
                    for w in money_weeks
                ],
                title="Backlog value at the end of each week beside sales recognised in it",
                series=["Backlog value", "Recognised sales"],
                axis=lambda v: money(v)[:-3],
            ),
            "fill_chart": _share_chart(fills, "Fill rate by week ordered", "Filled from stock"),
            "promise_chart": _share_chart(
                promises,
                "Promise accuracy by week the promise fell due",
                "Delivered on promise",
            ),
            "supplier_chart": charts.bar_chart(
                [
                    charts.Bar(
                        s.name,
                        s.on_time_percent or 0,
                        f"{percent(s.on_time_percent)} on time,"
                        f" slip {s.average_slip_days or 0:.1f} days",
                    )
                    for s in suppliers
                ],
                title="Purchase orders delivered by the date first promised",
                maximum=100,
            ),
        },
    )


ROUTES = [Route("/reports", reports, name="reports")]
