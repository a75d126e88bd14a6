"""The figures behind the staff reports, on a small store with known history."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from domain.context import Context
from domain.reporting.suppliers import supplier_performance
from domain.reporting.waiting import waiting_by_age
from domain.reporting.weekly import backlog_and_sales, fill_rate, promise_accuracy, weeks_up_to
from domain.supply.purchase_orders import revise_expected_date
from domain.vocabulary import AvailabilityMode
from tests import builders as b

pytestmark = pytest.mark.usefixtures("db")

MARCH = dt.date(2027, 3, 1)  # a Monday: b.NOON is its noon


def on(day: int, hour: int = 12) -> Context:
    return b.ctx(now=dt.datetime(2027, 3, day, hour, tzinfo=dt.UTC))


async def test_fill_rate_is_the_share_of_stocked_units_covered_by_stock_when_ordered() -> None:
    short = await b.product(on_hand=3)
    plenty = await b.product(on_hand=10)
    made = await b.product(mode=AvailabilityMode.MADE_TO_ORDER, lead_time_days=20)
    await b.order((short, 5), (plenty, 2), context=on(1))
    await b.order((made, 1), context=on(2))  # not a stocked product: not counted
    await b.order((plenty, 4), context=on(9))  # the next week
    weeks = weeks_up_to(dt.date(2027, 3, 10))
    shares = {w.week.start: (w.part, w.whole) for w in await fill_rate(on(10), weeks)}
    assert shares[MARCH] == (5, 7)
    assert shares[dt.date(2027, 3, 8)] == (4, 4)
    assert shares[dt.date(2027, 2, 22)] == (0, 0)


async def test_promise_accuracy_counts_lines_delivered_within_their_promise() -> None:
    supplier = await b.supplier(lead_time_days=30)
    stocked = await b.product(on_hand=10, supplier_=supplier)
    awaited = await b.product(on_hand=0, supplier_=supplier)
    await b.purchase_order(supplier, dt.date(2027, 3, 2), (awaited, 5), context=on(1, 8))
    on_time = await b.order((stocked, 1), context=on(1))  # promised by Mar 6
    late = await b.order((stocked, 1), context=on(1))
    await b.order((awaited, 1), context=on(1))  # promised by Mar 7, never received
    await b.shipped(on_time.order.id, context=on(1, 15))  # arrives by Mar 6 at the latest
    await b.shipped(late.order.id, context=on(5))  # arrives by Mar 10: past the promise
    weeks = weeks_up_to(dt.date(2027, 3, 10))
    shares = {w.week.start: (w.part, w.whole) for w in await promise_accuracy(on(10), weeks)}
    assert shares[MARCH] == (1, 3)
    assert all(whole == 0 for start, (_, whole) in shares.items() if start != MARCH)


async def test_supplier_punctuality_judges_each_po_by_the_date_first_promised() -> None:
    supplier = await b.supplier(name="CoolAir")
    product = await b.product(on_hand=0, supplier_=supplier)
    late = await b.purchase_order(supplier, dt.date(2027, 3, 5), (product, 5), context=on(1))
    await b.receipt(late, 5, context=on(8))  # complete three days late
    punctual = await b.purchase_order(supplier, dt.date(2027, 3, 9), (product, 5), context=on(1))
    await b.receipt(punctual, 5, context=on(9))
    moved = await b.purchase_order(supplier, dt.date(2027, 3, 7), (product, 5), context=on(1))
    await revise_expected_date(
        moved.id, dt.date(2027, 3, 20), "Slipped", ctx=on(6)
    )  # 3 days so far
    partial = await b.purchase_order(supplier, dt.date(2027, 3, 6), (product, 5), context=on(1))
    await b.receipt(partial, 2, context=on(4))  # in part, early: still 4 days late so far
    await b.purchase_order(supplier, dt.date(2027, 3, 30), (product, 5), context=on(1))  # not due
    [found] = await supplier_performance(on(10))
    assert (found.name, found.judged, found.on_time, found.late_days, found.still_open) == (
        "CoolAir",
        4,
        1,
        10,
        2,
    )
    assert found.average_slip_days == 2.5 and found.on_time_percent == 25.0


async def test_backlog_value_falls_as_sales_are_recognised_on_shipment() -> None:
    helmet = await b.product(on_hand=5, price="50.00")
    aircon = await b.product(on_hand=0, price="800.00")
    placed = await b.order((helmet, 2), (aircon, 1), context=on(1))
    await b.shipped(placed.order.id, context=on(9))
    weeks = weeks_up_to(dt.date(2027, 3, 10))
    money = {
        w.week.start: (w.backlog, w.recognised) for w in await backlog_and_sales(on(10), weeks)
    }
    assert money[MARCH] == (Decimal("900.00"), Decimal("0.00"))
    assert money[dt.date(2027, 3, 8)] == (Decimal("800.00"), Decimal("100.00"))
    assert money[dt.date(2027, 2, 22)] == (Decimal("0.00"), Decimal("0.00"))


async def test_waiting_units_are_bucketed_by_the_age_of_their_order() -> None:
    product = await b.product(on_hand=0)
    await b.order((product, 2), context=on(1))
    await b.order((product, 3), context=on(20))
    buckets = {bucket.label: bucket.units for bucket in await waiting_by_age(now=on(24).now)}
    assert buckets["under 1 week"] == 3 and buckets["2–4 weeks"] == 2
    assert sum(buckets.values()) == 5
