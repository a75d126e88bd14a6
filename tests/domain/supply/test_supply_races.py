"""Racing writes of supply, raced: a draft sent twice at once, two clocks reminding, two
tellers of one waitlist. Each does its work once."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from domain.catalog.models import Product, Supplier
from domain.outbox.models import OutboxMessage
from domain.purchasing.models import PurchaseOrder, ReorderDraft, WaitlistEntry
from domain.supply.reads import open_drafts
from domain.supply.reminders import remind_suppliers
from domain.supply.sending import send_draft
from domain.supply.suggestions import recompute_suggestions
from domain.supply.waitlist import tell_waitlists
from domain.vocabulary import OutboxKind
from tests import builders as b

pytestmark = pytest.mark.usefixtures("db")


async def _draft() -> int:
    supplier = await b.supplier(name="CoolAir")
    await Supplier.filter(id=supplier.id).update(email="sales@coolair.example")
    product = await b.product(on_hand=0, supplier_=supplier)
    await b.order((product, 4))
    await recompute_suggestions(ctx=b.ctx())
    [draft] = await open_drafts()
    return draft.id


async def test_a_draft_sent_five_times_at_once_makes_one_po_and_one_email() -> None:
    draft_id = await _draft()
    sent = await asyncio.gather(
        *(send_draft(draft_id, ctx=b.ctx()) for _ in range(5)), return_exceptions=True
    )
    ids = {s for s in sent if isinstance(s, int)}
    assert len(ids) == 1, sent
    assert await PurchaseOrder.all().count() == 1
    assert await OutboxMessage.filter(kind=OutboxKind.PURCHASE_ORDER_SENT).count() == 1
    assert (await ReorderDraft.get(id=draft_id)).status == "sent"


async def test_two_clocks_reminding_at_once_send_one_reminder() -> None:
    await send_draft(await _draft(), ctx=b.ctx())
    later = b.later(b.ctx(), days=4)
    await asyncio.gather(*(remind_suppliers(ctx=later) for _ in range(3)))
    assert await OutboxMessage.filter(kind=OutboxKind.SUPPLIER_REMINDER).count() == 1


async def test_two_tellers_of_one_waitlist_tell_each_address_once() -> None:
    product = await b.product(on_hand=0, cap=0)
    await WaitlistEntry.bulk_create(
        [
            WaitlistEntry(
                product_id=product.id,
                email=f"c{n}@example.com",
                token_salt=f"{n:032x}",
                status="confirmed",
                created_at=b.NOON,
                confirmed_at=b.NOON + dt.timedelta(seconds=n),
            )
            for n in range(50)
        ]
    )
    await Product.filter(id=product.id).update(on_hand=10)
    told = await asyncio.gather(*(tell_waitlists(ctx=b.ctx()) for _ in range(4)))
    assert sum(told) == 10
    recipients = await OutboxMessage.filter(kind=OutboxKind.WAITLIST_OPENING).values_list(
        "recipient", flat=True
    )
    assert sorted(recipients) == sorted(f"c{n}@example.com" for n in range(10))
