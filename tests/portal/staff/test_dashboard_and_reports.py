"""The dashboard shows what is late first; the reports draw their charts on the server."""

from __future__ import annotations

import datetime as dt
import re

import httpx
import pytest

from domain.ordering.models import OrderLine
from tests import builders as b
from tests.portal.staff.conftest import now_ctx, text_of, today

pytestmark = pytest.mark.usefixtures("db")


async def _store() -> dict[str, str]:
    supplier = await b.supplier(name="CoolAir")
    aircon = await b.product(on_hand=0, supplier_=supplier, sku="AC-12")
    month_ago = b.ctx(now=dt.datetime.now(dt.UTC) - dt.timedelta(days=30))
    late = await b.purchase_order(
        supplier, today() - dt.timedelta(days=10), (aircon, 3), context=month_ago
    )
    soon = await b.purchase_order(
        supplier, today() + dt.timedelta(days=3), (aircon, 5), context=now_ctx()
    )
    old = await b.order((aircon, 2), context=month_ago, email="patient@example.com")
    new = await b.order((aircon, 1), context=now_ctx(), email="recent@example.com")
    return {
        "late_po": late.number,
        "soon_po": soon.number,
        "old": old.order.number,
        "new": new.order.number,
    }


async def test_the_dashboard_leads_with_overdue_purchase_orders_and_late_orders(
    staff: httpx.AsyncClient,
) -> None:
    names = await _store()
    page = await staff.get("/staff/")
    words = text_of(page.text)
    assert page.status_code == 200
    assert words.index("Overdue purchase orders") < words.index("Receipts due this week")
    overdue = words[words.index("Overdue purchase orders") : words.index("Receipts due this week")]
    assert names["late_po"] in overdue and names["soon_po"] not in overdue
    this_week = words[words.index("Receipts due this week") : words.index("Waiting units by age")]
    assert names["soon_po"] in this_week
    late = words[words.index("Orders past their promised date") :]
    assert names["old"] in late and "patient@example.com" in late and names["new"] not in late
    assert "1 overdue purchase order" in words and "3 units waiting" in words
    assert "<svg" in page.text and "4–8 weeks" in words


async def test_an_order_whose_eta_passes_its_promise_is_late_on_the_dashboard(
    staff: httpx.AsyncClient,
) -> None:
    product = await b.product(on_hand=0, sku="SOFA")
    placed = await b.order((product, 1), context=now_ctx(), email="sofa@example.com")
    line = await OrderLine.get(order_id=placed.order.id)
    assert line.promised_latest is not None
    await OrderLine.filter(id=line.id).update(
        eta_latest=line.promised_latest + dt.timedelta(days=9)
    )
    words = text_of((await staff.get("/staff/")).text)
    assert re.search(rf"{placed.order.number} sofa@example.com 1 .+ 9$", words)


async def test_the_reports_page_draws_every_chart_as_svg_without_scripts(
    staff: httpx.AsyncClient,
) -> None:
    await _store()
    helmet = await b.product(on_hand=10, sku="HELMET")
    placed = await b.order((helmet, 2), context=now_ctx())
    await b.shipped(placed.order.id, context=now_ctx())
    page = await staff.get("/staff/reports")
    assert page.status_code == 200
    assert page.text.count("<svg") == 5 and "<script" not in page.text
    assert "style=" not in page.text  # the CSP allows no inline styles
    words = text_of(page.text)
    for title in (
        "Waiting units by age",
        "Backlog value beside recognised sales",
        "Fill rate",
        "Promise accuracy",
        "Suppliers: on time and slip",
    ):
        assert title in words
    # one overdue PO, nothing received, 10 days so far; no receipt, so no slip quantiles
    assert "CoolAir 1 0 0% 10.0 1 0 — — —" in words
    assert "recognised €200.00" in words  # the helmets shipped this week


async def test_the_supplier_report_shows_the_on_time_rate_and_slip_quantiles(
    staff: httpx.AsyncClient,
) -> None:
    """Rule 21: four POs due 20 days ago, received 1 day early, on the day, 2 and 5 days late.
    Nearest rank: 50% is the 2nd smallest (0), 90% and 95% the 4th (5)."""
    supplier = await b.supplier(name="Slowpoke")
    month_ago = b.ctx(now=dt.datetime.now(dt.UTC) - dt.timedelta(days=30))
    for slip in (-1, 0, 2, 5):
        product = await b.product(supplier_=supplier)
        po = await b.purchase_order(
            supplier, today() - dt.timedelta(days=20), (product, 1), context=month_ago
        )
        await b.receipt(po, 1, context=b.later(month_ago, days=10 + slip))
    words = text_of((await staff.get("/staff/reports")).text)
    # judged 4, on time 2, 50%, average slip (0+0+2+5)/4, none open; 4 receipts; 0, 5, 5
    assert "Slowpoke 4 2 50% 1.8 0 4 0 5 5" in words


async def test_staff_see_each_clock_job_with_its_last_run_what_it_changed_and_the_next(
    staff: httpx.AsyncClient,
) -> None:
    from domain.clock.runner import run_day
    from portal.formatting import day as shown

    words = text_of((await staff.get("/staff/")).text)
    clock = words[words.index("The daily clock") : words.index("Orders past their promised date")]
    assert "Today's run is still to come" in clock and "never" in clock
    product = await b.product(on_hand=3)
    await b.order((product, 1), context=b.ctx(now=dt.datetime.now(dt.UTC) - dt.timedelta(days=5)))
    await run_day(today(), now_ctx().policy)
    words = text_of((await staff.get("/staff/")).text)
    clock = words[words.index("The daily clock") : words.index("Orders past their promised date")]
    assert "Today's run is done" in clock
    review = clock[clock.index("The daily review of delivery dates") :]
    tomorrow = shown(today() + dt.timedelta(days=1))
    assert re.match(
        rf"The daily review of delivery dates {re.escape(shown(today()))}, finished .+?"
        rf" 1 delay notices; 1 emails queued; 1 lines moved; 1 orders moved; 1 queues"
        rf" {re.escape(tomorrow)}",
        review,
    ), review
