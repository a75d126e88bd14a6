"""DOMAIN.md rule 26: a waitlist where nothing more can be ordered, confirmed by email first,
told first come first served when supply makes room, and counted as demand (rule 24)."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator

import pytest

from domain.catalog.models import Product, Supplier
from domain.errors import Conflict, InvalidInput, NotFound
from domain.outbox.models import OutboxMessage
from domain.purchasing.models import PurchaseOrderLine, WaitlistEntry
from domain.supply.purchase_orders import ReceiptLineRequest, receive
from domain.supply.reads import open_drafts
from domain.supply.suggestions import recompute_suggestions
from domain.supply.waitlist import (
    JOINED,
    confirm_waitlist,
    join_waitlist,
    leave_waitlist,
    tell_waitlists,
    waitlist_counts,
    waitlist_token,
)
from domain.vocabulary import OutboxKind
from tests import builders as b
from tests.domain.notifications.conftest import SmtpServer, send_all

pytestmark = pytest.mark.usefixtures("db")


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


async def _sold_out() -> tuple[Supplier, Product]:
    """No backorders (cap 0) and no stock: sold out means sold out."""
    supplier = await b.supplier(name="CoolAir", lead_time_days=20)
    product = await b.product(on_hand=0, supplier_=supplier, cap=0, sku="AC-12")
    return supplier, product


async def _token(email: str) -> str:
    entry = await WaitlistEntry.get(email=email)
    return waitlist_token(b.POLICY.secret_key, entry.id, entry.token_salt)


async def test_rule_26_only_a_product_that_cannot_be_ordered_takes_a_waitlist() -> None:
    supplier = await b.supplier()
    orderable = await b.product(on_hand=0, supplier_=supplier)
    with pytest.raises(Conflict) as error:
        await join_waitlist(orderable.sku, "ada@example.com", ctx=b.ctx())
    assert error.value.field == "sku"
    with pytest.raises(NotFound):
        await join_waitlist("NOPE", "ada@example.com", ctx=b.ctx())
    _, product = await _sold_out()
    with pytest.raises(InvalidInput) as invalid:
        await join_waitlist(product.sku, "not an address\r\nBcc: x@y.com", ctx=b.ctx())
    assert invalid.value.field == "email"
    assert await WaitlistEntry.all().count() == 0


async def test_a_sign_up_is_confirmed_by_its_emailed_link(smtp: SmtpServer) -> None:
    _, product = await _sold_out()
    assert await join_waitlist(product.sku, "Ada@Example.com", ctx=b.ctx()) == JOINED
    await send_all(smtp)
    [mail] = smtp.inbox.received
    assert mail.rcpt_tos == ["ada@example.com"]
    token = await _token("ada@example.com")
    assert f"/waitlist/{token}" in mail.text and f"/waitlist/{token}/leave" in mail.html
    assert (await WaitlistEntry.get()).status == "pending"
    assert (await confirm_waitlist(token, ctx=b.ctx())).status == "confirmed"
    with pytest.raises(NotFound):
        await confirm_waitlist(token[:-1] + ("A" if token[-1] != "A" else "B"), ctx=b.ctx())


async def test_concurrent_identical_sign_ups_make_one_entry_and_one_email() -> None:
    _, product = await _sold_out()
    answers = await asyncio.gather(
        *(join_waitlist(product.sku, "ada@example.com", ctx=b.ctx()) for _ in range(20))
    )
    assert set(answers) == {JOINED}
    assert await WaitlistEntry.all().count() == 1
    assert await OutboxMessage.filter(kind=OutboxKind.WAITLIST_CONFIRM).count() == 1


async def test_rule_26_addresses_are_told_in_order_as_far_as_supply_makes_room() -> None:
    supplier, product = await _sold_out()
    entries = [
        WaitlistEntry(
            product_id=product.id,
            email=f"c{n:04}@example.com",
            token_salt=f"{n:032x}",
            status="confirmed",
            created_at=b.NOON,
            confirmed_at=b.NOON + dt.timedelta(seconds=n),
        )
        for n in range(1000)
    ]
    await WaitlistEntry.bulk_create(entries, batch_size=200)
    await WaitlistEntry.create(
        product_id=product.id,
        email="late@example.com",
        token_salt="x" * 32,
        status="pending",
        created_at=b.NOON,
    )
    assert await tell_waitlists(ctx=b.ctx()) == 0  # sold out: no room yet
    po = await b.purchase_order(supplier, b.TODAY + dt.timedelta(days=5), (product, 10))
    line = await PurchaseOrderLine.filter(purchase_order_id=po.id).first()
    assert line is not None
    await receive(po.id, "DN-1", [ReceiptLineRequest(line.id, 10)], ctx=b.ctx())
    told = (
        await WaitlistEntry.filter(status="told")
        .order_by("confirmed_at")
        .values_list("email", flat=True)
    )
    assert told == [f"c{n:04}@example.com" for n in range(10)]
    messages = await OutboxMessage.filter(kind=OutboxKind.WAITLIST_OPENING).values_list(
        "recipient", flat=True
    )
    assert sorted(messages) == sorted(told)  # no duplicates, nobody else
    assert await tell_waitlists(ctx=b.ctx()) == 0  # the stock is spoken for: told once


async def test_rule_26_waitlisted_addresses_count_as_demand_and_can_leave() -> None:
    _, product = await _sold_out()
    for n in range(3):
        await join_waitlist(product.sku, f"c{n}@example.com", ctx=b.ctx())
        await confirm_waitlist(await _token(f"c{n}@example.com"), ctx=b.ctx())
    await join_waitlist(product.sku, "pending@example.com", ctx=b.ctx())
    await leave_waitlist(await _token("c2@example.com"), ctx=b.ctx())
    assert (await waitlist_counts([product.id]))[product.id] == {
        "confirmed": 2,
        "pending": 1,
        "left": 1,
    }
    await recompute_suggestions(ctx=b.ctx())
    [draft] = await open_drafts()
    assert draft.lines[0].quantity == 2
    assert "2 on the waitlist" in draft.lines[0].why


async def test_the_opening_email_tells_the_date_and_links_to_order(smtp: SmtpServer) -> None:
    supplier, product = await _sold_out()
    await join_waitlist(product.sku, "ada@example.com", ctx=b.ctx())
    await confirm_waitlist(await _token("ada@example.com"), ctx=b.ctx())
    await Product.filter(id=product.id).update(backorder_cap=5)
    await b.purchase_order(supplier, b.TODAY + dt.timedelta(days=10), (product, 5))
    await send_all(smtp)
    [opening] = [m for m in smtp.inbox.received if m.subject.startswith("You can order now")]
    for part in (opening.text, opening.html):
        assert product.name in part
        assert f"/products/{product.sku}" in part
        assert "13–16 March 2027" in part  # the PO in 10 days plus 2 to 5 days transit
        assert "/leave" in part


async def test_an_address_signed_up_to_many_lists_gets_at_most_its_rate_of_confirmations() -> None:
    supplier = await b.supplier(name="CoolAir", lead_time_days=20)
    products = [
        await b.product(on_hand=0, supplier_=supplier, cap=0, sku=f"AC-{n}") for n in range(6)
    ]
    answers = {
        await join_waitlist(product.sku, "Ada@Example.com", ctx=b.ctx()) for product in products
    }
    rate = b.POLICY.limits.waitlist_address
    assert rate is not None
    assert answers == {JOINED}  # limited or not, the same answer
    confirmations = await OutboxMessage.filter(kind=OutboxKind.WAITLIST_CONFIRM).count()
    assert confirmations == rate.limit
    assert await WaitlistEntry.all().count() == rate.limit
