"""The dashboard: late purchase orders first, then this week's deliveries, waiting units by
age, the orders already past the date they were promised, and what the clock did."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.clock.reads import clock_view
from domain.staff.dashboard import dashboard
from portal.staff import charts
from portal.staff.desk import desk_of


async def home(request: Request) -> Response:
    desk = desk_of(request)
    ctx = desk.context(request)
    board = await dashboard(now=ctx.now, today=ctx.today)
    ages = charts.bar_chart(
        [
            charts.Bar(b.label, b.units, f"{b.units:,} units in {b.lines:,} lines")
            for b in board.waiting_by_age
        ],
        title="Units waiting, by how long their order has waited",
    )
    clock = await clock_view(ctx.today)
    return desk.page(
        request, "dashboard.html", {"board": board, "ages_chart": ages, "clock": clock}
    )


ROUTES = [Route("/", home, name="dashboard")]
