"""Changing a placed order: DOMAIN.md rules 8, 10, 12, 13 and 15 (ordering/changes.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from domain.catalog.models import Product
from domain.errors import Conflict, InsufficientAvailability, InvalidInput, NotFound
from domain.ledger.models import LedgerEntry
from domain.ordering.changes import (
    CancelRequest,
    cancel_order_lines,
    lapse_delay_notices,
    respond_to_delay_notice,
    set_order_priority,
    set_ship_preference,
)
from domain.ordering.models import DelayNotice, EtaChange, EtaEvent, OrderLine
from domain.ordering.services import PlacedOrder, find_order_by_token
from domain.outbox.models import OutboxMessage
from domain.purchasing.models import PurchaseOrder
from domain.shipping.services import create_shipment
from domain.supply.purchase_orders import revise_expected_date
from domain.vocabulary import (
    DelayNoticeStatus,
    EtaBasis,
    EtaReason,
    LedgerKind,
    OutboxKind,
    ShipPreference,
)
from tests import builders as b

pytestmark = pytest.mark.usefixtures("db")


def day(offset: int) -> dt.date:
    return b.TODAY + dt.timedelta(days=offset)


async def _line(placed: PlacedOrder) -> OrderLine:
    return await OrderLine.get(id=placed.order.lines[0].id)


async def _backorder_on_po(days: int = 10) -> tuple[PurchaseOrder, PlacedOrder]:
    """One order of two units waiting on a PO expected in ``days`` days."""
    supplier = await b.supplier(lead_time_days=60)
    product = await b.product(supplier_=supplier, price="25.00")
    po = await b.purchase_order(supplier, day(days), (product, 10))
    return po, await b.order((product, 2))


async def _slip(po: PurchaseOrder, days: int) -> DelayNotice:
    """The supplier moves the PO; returns the line's newest delay notice."""
    await revise_expected_date(po.id, day(days), "Supplier slipped", ctx=b.ctx())
    return await DelayNotice.filter().order_by("-id").first()  # type: ignore[return-value]


async def test_cancelling_waiting_units_frees_room_under_the_cap() -> None:
    product = await b.product(cap=3)
    first = await b.order((product, 3))
    with pytest.raises(InsufficientAvailability):
        await b.order((product, 2))
    cancel_two = CancelRequest(first.order.lines[0].id, 2)
    await cancel_order_lines(first.order.id, [cancel_two], ctx=b.ctx())
    assert (await Product.get(id=product.id)).waiting_units == 1
    second = await b.order((product, 2))
    assert second.order.lines[0].waiting == 2


async def test_cancelling_a_backorder_moves_everyone_behind_earlier() -> None:
    supplier = await b.supplier(lead_time_days=40)
    product = await b.product(supplier_=supplier)
    await b.purchase_order(supplier, day(10), (product, 2))
    ahead = await b.order((product, 2))
    behind = await b.order((product, 2), context=b.later(b.ctx(), seconds=1))
    assert behind.order.lines[0].eta.basis == EtaBasis.LEAD_TIME
    await cancel_order_lines(ahead.order.id, [CancelRequest(ahead.order.lines[0].id)], ctx=b.ctx())
    moved = await _line(behind)
    assert (moved.eta_basis, moved.eta_earliest) == (EtaBasis.PURCHASE_ORDER, day(12))
    change = await EtaChange.get(line_id=moved.id).prefetch_related("event")
    assert change.event.reason == EtaReason.ORDER_CANCELLED
    assert (change.old_basis, change.new_basis) == (EtaBasis.LEAD_TIME, EtaBasis.PURCHASE_ORDER)


async def test_cancelled_backorder_is_reversed_and_refunded_in_the_ledger() -> None:
    product = await b.product(price="20.00")
    placed = await b.order((product, 3))
    line_id = placed.order.lines[0].id
    await cancel_order_lines(placed.order.id, [CancelRequest(line_id, 2)], ctx=b.ctx())
    entries = await LedgerEntry.filter(line_id=line_id).order_by("id")
    assert [(e.kind, e.quantity, e.amount) for e in entries] == [
        (LedgerKind.BACKORDER_BOOKED, 3, Decimal("60.00")),
        (LedgerKind.BACKORDER_CANCELLED, 2, Decimal("40.00")),
        (LedgerKind.REFUND_DUE, 2, Decimal("40.00")),
    ]


async def test_customer_is_emailed_what_was_cancelled() -> None:
    product = await b.product(on_hand=1)
    placed = await b.order((product, 3), email="c@example.com")
    line_id = placed.order.lines[0].id
    view = await cancel_order_lines(placed.order.id, [CancelRequest(line_id)], ctx=b.ctx())
    assert (view.lines[0].cancelled, view.lines[0].open) == (3, 0)
    email = await OutboxMessage.get(kind=OutboxKind.ORDER_CANCELLED)
    assert (email.recipient, email.order_id, email.payload) == (
        "c@example.com",
        placed.order.id,
        {"lines": [[line_id, 3]]},
    )
    assert (await Product.get(id=product.id)).on_hand == 1  # its stock went back


async def test_cannot_cancel_more_than_is_unshipped() -> None:
    product = await b.product(on_hand=2)
    placed = await b.order((product, 3))
    line_id = placed.order.lines[0].id
    await b.shipped(placed.order.id, {line_id: 2})
    with pytest.raises(InvalidInput) as refused:
        await cancel_order_lines(placed.order.id, [CancelRequest(line_id, 2)], ctx=b.ctx())
    assert refused.value.field == "lines[0].quantity" and "Only 1" in refused.value.message
    assert (await OrderLine.get(id=line_id)).qty_cancelled == 0


async def test_units_packed_in_a_planned_parcel_cannot_be_cancelled() -> None:
    product = await b.product(on_hand=3)
    placed = await b.order((product, 3))
    line_id = placed.order.lines[0].id
    await create_shipment(placed.order.id, ctx=b.ctx(), lines={line_id: 2})
    with pytest.raises(InvalidInput) as refused:
        await cancel_order_lines(placed.order.id, [CancelRequest(line_id, 2)], ctx=b.ctx())
    assert "Only 1" in refused.value.message
    view = await cancel_order_lines(placed.order.id, [CancelRequest(line_id)], ctx=b.ctx())
    assert (view.lines[0].allocated, view.lines[0].cancelled) == (2, 1)


async def test_a_line_named_twice_in_one_cancellation_is_refused() -> None:
    product = await b.product()
    placed = await b.order((product, 2))
    line_id = placed.order.lines[0].id
    with pytest.raises(InvalidInput) as refused:
        await cancel_order_lines(
            placed.order.id, [CancelRequest(line_id, 1), CancelRequest(line_id, 1)], ctx=b.ctx()
        )
    assert refused.value.field == "lines[1].lineId"
    assert (await _line(placed)).qty_cancelled == 0
    assert (await Product.get(id=product.id)).waiting_units == 2


async def test_unknown_ship_preference_is_refused() -> None:
    placed = await b.order((await b.product(), 1))
    with pytest.raises(InvalidInput) as refused:
        await set_ship_preference(placed.order.id, "by_carrier_pigeon", ctx=b.ctx())
    assert refused.value.field == "ship_preference"


async def test_ship_preference_changes_while_anything_is_unshipped() -> None:
    product = await b.product(on_hand=1)
    placed = await b.order((product, 2))
    await b.shipped(placed.order.id)
    view = await set_ship_preference(placed.order.id, "ship_complete", ctx=b.ctx())
    assert view.ship_preference == ShipPreference.SHIP_COMPLETE


async def test_ship_preference_is_refused_once_everything_shipped() -> None:
    product = await b.product(on_hand=2)
    placed = await b.order((product, 2))
    await b.shipped(placed.order.id)
    with pytest.raises(Conflict) as refused:
        await set_ship_preference(placed.order.id, "ship_complete", ctx=b.ctx())
    assert refused.value.field == "ship_preference"


async def test_raised_priority_is_filled_first_by_the_next_receipt() -> None:
    po, first = await _backorder_on_po()
    product = await Product.get(id=(await _line(first)).product_id)
    second = await b.order((product, 2), context=b.later(b.ctx(), seconds=1))
    view = await set_order_priority(second.order.id, 5, ctx=b.ctx())
    assert view.priority == 5
    await b.receipt(po, 2)
    assert ((await _line(second)).qty_allocated, (await _line(first)).qty_allocated) == (2, 0)


async def test_lowered_priority_order_waits_behind_one_placed_after_it() -> None:
    supplier = await b.supplier(lead_time_days=40)
    product = await b.product(supplier_=supplier)
    await b.purchase_order(supplier, day(10), (product, 2))
    lowered = await b.order((product, 2))
    await set_order_priority(lowered.order.id, -1, ctx=b.ctx())
    newer = await b.order((product, 2), context=b.later(b.ctx(), seconds=1))
    promised = newer.order.lines[0].promised
    assert promised.basis == EtaBasis.PURCHASE_ORDER and newer.order.lines[0].eta == promised
    assert (await _line(lowered)).eta_basis == EtaBasis.LEAD_TIME
    assert await DelayNotice.filter(order_id=lowered.order.id).count() == 1  # told it moved back
    kinds = [m.kind for m in await OutboxMessage.filter(order_id=newer.order.id)]
    assert kinds == [OutboxKind.ORDER_CONFIRMATION]


async def test_order_placed_with_priority_is_promised_its_place_ahead() -> None:
    supplier = await b.supplier(lead_time_days=40)
    product = await b.product(supplier_=supplier)
    await b.purchase_order(supplier, day(10), (product, 2))
    waiting = await b.order((product, 2))
    urgent = await b.order((product, 2), context=b.later(b.ctx(), seconds=1), priority=3)
    assert urgent.order.lines[0].promised.basis == EtaBasis.PURCHASE_ORDER
    assert await EtaChange.filter(line_id=urgent.order.lines[0].id).count() == 0
    assert (await _line(waiting)).eta_basis == EtaBasis.LEAD_TIME


async def test_keeping_after_a_delay_consents_to_the_new_date() -> None:
    po, placed = await _backorder_on_po()
    notice = await _slip(po, 20)
    await respond_to_delay_notice(placed.order.id, notice.id, True, ctx=b.ctx())
    assert (await DelayNotice.get(id=notice.id)).status == DelayNoticeStatus.KEPT
    assert (await _line(placed)).consented_latest == notice.new_latest == day(25)
    with pytest.raises(Conflict):
        await respond_to_delay_notice(placed.order.id, notice.id, True, ctx=b.ctx())


async def test_second_slip_past_a_consented_date_requires_an_answer() -> None:
    po, placed = await _backorder_on_po()
    first = await _slip(po, 20)
    await respond_to_delay_notice(placed.order.id, first.id, True, ctx=b.ctx())
    second = await _slip(po, 30)
    assert second.id != first.id and second.requires_answer
    assert (second.previous_latest, second.new_latest) == (day(25), day(35))


async def test_cancelling_from_a_delay_notice_cancels_the_line_with_full_refund() -> None:
    po, placed = await _backorder_on_po()
    notice = await _slip(po, 20)
    await respond_to_delay_notice(placed.order.id, notice.id, False, ctx=b.ctx())
    line = await _line(placed)
    assert (line.qty_waiting, line.qty_cancelled) == (0, 2)
    assert (await DelayNotice.get(id=notice.id)).status == DelayNoticeStatus.CANCELLED
    refund = await LedgerEntry.get(line_id=line.id, kind=LedgerKind.REFUND_DUE)
    assert (refund.quantity, refund.amount) == (2, Decimal("50.00"))


async def test_notice_of_another_order_is_not_found() -> None:
    po, placed = await _backorder_on_po()
    notice = await _slip(po, 20)
    stranger = await b.order((await b.product(on_hand=1), 1))
    with pytest.raises(NotFound):
        await respond_to_delay_notice(stranger.order.id, notice.id, False, ctx=b.ctx())
    assert (await _line(placed)).qty_waiting == 2


async def test_silence_after_a_first_notice_is_consent_once_the_deadline_passes() -> None:
    po, placed = await _backorder_on_po()
    notice = await _slip(po, 20)
    on_deadline = b.later(b.ctx(), days=b.POLICY.delay_answer_days)
    assert await lapse_delay_notices(ctx=on_deadline) == (0, 0)
    assert await lapse_delay_notices(ctx=b.later(on_deadline, days=1)) == (1, 0)
    assert (await DelayNotice.get(id=notice.id)).status == DelayNoticeStatus.CONSENTED
    line = await _line(placed)
    assert (line.consented_latest, line.qty_waiting) == (day(25), 2)


async def test_unanswered_second_notice_cancels_and_refunds_the_line() -> None:
    po, placed = await _backorder_on_po()
    await _slip(po, 20)
    await lapse_delay_notices(ctx=b.later(b.ctx(), days=b.POLICY.delay_answer_days + 1))
    second = await _slip(po, 30)
    assert second.requires_answer
    after = b.later(b.ctx(), days=b.POLICY.delay_answer_days + 1)
    assert await lapse_delay_notices(ctx=after) == (0, 1)
    line = await _line(placed)
    assert (line.qty_waiting, line.qty_cancelled) == (0, 2)
    assert (await DelayNotice.get(id=second.id)).status == DelayNoticeStatus.CANCELLED
    assert await LedgerEntry.filter(line_id=line.id, kind=LedgerKind.REFUND_DUE).count() == 1
    assert await OutboxMessage.filter(kind=OutboxKind.ORDER_CANCELLED).count() == 1


async def test_order_link_token_finds_the_order_and_nothing_else() -> None:
    placed = await b.order((await b.product(on_hand=1), 1))
    assert (await find_order_by_token(placed.token)).id == placed.order.id
    for token in ("", placed.token[:-1] + "x", "x" * 101):
        with pytest.raises(NotFound) as refused:
            await find_order_by_token(token)
        assert refused.value.field == "token"


async def test_events_record_who_caused_them() -> None:
    po, _ = await _backorder_on_po()
    await _slip(po, 20)
    event = await EtaEvent.get(reason=EtaReason.PO_DATE_CHANGED)
    assert event.actor == "staff:tester"
