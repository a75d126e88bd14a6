"""Honest windows: DOMAIN.md rule 21 (and rule 20's late deliveries), from supplier slips."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from domain.catalog.models import Product, Supplier
from domain.ordering.changes import CancelRequest, cancel_order_lines
from domain.ordering.models import DelayNotice, OrderLine
from domain.ordering.review import review_etas
from domain.promises.eta import ProductTerms, SupplyLine, late_window, supply_buckets
from domain.promises.slips import (
    SlipHistory,
    blended_quantile,
    late_allowance,
    nearest_rank,
    prior_weight,
    slip_allowance,
)
from domain.purchasing.models import Receipt
from domain.supply.purchase_orders import revise_expected_date
from domain.vocabulary import AvailabilityMode, EtaBasis
from tests import builders as b

DAY = dt.timedelta(days=1)
TERMS = ProductTerms(AvailabilityMode.STOCKED, None, 30)
SLIPS = (0, 1, 1, 2, 3, 3, 4, 5, 8, 10)


def test_slip_window_latest_is_the_hand_computed_nearest_rank_quantile() -> None:
    # Ten slips: the 90% quantile is the ceil(0.9*10) = 9th smallest, 8; the 95% the 10th, 10;
    # the median the 5th, 3.
    assert nearest_rank(SLIPS, 0.9) == 8
    assert nearest_rank(SLIPS, 0.95) == 10
    assert nearest_rank(SLIPS, 0.5) == 3
    # With the store's prior of ten on-time deliveries added (20 slips: 95% is the 19th, 8),
    # strength 5: 10/15 * 10 + 5/15 * 8 = 9.33, rounded up to 10.
    store = SLIPS + (0,) * 10
    assert blended_quantile(SLIPS, store, 0.95, 5) == pytest.approx(10 / 15 * 10 + 5 / 15 * 8)
    assert slip_allowance(SlipHistory(SLIPS, store), 0.95, 5) == 10
    # In a PO window covering 95%: earliest the date itself (plus transit), latest 10 days later.
    policy = dataclasses.replace(b.POLICY, slip_quantile=0.95)
    expected = b.TODAY + 20 * DAY
    line = SupplyLine(1, expected, 5, SlipHistory(SLIPS, store))
    window = supply_buckets(TERMS, [line], b.TODAY, policy)[0].window
    assert window.basis == EtaBasis.PURCHASE_ORDER
    assert window.earliest == expected + policy.transit_days_min * DAY
    assert window.latest == expected + (10 + policy.transit_days_max) * DAY


def test_a_supplier_with_no_history_gets_the_store_prior() -> None:
    store = (0, 0, 1, 2, 2, 3, 4, 6, 7, 9)  # 95%: the 10th, 9; 50%: the 5th, 2
    assert slip_allowance(SlipHistory((), store), 0.95, 5) == 9
    assert slip_allowance(SlipHistory((), store), 0.5, 5) == 2
    # A store that never received anything keeps today's window.
    assert slip_allowance(SlipHistory((), ()), 0.95, 5) == 0
    assert slip_allowance(None, 0.95, 5) == 0


def test_the_priors_weight_falls_as_history_grows() -> None:
    assert [prior_weight(n, 5) for n in (0, 5, 20)] == [1.0, 0.5, 0.2]

    # A supplier always 10 days late in a store otherwise always on time (prior 0):
    # n=1: 1/6 * 10 = 1.67 -> 2; n=5: 5/10 * 10 = 5; n=20: 20/25 * 10 = 8.
    def allowance(n: int) -> int:
        own = (10,) * n
        return slip_allowance(SlipHistory(own, own + (0,) * 2000), 0.95, 5)

    assert [allowance(n) for n in (1, 5, 20)] == [2, 5, 8]


def test_a_late_delivery_window_uses_the_slips_of_deliveries_already_this_late() -> None:
    # 18 on time, then 3 and 4 days late. Unconditionally 95% is the 19th smallest, 3; but
    # a delivery not in by day 2 is among the slips of at least 2 days, {3, 4}: 95% is 4.
    slips = (0,) * 18 + (3, 4)
    history = SlipHistory(slips, slips)
    assert slip_allowance(history, 0.95, 5) == 3
    assert late_allowance(history, 1, 0.95, 5) == 4
    expected = b.TODAY - 2 * DAY  # two days late today: it comes today at the soonest
    window = late_window(TERMS, expected, b.TODAY, b.POLICY, history)
    assert window.basis == EtaBasis.LATE_DELIVERY
    assert window.earliest == b.TODAY + b.POLICY.transit_days_min * DAY
    assert window.latest == expected + (4 + b.POLICY.transit_days_max) * DAY
    # Later than any delivery ever was: the margin rule of rule 20 stands.
    margin_rule = late_window(TERMS, b.TODAY - 5 * DAY, b.TODAY, b.POLICY)
    assert late_window(TERMS, b.TODAY - 5 * DAY, b.TODAY, b.POLICY, history) == margin_rule


async def _history(supplier: Supplier, slips: list[int]) -> None:
    """One PO per slip, expected today and received that many days later."""
    for slip in slips:
        product = await b.product(supplier_=supplier)
        po = await b.purchase_order(supplier, b.TODAY, (product, 1))
        await b.receipt(po, 1, context=b.later(b.ctx(), days=slip))


@pytest.mark.usefixtures("db")
async def test_a_receipt_records_the_date_last_confirmed_and_its_slip() -> None:
    supplier = await b.supplier()
    product = await b.product(supplier_=supplier)
    po = await b.purchase_order(supplier, b.TODAY + 5 * DAY, (product, 4))
    await revise_expected_date(po.id, b.TODAY + 7 * DAY, "supplier confirmed", ctx=b.ctx())
    await b.receipt(po, 1, context=b.later(b.ctx(), days=9))
    await b.receipt(po, 1, context=b.later(b.ctx(), days=6))
    rows = (
        await Receipt.filter(purchase_order_id=po.id)
        .order_by("id")
        .values_list("confirmed_date", "slip_days")
    )
    assert rows == [(b.TODAY + 7 * DAY, 2), (b.TODAY + 7 * DAY, -1)]


@pytest.mark.usefixtures("db")
async def test_slip_windows_widen_a_promised_window_by_the_suppliers_history() -> None:
    supplier = await b.supplier()
    await _history(supplier, [2, 4, 6, 8])  # the only history in the store: 90% (the 4th of 4) is 8
    context = b.later(b.ctx(), days=10)
    product = await b.product(supplier_=supplier)
    await b.purchase_order(supplier, b.TODAY + 30 * DAY, (product, 5), context=context)
    placed = await b.order((product, 1), context=context)
    line = await OrderLine.get(id=placed.order.lines[0].id)
    assert line.promised_basis == EtaBasis.PURCHASE_ORDER
    assert line.promised_earliest == b.TODAY + (30 + b.POLICY.transit_days_min) * DAY
    assert line.promised_latest == b.TODAY + (30 + 8 + b.POLICY.transit_days_max) * DAY


@pytest.mark.usefixtures("db")
async def test_the_daily_review_dates_a_late_delivery_by_the_conditional_slips() -> None:
    supplier = await b.supplier()
    await _history(supplier, [0] * 18 + [3, 4])
    product: Product = await b.product(supplier_=supplier)
    context = b.later(b.ctx(), days=10)
    await b.purchase_order(supplier, context.today, (product, 5), context=context)
    placed = await b.order((product, 1), context=context)
    await review_etas(ctx=b.later(context, days=2))  # two days late, nothing came
    line = await OrderLine.get(id=placed.order.lines[0].id)
    assert line.eta_basis == EtaBasis.LATE_DELIVERY
    assert line.eta_latest == context.today + (4 + b.POLICY.transit_days_max) * DAY


@pytest.mark.usefixtures("db")
async def test_a_window_moves_later_only_when_its_supply_does() -> None:
    # Rule 19 with rule 21: what the store learns about a supplier after a promise dates new
    # orders; a waiting line whose PO date did not move keeps the latest date it was told.
    supplier = await b.supplier()
    product = await b.product(supplier_=supplier)
    po = await b.purchase_order(supplier, b.TODAY + 30 * DAY, (product, 5))
    first = await b.order((product, 1))
    ahead = await b.order((product, 1))
    line = await OrderLine.get(id=ahead.order.lines[0].id)
    assert line.eta_earliest is not None and line.eta_latest is not None
    told = (line.eta_earliest, line.eta_latest)
    await _history(supplier, [9, 10, 12, 14])  # the supplier turns out to deliver late
    context = b.later(b.ctx(), days=20)
    newer = await b.order((product, 1), context=context)
    newer_latest = (await OrderLine.get(id=newer.order.lines[0].id)).eta_latest
    assert newer_latest is not None and newer_latest > told[1]
    # The order ahead is cancelled: the queue is dated again (rule 8), on the same PO date.
    cancel = CancelRequest(first.order.lines[0].id, 1)
    await cancel_order_lines(first.order.id, [cancel], ctx=context)
    line = await OrderLine.get(id=line.id)
    assert (line.eta_earliest, line.eta_latest) == told
    assert await DelayNotice.all().count() == 0
    # The PO's date moving later moves the line, with the supplier's history in its window.
    await revise_expected_date(po.id, b.TODAY + 40 * DAY, "supplier slipped", ctx=context)
    line = await OrderLine.get(id=line.id)
    assert line.eta_earliest == told[0] + 10 * DAY
    assert line.eta_latest is not None and line.eta_latest > told[1] + 10 * DAY
