"""The preview of an expected-date change is the change itself, rolled back: exact, and kept
nowhere."""

from __future__ import annotations

import datetime as dt

import pytest

from domain.errors import Conflict, InvalidInput, NotFound
from domain.ordering.models import DelayNotice, EtaChange, EtaEvent, OrderLine
from domain.outbox.models import OutboxMessage
from domain.purchasing.models import PurchaseOrder, PurchaseOrderDateChange
from domain.supply.date_changes import change_expected_date, preview_expected_date
from domain.supply.purchase_orders import revise_expected_date
from tests import builders as b

pytestmark = pytest.mark.usefixtures("db")


async def _store() -> PurchaseOrder:
    """A PO of 10 due in 10 days: two orders of one customer, one of another, one beyond it."""
    supplier = await b.supplier(name="CoolAir", lead_time_days=60)
    product = await b.product(on_hand=0, supplier_=supplier)
    po = await b.purchase_order(supplier, b.TODAY + dt.timedelta(days=10), (product, 10))
    await b.order((product, 3), email="twice@example.com")
    await b.order((product, 3), email="twice@example.com")
    await b.order((product, 4), email="once@example.com")
    await b.order((product, 5), email="beyond@example.com")  # lead time: no PO covers it
    return po


async def _rows() -> tuple[int, ...]:
    return (
        await EtaEvent.all().count(),
        await EtaChange.all().count(),
        await OutboxMessage.all().count(),
        await DelayNotice.all().count(),
        await PurchaseOrderDateChange.all().count(),
    )


async def test_a_preview_counts_exactly_what_the_change_then_does() -> None:
    po = await _store()
    before, lines_before = await _rows(), await OrderLine.all().values("id", "eta_latest")
    new_date = b.TODAY + dt.timedelta(days=30)
    preview = await preview_expected_date(po.id, new_date, "Factory fire", ctx=b.ctx())
    assert await _rows() == before
    assert await OrderLine.all().values("id", "eta_latest") == lines_before
    assert (await PurchaseOrder.get(id=po.id)).expected_date == po.expected_date
    done = await change_expected_date(po.id, new_date, "Factory fire", ctx=b.ctx())
    assert (
        (preview.lines_moved, preview.orders_moved, preview.emails_queued, preview.delay_notices)
        == (done.lines_moved, done.orders_moved, done.emails_queued, done.delay_notices)
        == (3, 3, 3, 3)
    )
    assert preview.customers_emailed == 2  # one customer has two of the orders
    assert {t.email for t in preview.touched} == {"twice@example.com", "once@example.com"}
    assert all(t.delay_notice and t.emailed for t in preview.touched)
    assert preview.touched[0].new.latest == new_date + dt.timedelta(days=5)


async def test_a_small_move_is_previewed_as_recorded_but_not_emailed() -> None:
    po = await _store()
    preview = await preview_expected_date(
        po.id, po.expected_date - dt.timedelta(days=1), "Early", ctx=b.ctx()
    )
    assert (
        preview.lines_moved,
        preview.emails_queued,
        preview.customers_emailed,
        preview.delay_notices,
    ) == (3, 0, 0, 0)
    assert not any(t.emailed for t in preview.touched)


async def test_a_purchase_order_nobody_waits_on_moves_nothing() -> None:
    supplier = await b.supplier()
    product = await b.product(on_hand=0, supplier_=supplier)
    po = await b.purchase_order(supplier, b.TODAY + dt.timedelta(days=10), (product, 10))
    preview = await preview_expected_date(
        po.id, b.TODAY + dt.timedelta(days=20), "Late", ctx=b.ctx()
    )
    assert preview.nothing_moves and preview.touched == []


async def test_the_preview_refuses_what_the_change_would_refuse() -> None:
    po = await _store()
    with pytest.raises(InvalidInput, match="past"):
        await preview_expected_date(po.id, b.TODAY - dt.timedelta(days=1), "x", ctx=b.ctx())
    with pytest.raises(InvalidInput, match="already"):
        await preview_expected_date(po.id, po.expected_date, "x", ctx=b.ctx())
    with pytest.raises(InvalidInput):
        await preview_expected_date(po.id, b.TODAY + dt.timedelta(days=20), "  ", ctx=b.ctx())
    with pytest.raises(NotFound):
        await preview_expected_date(po.id + 100, b.TODAY + dt.timedelta(days=20), "x", ctx=b.ctx())
    await PurchaseOrder.filter(id=po.id).update(status="closed")
    with pytest.raises(Conflict):
        await change_expected_date(po.id, b.TODAY + dt.timedelta(days=20), "x", ctx=b.ctx())
    assert await PurchaseOrderDateChange.all().count() == 0


async def test_an_expected_date_cannot_be_moved_into_the_past_through_any_door() -> None:
    po = await _store()
    before, lines_before = await _rows(), await OrderLine.all().values("id", "eta_latest")
    with pytest.raises(InvalidInput) as refused:
        await revise_expected_date(po.id, b.TODAY - dt.timedelta(days=1), "Late", ctx=b.ctx())
    assert (refused.value.field, refused.value.message) == (
        "expectedDate",
        "The expected date cannot be in the past.",
    )
    assert await _rows() == before
    assert await OrderLine.all().values("id", "eta_latest") == lines_before
    assert (await PurchaseOrder.get(id=po.id)).expected_date == po.expected_date
    today = await revise_expected_date(po.id, b.TODAY, "Arrives today", ctx=b.ctx())
    assert today.lines_moved == 3
