"""Rule 22: how well promises were kept, measured from a small history computed by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from domain.context import Context
from domain.ordering.models import DelayNotice, OrderLine
from domain.reporting.promise_figures import (
    STOCK,
    DeliveredLine,
    NoticeRow,
    promise_figures,
    promise_report,
)
from domain.reporting.promises import promises, told_per_parcel
from domain.supply.purchase_orders import revise_expected_date
from domain.vocabulary import ShipPreference
from tests import builders as b
from tests.promise_history import History


def on(day: int, hour: int = 12) -> Context:
    return b.ctx(now=dt.datetime(2027, 3, day, hour, tzinfo=dt.UTC))


def march(day: int) -> dt.date:
    return dt.date(2027, 3, day)


HISTORY = History(march(1))


@pytest.mark.usefixtures("db")
async def test_promise_figures_are_measured_from_the_recorded_history() -> None:
    await HISTORY.build()
    report = await promises(on(27), weeks=4)
    overall = report.overall
    # Stock line: delivered by Mar 6, promised Mar 6: both kept, slack 0.
    # Line A: delivered by Mar 23; first promise Mar 15 missed (slack -8), last told Mar 23 kept.
    assert (overall.delivered, overall.first_kept, overall.last_kept) == (2, 1, 2)
    assert overall.first_kept_percent == 50.0 and overall.last_kept_percent == 100.0
    assert overall.median_slack_days == -4.0  # (0 + -8) / 2
    # Two notices (A and B), each sent Mar 5 about Mar 15: ten days ahead.
    assert (overall.notices, overall.notices_in_time, overall.median_warning_days) == (2, 2, 10.0)
    # Line A waited and heard twice: the delay notice and the good news of the receipt.
    assert (overall.waiting_lines, overall.eta_emails) == (1, 2)
    assert overall.eta_emails_per_waiting_line == 2.0
    suppliers = {s.supplier: s.figures for s in report.suppliers}
    assert list(suppliers) == ["CoolAir", STOCK]
    cool = suppliers["CoolAir"]
    assert (cool.delivered, cool.first_kept, cool.last_kept, cool.notices) == (1, 0, 1, 2)
    assert cool.median_slack_days == -8.0
    stock = suppliers[STOCK]
    assert (stock.delivered, stock.first_kept, stock.notices, stock.median_slack_days) == (
        1,
        1,
        0,
        0.0,
    )
    weeks = {w.start: w.figures for w in report.weeks}
    assert list(weeks) == [march(1), march(8), march(15), march(22)]
    assert (weeks[march(1)].delivered, weeks[march(1)].notices) == (1, 2)
    assert weeks[march(8)].delivered == weeks[march(15)].delivered == 0
    assert (weeks[march(22)].delivered, weeks[march(22)].first_kept) == (1, 0)
    assert report.weeks[-1].iso_week == "2027-W12"


@pytest.mark.usefixtures("db")
async def test_a_line_delivered_after_the_last_week_is_not_counted_yet() -> None:
    await HISTORY.build()
    report = await promises(on(19), weeks=4)  # line A is delivered by Mar 23: next week
    assert report.overall.delivered == 1 and report.weeks[-1].start == march(15)


def test_a_notice_sent_after_the_date_in_force_counts_late_with_negative_warning() -> None:
    notices = [
        NoticeRow("A", sent=march(5), in_force=march(8)),
        NoticeRow("A", sent=march(10), in_force=march(8)),
        NoticeRow("A", sent=march(8), in_force=march(8)),  # on the last day: still in time
    ]
    figures = promise_figures([], notices)
    assert (figures.notices, figures.notices_in_time, figures.median_warning_days) == (3, 2, 0.0)
    assert figures.notices_in_time_percent == pytest.approx(200 / 3)


def test_shares_and_medians_over_delivered_lines() -> None:
    def line(delivered: int, first: int, told: int, waited: bool, emails: int) -> DeliveredLine:
        return DeliveredLine("A", march(delivered), march(first), march(told), waited, emails)

    lines = [line(10, 12, 12, True, 1), line(14, 12, 15, True, 3), line(20, 12, 18, False, 0)]
    figures = promise_figures(lines, [])
    assert (figures.first_kept, figures.last_kept) == (1, 2)
    assert figures.median_slack_days == -2.0  # slack 2, -2, -8
    assert figures.eta_emails_per_waiting_line == 2.0  # 4 emails, 2 lines that waited
    assert promise_figures([], []).first_kept_percent is None


def test_the_report_lists_every_week_and_leaves_out_what_falls_outside() -> None:
    lines = [
        DeliveredLine("B", march(3), march(5), march(5), False, 0),
        DeliveredLine(STOCK, march(17), march(15), march(15), False, 0),
        DeliveredLine("B", march(29), march(30), march(30), False, 0),  # after the last week
    ]
    report = promise_report(lines, [], first=march(3), last=march(19))
    assert [w.start for w in report.weeks] == [march(1), march(8), march(15)]
    assert [w.figures.delivered for w in report.weeks] == [1, 0, 1]
    assert [s.supplier for s in report.suppliers] == ["B", STOCK]
    assert report.overall.delivered == 2


def test_ship_complete_lines_are_judged_by_the_last_window_told_for_their_parcel() -> None:
    # Rule 22 with rule 12: under ship_complete the customer is told the parcel's window, so a
    # line that waited on the shelf for its sibling is judged by the parcel's latest date.
    shipped = dt.datetime(2027, 3, 20, 22, tzinfo=dt.UTC)

    def row(line: int, order: int, preference: str, told: dt.date) -> dict[str, object]:
        return {
            "id": line,
            "order_id": order,
            "ship_preference": preference,
            "last_ship": shipped,
            "told_latest": told,
            "promised_latest": march(10),
        }

    rows = [
        row(1, 1, "ship_complete", march(8)),
        row(2, 1, "ship_complete", march(24)),
        row(3, 2, "ship_when_ready", march(8)),
        row(4, 2, "ship_when_ready", march(24)),
    ]
    assert told_per_parcel(rows) == {1: march(24), 2: march(24), 3: march(8), 4: march(24)}


@pytest.mark.usefixtures("db")
async def test_a_notice_replacing_an_unanswered_one_is_judged_by_the_date_that_one_told() -> None:
    # Rule 22 with rule 10: the customer heard of the delay in time; a further slip told later,
    # after the first promise passed but before the date last told, is told in time as well.
    day = dt.timedelta(days=1)
    supplier = await b.supplier()
    product = await b.product(supplier_=supplier)
    po = await b.purchase_order(supplier, b.TODAY + 5 * day, (product, 2))
    placed = await b.order((product, 1))
    promised = (await OrderLine.get(id=placed.order.lines[0].id)).promised_latest
    assert promised is not None
    await revise_expected_date(po.id, b.TODAY + 20 * day, "late", ctx=b.ctx())
    later = b.later(b.ctx(), days=12)
    assert later.today > promised
    await revise_expected_date(po.id, b.TODAY + 30 * day, "later still", ctx=later)
    first, second = await DelayNotice.filter(line_id=placed.order.lines[0].id).order_by("id")
    assert second.previous_latest == promised and first.new_latest is not None
    figures = (await promises(b.later(later, days=1), weeks=4)).overall
    assert (figures.notices, figures.notices_in_time) == (2, 2)
    # The first warned 10 days before the promise, the second 13 before the date first told.
    assert sorted([(promised - b.TODAY).days, (first.new_latest - later.today).days]) == [10, 13]
    assert figures.median_warning_days == 11.5


@pytest.mark.usefixtures("db")
async def test_a_ship_complete_notice_is_judged_by_the_date_last_told_for_its_parcel() -> None:
    # Rule 22 with rule 12: every notice of a ship-complete order told the parcel's date, so a
    # later notice about another line of it warns against the date the parcel was last told.
    day = dt.timedelta(days=1)
    supplier = await b.supplier()
    first, second = await b.product(supplier_=supplier), await b.product(supplier_=supplier)
    first_po = await b.purchase_order(supplier, b.TODAY + 5 * day, (first, 2))
    second_po = await b.purchase_order(supplier, b.TODAY + 5 * day, (second, 2))
    placed = await b.order((first, 1), (second, 1), preference=ShipPreference.SHIP_COMPLETE)
    await revise_expected_date(first_po.id, b.TODAY + 20 * day, "late", ctx=b.ctx())
    later = b.later(b.ctx(), days=12)
    await revise_expected_date(second_po.id, b.TODAY + 30 * day, "later still", ctx=later)
    told, again = await DelayNotice.filter(order_id=placed.order.id).order_by("id")
    assert told.line_id != again.line_id and again.previous_latest is not None
    assert told.new_latest is not None and again.previous_latest < later.today < told.new_latest
    figures = (await promises(b.later(later, days=1), weeks=4)).overall
    assert (figures.notices, figures.notices_in_time) == (2, 2)
