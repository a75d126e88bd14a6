"""Shipping on the database: DOMAIN.md rules 4 and 12 (shipping/services.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from domain.errors import Conflict, InvalidInput
from domain.ledger.models import LedgerEntry
from domain.ordering.changes import respond_to_delay_notice
from domain.ordering.models import DelayNotice, OrderLine
from domain.outbox.models import OutboxMessage
from domain.shipping.models import Shipment, ShipmentLine
from domain.shipping.services import create_shipment, mark_shipped
from domain.supply.purchase_orders import revise_expected_date
from domain.vocabulary import (
    AvailabilityMode,
    DelayNoticeStatus,
    LedgerKind,
    OutboxKind,
    ShipmentStatus,
    ShipPreference,
)
from domain.webhooks.models import WebhookDelivery
from domain.webhooks.services import subscribe
from tests import builders as b
from tests.conftest import QueryCounter

pytestmark = pytest.mark.usefixtures("db")


async def _contents(shipment: Shipment) -> dict[int, int]:
    rows = await ShipmentLine.filter(shipment_id=shipment.id)
    return {row.line_id: row.quantity for row in rows}


async def test_default_parcel_of_ship_when_ready_order_holds_what_is_in_stock() -> None:
    in_stock, waiting = await b.product(on_hand=3), await b.product()
    placed = await b.order((in_stock, 2), (waiting, 1))
    ready_line, waiting_line = placed.order.lines
    parcel = await create_shipment(placed.order.id, ctx=b.ctx())
    assert parcel.status == ShipmentStatus.PLANNED
    assert await _contents(parcel) == {ready_line.id: 2}
    assert waiting_line.id not in await _contents(parcel)


async def test_ship_complete_order_cannot_ship_while_a_line_waits() -> None:
    in_stock, waiting = await b.product(on_hand=3), await b.product()
    placed = await b.order((in_stock, 2), (waiting, 1), preference=ShipPreference.SHIP_COMPLETE)
    with pytest.raises(Conflict) as refused:
        await create_shipment(placed.order.id, ctx=b.ctx())
    assert refused.value.field == "lines"
    assert await Shipment.all().count() == 0


async def test_ship_complete_order_ships_whole_once_the_last_line_arrives() -> None:
    supplier = await b.supplier()
    in_stock, waiting = await b.product(on_hand=3), await b.product(supplier_=supplier)
    po = await b.purchase_order(supplier, b.TODAY + dt.timedelta(days=7), (waiting, 5))
    placed = await b.order((in_stock, 2), (waiting, 1), preference=ShipPreference.SHIP_COMPLETE)
    await b.receipt(po, 1)
    parcel = await create_shipment(placed.order.id, ctx=b.ctx())
    assert await _contents(parcel) == {
        line.id: q for line, q in zip(placed.order.lines, (2, 1), strict=True)
    }


async def test_asking_for_more_than_may_ship_is_refused_naming_the_line() -> None:
    product = await b.product(on_hand=2)
    placed = await b.order((product, 3))
    line_id = placed.order.lines[0].id
    with pytest.raises(InvalidInput) as refused:
        await create_shipment(placed.order.id, ctx=b.ctx(), lines={line_id: 3})
    assert refused.value.field == f"lines[{line_id}].quantity"
    assert "At most 2" in refused.value.message
    assert await Shipment.all().count() == 0


async def test_line_of_another_order_cannot_be_packed() -> None:
    product = await b.product(on_hand=5)
    mine, theirs = await b.order((product, 1)), await b.order((product, 1))
    foreign = theirs.order.lines[0].id
    with pytest.raises(InvalidInput) as refused:
        await create_shipment(mine.order.id, ctx=b.ctx(), lines={foreign: 1})
    assert refused.value.field == f"lines[{foreign}].quantity"


async def test_units_in_a_planned_parcel_are_not_packed_twice() -> None:
    product = await b.product(on_hand=3)
    placed = await b.order((product, 3))
    line_id = placed.order.lines[0].id
    first = await create_shipment(placed.order.id, ctx=b.ctx(), lines={line_id: 2})
    second = await create_shipment(placed.order.id, ctx=b.ctx())
    assert await _contents(first) == {line_id: 2} and await _contents(second) == {line_id: 1}
    with pytest.raises(Conflict):
        await create_shipment(placed.order.id, ctx=b.ctx())


async def test_same_key_creates_one_parcel() -> None:
    product = await b.product(on_hand=3)
    placed = await b.order((product, 3))
    first = await create_shipment(placed.order.id, ctx=b.ctx(), key="parcel-1")
    again = await create_shipment(placed.order.id, ctx=b.ctx(), key="parcel-1")
    assert again.id == first.id and await Shipment.all().count() == 1


async def test_unreleased_preorder_does_not_ship_until_its_release_date() -> None:
    release = b.TODAY + dt.timedelta(days=10)
    product = await b.product(mode=AvailabilityMode.PREORDER, on_hand=5, release_date=release)
    placed = await b.order((product, 1))
    with pytest.raises(Conflict):
        await create_shipment(placed.order.id, ctx=b.ctx())
    parcel = await create_shipment(placed.order.id, ctx=b.later(b.ctx(), days=10))
    assert await _contents(parcel) == {placed.order.lines[0].id: 1}


async def test_parcel_leaving_moves_units_from_allocated_to_shipped() -> None:
    product = await b.product(on_hand=2)
    placed = await b.order((product, 2))
    parcel = await create_shipment(placed.order.id, ctx=b.ctx())
    sent = await mark_shipped(parcel.id, " DHL ", "JD0001", ctx=b.later(b.ctx(), days=1))
    assert (sent.status, sent.carrier, sent.tracking_number) == (
        ShipmentStatus.SHIPPED,
        "DHL",
        "JD0001",
    )
    assert sent.shipped_at == b.NOON + dt.timedelta(days=1)
    line = await OrderLine.get(id=placed.order.lines[0].id)
    assert (line.qty_allocated, line.qty_shipped) == (0, 2)


async def test_revenue_is_recognised_per_unit_when_it_ships() -> None:
    product = await b.product(on_hand=3, price="49.50")
    placed = await b.order((product, 3))
    line_id = placed.order.lines[0].id
    await b.shipped(placed.order.id, {line_id: 2})
    revenue = await LedgerEntry.filter(line_id=line_id, kind=LedgerKind.REVENUE_RECOGNISED)
    assert [(e.quantity, e.amount) for e in revenue] == [(2, Decimal("99.00"))]


async def test_customer_is_emailed_when_the_parcel_leaves() -> None:
    product = await b.product(on_hand=1)
    placed = await b.order((product, 1), email="ship@example.com")
    parcel = await b.shipped(placed.order.id)
    emails = await OutboxMessage.filter(kind=OutboxKind.SHIPMENT_SENT)
    assert [(m.recipient, m.order_id, m.shipment_id) for m in emails] == [
        ("ship@example.com", placed.order.id, parcel.id)
    ]


async def test_marking_shipped_again_with_the_same_tracking_changes_nothing() -> None:
    product = await b.product(on_hand=2)
    placed = await b.order((product, 2))
    parcel = await create_shipment(placed.order.id, ctx=b.ctx())
    first = await mark_shipped(parcel.id, "DHL", "JD0002", ctx=b.ctx())
    again = await mark_shipped(parcel.id, "DHL", "JD0002", ctx=b.later(b.ctx(), days=1))
    assert again.id == first.id and again.shipped_at == first.shipped_at
    line = await OrderLine.get(id=placed.order.lines[0].id)
    assert (line.qty_allocated, line.qty_shipped) == (0, 2)
    assert await LedgerEntry.filter(kind=LedgerKind.REVENUE_RECOGNISED).count() == 1
    assert await OutboxMessage.filter(kind=OutboxKind.SHIPMENT_SENT).count() == 1


async def test_marking_shipped_again_with_other_tracking_is_a_conflict() -> None:
    product = await b.product(on_hand=2)
    placed = await b.order((product, 2))
    parcel = await create_shipment(placed.order.id, ctx=b.ctx())
    await mark_shipped(parcel.id, "DHL", "JD0003", ctx=b.ctx())
    with pytest.raises(Conflict) as refused:
        await mark_shipped(parcel.id, "DHL", "JD9999", ctx=b.ctx())
    assert refused.value.field == "shipmentId"
    assert (await Shipment.get(id=parcel.id)).tracking_number == "JD0003"


async def test_order_ships_in_two_parcels_around_a_receipt() -> None:
    supplier = await b.supplier()
    product = await b.product(on_hand=1, supplier_=supplier, price="10.00")
    po = await b.purchase_order(supplier, b.TODAY + dt.timedelta(days=7), (product, 5))
    placed = await b.order((product, 3))
    line_id = placed.order.lines[0].id
    first = await b.shipped(placed.order.id)
    assert await _contents(first) == {line_id: 1}
    with pytest.raises(Conflict):  # the other two still wait
        await create_shipment(placed.order.id, ctx=b.ctx())
    await b.receipt(po, 2, context=b.later(b.ctx(), days=7))
    second = await b.shipped(placed.order.id, context=b.later(b.ctx(), days=7))
    assert await _contents(second) == {line_id: 2}
    line = await OrderLine.get(id=line_id)
    assert (line.qty_allocated, line.qty_waiting, line.qty_shipped) == (0, 0, 3)
    revenue = await LedgerEntry.filter(kind=LedgerKind.REVENUE_RECOGNISED).order_by("id")
    assert [(e.quantity, e.amount) for e in revenue] == [
        (1, Decimal("10.00")),
        (2, Decimal("20.00")),
    ]
    assert await OutboxMessage.filter(kind=OutboxKind.SHIPMENT_SENT).count() == 2


async def test_a_delay_notice_still_open_when_its_units_ship_is_settled_by_the_parcel() -> None:
    # Rule 10 with rule 12: once every unit of the line has left there is nothing to cancel;
    # the notice no longer waits for an answer, and a late answer is told so.
    supplier = await b.supplier()
    product = await b.product(supplier_=supplier)
    po = await b.purchase_order(supplier, b.TODAY + dt.timedelta(days=5), (product, 2))
    placed = await b.order((product, 1))
    await revise_expected_date(po.id, b.TODAY + dt.timedelta(days=20), "late", ctx=b.ctx())
    notice = await DelayNotice.get(order_id=placed.order.id)
    assert notice.status == DelayNoticeStatus.OPEN
    await b.receipt(po, 2)
    await b.shipped(placed.order.id)
    notice = await DelayNotice.get(id=notice.id)
    assert notice.status == DelayNoticeStatus.SUPERSEDED
    with pytest.raises(Conflict):
        await respond_to_delay_notice(placed.order.id, notice.id, False, ctx=b.ctx())
    line = await OrderLine.get(id=placed.order.lines[0].id)
    assert (line.qty_shipped, line.qty_cancelled) == (1, 0)


async def test_a_parcel_shipped_while_no_webhook_is_subscribed_reads_no_subscription(
    sql: QueryCounter,
) -> None:
    product = await b.product(on_hand=3)
    placed = await b.order((product, 2))
    parcel = await create_shipment(placed.order.id, ctx=b.ctx())
    sql.statements.clear()
    await mark_shipped(parcel.id, "Royal Mail", "RM1", ctx=b.ctx())
    assert sql.statements, "the counter saw the parcel leave"
    assert not [s for s in sql.statements if s.lstrip().startswith("SELECT id, events")]
    assert await WebhookDelivery.filter(event="shipment.sent").count() == 0


async def test_a_parcel_shipped_while_a_webhook_is_subscribed_tells_it() -> None:
    await subscribe(
        "https://hooks.example.com/in", ["shipment.sent"], ctx=b.ctx(), production=False
    )
    product = await b.product(on_hand=3)
    placed = await b.order((product, 2))
    parcel = await create_shipment(placed.order.id, ctx=b.ctx())
    await mark_shipped(parcel.id, "Royal Mail", "RM1", ctx=b.ctx())
    assert await WebhookDelivery.filter(event="shipment.sent").count() == 1
