"""Rule 24 end to end in the domain: drafts from demand, sending with a private link, the
supplier's answers through rule 8, and reminders. Emails go through a real SMTP server."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator

import pytest

from domain.catalog.models import Product, Supplier
from domain.errors import Conflict, InvalidInput, NotFound
from domain.ordering.models import EtaChange, OrderLine
from domain.outbox.models import OutboxMessage
from domain.purchasing.models import (
    PurchaseOrder,
    PurchaseOrderLine,
    ReorderDraft,
    SupplierProposal,
)
from domain.supply.answers import (
    LineAnswer,
    LinkRefused,
    answer_purchase_order,
    apply_proposal,
    holder_of,
)
from domain.supply.link import supplier_token
from domain.supply.reads import follow_ups, open_drafts, pending_proposals, supplier_po
from domain.supply.reminders import remind_suppliers
from domain.supply.sending import send_draft, send_purchase_order
from domain.supply.suggestions import DraftEdit, discard_draft, edit_draft, recompute_suggestions
from domain.vocabulary import OutboxKind
from tests import builders as b
from tests.domain.notifications.conftest import RunningClock, SmtpServer, send_all

pytestmark = pytest.mark.usefixtures("db")


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


def day(offset: int) -> dt.date:
    return b.TODAY + dt.timedelta(days=offset)


async def _supplier(name: str = "CoolAir", email: str = "sales@coolair.example") -> Supplier:
    supplier = await b.supplier(name=name, lead_time_days=20)
    supplier.email = email
    await supplier.save()
    return supplier


async def _product(supplier: Supplier, **supply: int) -> Product:
    product = await b.product(on_hand=0, supplier_=supplier)
    if supply:
        await Product.filter(id=product.id).update(**supply)
    return product


async def test_rule_24_waiting_units_no_open_po_covers_become_a_draft_per_supplier() -> None:
    cool, heat = await _supplier(), await _supplier("HeatCo", "sales@heat.example")
    ac = await _product(cool, min_order_qty=10, pack_size=4)
    fan = await _product(cool, safety_stock=3)
    stove = await _product(heat)
    covered = await _product(heat)
    await b.purchase_order(heat, day(10), (covered, 5))
    await b.order((ac, 7), (fan, 2), (stove, 1), (covered, 5))
    done = await recompute_suggestions(ctx=b.ctx())
    assert (done.drafts, done.lines) == (2, 3)
    drafts = {d.supplier_name: d for d in await open_drafts()}
    cool_lines = {line.sku: line for line in drafts["CoolAir"].lines}
    assert cool_lines[ac.sku].quantity == 12  # 7 waiting, minimum 10, packs of 4
    assert "minimum order of 10" in cool_lines[ac.sku].why
    assert cool_lines[fan.sku].quantity == 5  # 2 waiting + 3 safety stock
    assert [line.sku for line in drafts["HeatCo"].lines] == [stove.sku]
    assert drafts["CoolAir"].expected_date == day(20)  # the supplier's lead time


async def test_recomputing_keeps_staff_edits_and_is_idempotent() -> None:
    cool = await _supplier()
    ac, fan = await _product(cool), await _product(cool)
    await b.order((ac, 4), (fan, 2))
    await recompute_suggestions(ctx=b.ctx())
    [draft] = await open_drafts()
    await edit_draft(draft.id, day(30), [DraftEdit(ac.id, 9), DraftEdit(fan.id, 0)], ctx=b.ctx())
    await b.order((ac, 1))
    await recompute_suggestions(ctx=b.ctx())
    await recompute_suggestions(ctx=b.ctx())
    [again] = await open_drafts()
    assert again.id == draft.id and again.expected_date == day(30)
    lines = {line.sku: line for line in again.lines}
    assert (lines[ac.sku].quantity, lines[ac.sku].suggested) == (9, 5)
    assert "staff chose 9" in lines[ac.sku].why
    assert lines[fan.sku].quantity == 2  # removed by staff, suggested again by demand
    assert await ReorderDraft.all().count() == 1


async def test_bad_draft_edits_are_refused_naming_the_field() -> None:
    cool = await _supplier()
    ac = await _product(cool)
    await b.order((ac, 4))
    await recompute_suggestions(ctx=b.ctx())
    [draft] = await open_drafts()
    with pytest.raises(InvalidInput) as error:
        await edit_draft(draft.id, None, [DraftEdit(ac.id, -1)], ctx=b.ctx())
    assert error.value.field == "lines[0].quantity"
    with pytest.raises(InvalidInput) as error:
        await edit_draft(draft.id, day(-1), [], ctx=b.ctx())
    assert error.value.field == "expectedDate"
    await discard_draft(draft.id, ctx=b.ctx())
    with pytest.raises(Conflict):
        await send_draft(draft.id, ctx=b.ctx())


async def _sent(smtp: SmtpServer | None = None) -> tuple[PurchaseOrder, str, list[Product]]:
    cool = await _supplier()
    ac, fan = await _product(cool), await _product(cool)
    await b.order((ac, 4), (fan, 2), email="ada@example.com")
    await recompute_suggestions(ctx=b.ctx())
    [draft] = await open_drafts()
    po_id = await send_draft(draft.id, ctx=b.ctx())
    po = await PurchaseOrder.get(id=po_id)
    assert po.link_expires is not None
    token = supplier_token(b.POLICY.secret_key, po.id, po.link_expires, po.link_salt)
    return po, token, [ac, fan]


async def test_sending_a_draft_creates_the_po_and_emails_the_supplier(smtp: SmtpServer) -> None:
    po, token, (ac, fan) = await _sent()
    assert po.sent_at is not None
    lines = await PurchaseOrderLine.filter(purchase_order_id=po.id).order_by("id")
    assert [(ln.product_id, ln.quantity) for ln in lines] == [(ac.id, 4), (fan.id, 2)]
    # waiting lines are now pegged to the PO: its date, not the lead time
    assert await OrderLine.filter(eta_basis="purchase_order").count() == 2
    await send_all(smtp)
    [mail] = [m for m in smtp.inbox.received if m.rcpt_tos == ["sales@coolair.example"]]
    assert mail.subject == f"Purchase order {po.number}"
    assert f"/supplier/po/{token}" in mail.text and f"/supplier/po/{token}" in mail.html
    attachment = next(iter(mail.message.iter_attachments()))
    assert attachment.get_filename() == f"{po.number}.csv"
    csv = attachment.get_content()
    csv = csv.decode() if isinstance(csv, bytes) else csv
    assert csv.splitlines()[0] == "po,sku,name,quantity,expected_date,confirmed_date"
    assert f"{po.number},{ac.sku}," in csv


async def test_a_supplier_without_a_safe_address_is_not_sent_to() -> None:
    cool = await _supplier(email="sales@coolair.example\r\nBcc: thief@example.com")
    ac = await _product(cool)
    await b.order((ac, 4))
    await recompute_suggestions(ctx=b.ctx())
    [draft] = await open_drafts()
    with pytest.raises(Conflict) as error:
        await send_draft(draft.id, ctx=b.ctx())
    assert error.value.field == "supplierEmail"
    assert await PurchaseOrder.all().count() == 0
    assert await OutboxMessage.all().count() == 1  # only the customer's confirmation


async def test_a_confirmation_records_the_confirmed_date() -> None:
    po, token, _ = await _sent()
    lines = await PurchaseOrderLine.filter(purchase_order_id=po.id).order_by("id")
    done = await answer_purchase_order(token, [LineAnswer(lines[0].id, confirm=True)], ctx=b.ctx())
    assert (done.confirmed, done.proposed) == (1, 0)
    first = await PurchaseOrderLine.get(id=lines[0].id)
    assert first.confirmed_date == po.expected_date
    assert (await PurchaseOrderLine.get(id=lines[1].id)).confirmed_date is None


async def test_rule_24_a_line_moved_by_the_supplier_flows_through_rule_8() -> None:
    po, token, (ac, fan) = await _sent()
    lines = await PurchaseOrderLine.filter(purchase_order_id=po.id).order_by("id")
    later = po.expected_date + dt.timedelta(days=14)
    before = await OutboxMessage.filter(kind=OutboxKind.DELAY_NOTICE).count()
    await answer_purchase_order(
        token,
        [
            LineAnswer(lines[0].id, confirm=True),
            LineAnswer(lines[1].id, confirm=False, date=later, note="Factory closed"),
        ],
        ctx=b.ctx(),
    )
    moved = await PurchaseOrderLine.get(id=lines[1].id)
    part = await PurchaseOrder.get(id=moved.purchase_order_id)
    assert part.id != po.id and part.split_from_id == po.id
    assert part.expected_date == later and moved.confirmed_date == later
    assert (await PurchaseOrder.get(id=po.id)).expected_date == po.expected_date
    changed = await EtaChange.filter(line__product_id=fan.id).order_by("-id").first()
    assert changed is not None and changed.new_latest is not None and changed.new_latest > later
    assert await OutboxMessage.filter(kind=OutboxKind.DELAY_NOTICE).count() == before + 1
    # the supplier's page still shows both lines, and nothing of other POs
    view = await supplier_po(await holder_of(token, ctx=b.ctx()))
    assert {line.po_number for line in view.lines} == {po.number, part.number}


async def test_with_approval_a_proposal_waits_for_staff() -> None:
    po, token, (ac, _) = await _sent()
    approval = b.ctx(policy=dataclasses.replace(b.POLICY, supplier_changes_need_approval=True))
    lines = await PurchaseOrderLine.filter(purchase_order_id=po.id).order_by("id")
    await answer_purchase_order(
        token, [LineAnswer(lines[0].id, confirm=False, quantity=3)], ctx=approval
    )
    assert (await PurchaseOrderLine.get(id=lines[0].id)).quantity_cancelled == 0
    [waiting] = await pending_proposals()
    assert (waiting.proposed_quantity, waiting.expected) == (3, 4)
    await apply_proposal(waiting.id, ctx=b.ctx())
    assert (await PurchaseOrderLine.get(id=lines[0].id)).quantity_cancelled == 1
    assert (await SupplierProposal.get(id=waiting.id)).status == "applied"
    with pytest.raises(Conflict):
        await apply_proposal(waiting.id, ctx=b.ctx())


async def test_bad_answers_are_refused_naming_the_field_and_change_nothing() -> None:
    po, token, _ = await _sent()
    lines = await PurchaseOrderLine.filter(purchase_order_id=po.id).order_by("id")
    cases = [
        (LineAnswer(lines[0].id, confirm=False, date=day(-1)), "lines[0].date"),
        (LineAnswer(lines[0].id, confirm=False, quantity=5), "lines[0].quantity"),
        (LineAnswer(lines[0].id, confirm=False, quantity=0), "lines[0].quantity"),
        (LineAnswer(lines[0].id, confirm=True, note="<b>hi</b>"), "lines[0].note"),
        (LineAnswer(lines[0].id, confirm=True, note="x" * 10_000), "lines[0].note"),
        (LineAnswer(lines[0].id, confirm=False), "lines[0].date"),
    ]
    for answer, field in cases:
        with pytest.raises(InvalidInput) as error:
            await answer_purchase_order(token, [answer], ctx=b.ctx())
        assert error.value.field == field
    assert await SupplierProposal.all().count() == 0
    assert await PurchaseOrderLine.filter(confirmed_date__isnull=False).count() == 0


async def test_tampered_expired_and_replaced_links_are_refused() -> None:
    po, token, _ = await _sent()
    assert po.link_expires is not None
    line = await PurchaseOrderLine.filter(purchase_order_id=po.id).first()
    assert line is not None
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    other_po = token.replace(f"{po.id}.", f"{po.id + 1}.", 1)
    for bad in (tampered, other_po):
        with pytest.raises(LinkRefused):
            await holder_of(bad, ctx=b.ctx())
        with pytest.raises(LinkRefused):
            await answer_purchase_order(bad, [LineAnswer(line.id, True)], ctx=b.ctx())
    with pytest.raises(NotFound):
        await holder_of("not-a-token", ctx=b.ctx())
    after_expiry = b.later(b.ctx(), days=(po.link_expires - b.TODAY).days + 1)
    with pytest.raises(LinkRefused):
        await holder_of(token, ctx=after_expiry)
    await send_purchase_order(po.id, ctx=b.ctx())  # sent again: a new link
    with pytest.raises(LinkRefused):
        await holder_of(token, ctx=b.ctx())
    assert await PurchaseOrderLine.filter(confirmed_date__isnull=False).count() == 0


async def test_two_suppliers_links_never_see_each_others_purchase_orders() -> None:
    po, token, _ = await _sent()
    heat = await _supplier("HeatCo", "sales@heat.example")
    stove = await _product(heat)
    theirs = await b.purchase_order(heat, day(9), (stove, 3))
    await send_purchase_order(theirs.id, ctx=b.ctx())
    their_line = await PurchaseOrderLine.get(purchase_order_id=theirs.id)
    view = await supplier_po(await holder_of(token, ctx=b.ctx()))
    assert stove.sku not in {line.sku for line in view.lines}
    with pytest.raises(NotFound) as error:
        await answer_purchase_order(token, [LineAnswer(their_line.id, True)], ctx=b.ctx())
    assert error.value.field == "lines[0].lineId"
    assert (await PurchaseOrderLine.get(id=their_line.id)).confirmed_date is None


async def test_reminders_go_once_per_period_whatever_the_restarts() -> None:
    po, token, _ = await _sent()
    lines = await PurchaseOrderLine.filter(purchase_order_id=po.id).order_by("id")

    async def reminders() -> int:
        return await OutboxMessage.filter(kind=OutboxKind.SUPPLIER_REMINDER).count()

    assert await remind_suppliers(ctx=b.ctx()) == {"unconfirmed": 0, "overdue": 0}
    three_days = b.later(b.ctx(), days=3)
    assert (await remind_suppliers(ctx=three_days))["unconfirmed"] == 1
    assert (await remind_suppliers(ctx=three_days))["unconfirmed"] == 0  # a restart
    assert (await remind_suppliers(ctx=b.later(b.ctx(), days=5)))["unconfirmed"] == 0
    assert await reminders() == 1
    [follow] = await follow_ups(three_days)
    assert follow.po_id == po.id and follow.last_reminder_at is not None
    await answer_purchase_order(
        token, [LineAnswer(line.id, True) for line in lines], ctx=three_days
    )
    assert (await remind_suppliers(ctx=b.later(b.ctx(), days=6)))["unconfirmed"] == 0
    past_due = b.later(b.ctx(), days=(po.expected_date - b.TODAY).days + 1)
    assert (await remind_suppliers(ctx=past_due))["overdue"] == 1
    assert await reminders() == 2


async def test_the_reminder_email_asks_for_the_confirmation(smtp: SmtpServer) -> None:
    po, token, _ = await _sent()
    await remind_suppliers(ctx=b.later(b.ctx(), days=3))
    await send_all(smtp, clock=RunningClock(b.NOON + dt.timedelta(days=3, minutes=1)))
    [reminder] = [m for m in smtp.inbox.received if "please confirm" in m.subject]
    assert reminder.subject == f"Purchase order {po.number}: please confirm"
    assert f"/supplier/po/{token}" in reminder.text
    assert "We have not yet had your confirmation" in reminder.html
