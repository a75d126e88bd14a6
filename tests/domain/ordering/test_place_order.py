"""Placing an order: DOMAIN.md rules 1 to 5."""

from __future__ import annotations

import asyncio
import contextvars
import datetime as dt

import pytest
from tortoise.transactions import in_transaction

from domain.catalog.models import Product
from domain.customers.models import Customer
from domain.customers.services import CUSTOMER_CTE, customer_cte_values
from domain.db import fetch, is_postgres
from domain.errors import IdempotencyKeyReused, InsufficientAvailability, InvalidInput
from domain.ledger.models import LedgerEntry
from domain.ordering.models import Allocation, Order, OrderLine
from domain.ordering.reads import order_view
from domain.ordering.services import MAX_LINES, LineRequest, OrderRequest, place_order
from domain.outbox.models import OutboxMessage
from domain.vocabulary import AvailabilityMode, EtaBasis, LedgerKind, OutboxKind, ShipPreference
from tests import builders as b
from tests.conftest import QueryCounter

pytestmark = pytest.mark.usefixtures("db")


async def test_line_splits_into_stock_and_backorder() -> None:
    product = await b.product(on_hand=3)
    placed = await b.order((product, 5))
    line = placed.order.lines[0]
    assert (line.allocated, line.waiting) == (3, 2)
    refreshed = await Product.get(id=product.id)
    assert (refreshed.on_hand, refreshed.waiting_units) == (0, 2)


async def test_in_stock_line_gets_in_stock_eta_from_today() -> None:
    product = await b.product(on_hand=10)
    line = (await b.order((product, 2))).order.lines[0]
    assert line.eta.basis == EtaBasis.IN_STOCK
    assert line.eta.earliest == b.TODAY + dt.timedelta(days=b.POLICY.transit_days_min)
    assert line.promised == line.eta


async def test_backorder_eta_comes_from_the_po_line_covering_its_last_unit() -> None:
    supplier = await b.supplier(lead_time_days=40)
    product = await b.product(supplier_=supplier)
    await b.purchase_order(supplier, b.TODAY + dt.timedelta(days=10), (product, 3))
    await b.purchase_order(supplier, b.TODAY + dt.timedelta(days=20), (product, 3))
    first = (await b.order((product, 3))).order.lines[0]
    second = (await b.order((product, 2))).order.lines[0]
    beyond = (await b.order((product, 2))).order.lines[0]
    assert first.eta.basis == second.eta.basis == EtaBasis.PURCHASE_ORDER
    assert first.eta.earliest == b.TODAY + dt.timedelta(days=10 + b.POLICY.transit_days_min)
    assert second.eta.earliest == b.TODAY + dt.timedelta(days=20 + b.POLICY.transit_days_min)
    assert beyond.eta.basis == EtaBasis.LEAD_TIME
    assert beyond.eta.earliest == b.TODAY + dt.timedelta(days=40 + b.POLICY.transit_days_min)


async def test_order_past_backorder_cap_is_refused_saying_how_many_remain() -> None:
    product = await b.product(on_hand=1, cap=3)
    await b.order((product, 2))  # 1 from stock, 1 waits
    with pytest.raises(InsufficientAvailability) as refused:
        await b.order((product, 3))
    assert refused.value.available == 2
    assert refused.value.field == "lines[0].quantity"
    assert "2" in refused.value.message


async def test_no_backorder_product_sells_only_its_stock() -> None:
    product = await b.product(on_hand=2, cap=0)
    with pytest.raises(InsufficientAvailability) as refused:
        await b.order((product, 3))
    assert refused.value.available == 2
    assert "no backorders" in refused.value.message


async def test_refused_order_leaves_no_partial_state() -> None:
    fine = await b.product(on_hand=5)
    capped = await b.product(on_hand=0, cap=0)
    with pytest.raises(InsufficientAvailability):
        await b.order((fine, 2), (capped, 1))
    assert (await Product.get(id=fine.id)).on_hand == 5
    assert await OrderLine.all().count() == 0
    assert await OutboxMessage.all().count() == 0


async def test_backorder_is_booked_not_sold() -> None:
    product = await b.product(on_hand=1, price="20.00")
    placed = await b.order((product, 3))
    entries = await LedgerEntry.filter(line_id=placed.order.lines[0].id)
    assert [(e.kind, e.quantity, str(e.amount)) for e in entries] == [
        (LedgerKind.BACKORDER_BOOKED, 3, "60.00")
    ]


async def test_confirmation_email_is_queued_with_the_order() -> None:
    product = await b.product(on_hand=1)
    placed = await b.order((product, 1), email="Grace@Example.com")
    rows = await OutboxMessage.filter(order_id=placed.order.id)
    assert [(r.kind, r.recipient) for r in rows] == [
        (OutboxKind.ORDER_CONFIRMATION, "grace@example.com")
    ]


async def test_idempotency_key_replay_returns_the_first_order() -> None:
    product = await b.product(on_hand=5)
    first = await b.order((product, 2), key="k-1", email="a@example.com")
    again = await b.order((product, 2), key="k-1", email="a@example.com")
    assert again.replayed and again.order.id == first.order.id and again.token == first.token
    assert (await Product.get(id=product.id)).on_hand == 3


async def test_idempotency_key_reused_with_other_input_is_refused() -> None:
    product = await b.product(on_hand=5)
    await b.order((product, 2), key="k-2", email="a@example.com")
    with pytest.raises(IdempotencyKeyReused):
        await b.order((product, 3), key="k-2", email="a@example.com")


async def test_unknown_sku_names_the_line_field() -> None:
    product = await b.product(on_hand=5)
    product.sku = "NOPE"
    with pytest.raises(InvalidInput) as refused:
        await b.order((product, 1))
    assert refused.value.field == "lines[0].sku"


async def test_preorder_waits_for_its_release_date() -> None:
    release = b.TODAY + dt.timedelta(days=30)
    product = await b.product(mode=AvailabilityMode.PREORDER, on_hand=5, release_date=release)
    line = (await b.order((product, 1))).order.lines[0]
    assert line.eta.basis == EtaBasis.RELEASE_DATE
    assert line.eta.earliest == release + dt.timedelta(days=b.POLICY.transit_days_min)


async def test_a_new_customers_order_of_a_stocked_and_a_backordered_line_costs_5_statements(
    sql: QueryCounter,
) -> None:
    supplier = await b.supplier()
    stocked = await b.product(on_hand=5, supplier_=supplier)
    waiting = await b.product(supplier_=supplier)
    await b.purchase_order(supplier, b.TODAY + dt.timedelta(days=10), (waiting, 5))
    sql.statements.clear()
    placed = await b.order((stocked, 2), (waiting, 1), email="new@example.com")
    assert [(line.allocated, line.waiting) for line in placed.order.lines] == [(2, 0), (0, 1)]
    # The products held, both lines reserved in one statement, the queue's supply (with the
    # receipts' version), the slips (read only when a receipt came since they were last read:
    # here the first time), then on PostgreSQL one statement writes the customer, the order,
    # the lines with what they book and the confirmation email. With BEGIN and COMMIT, 7 round
    # trips on PostgreSQL; no webhook statement while no subscription is active. SQLite has no
    # data-modifying CTEs: the customer's look-up and creation, the order, the lines (three)
    # and the email are a statement each.
    ceiling = 5 if is_postgres() else 11
    assert len(sql.statements) <= ceiling, "\n".join(sql.statements)
    customer = await Customer.get(email="new@example.com")
    order = await Order.get(id=placed.order.id)
    assert (order.customer_id, order.shipping_name) == (customer.id, "Ada Lovelace")
    assert placed.order.customer_name == customer.name == "Ada Lovelace"
    assert placed.order == await order_view(placed.order.id)


async def test_an_existing_customers_order_keeps_their_name_and_ships_to_the_name_given_now() -> (
    None
):
    product = await b.product(on_hand=5)
    await b.order((product, 1), email="Ada@Example.com")
    placed = await place_order(
        OrderRequest(
            email="ada@example.com",
            name="  Someone Else ",
            shipping_address="1 Analytical Way",
            lines=[LineRequest(product.sku, 1)],
        ),
        ctx=b.ctx(),
    )
    with pytest.raises(InvalidInput) as refused:  # the name is required, spaces are none
        await place_order(
            OrderRequest(
                email="ADA@example.com",
                name=" ",
                shipping_address="1 Analytical Way",
                lines=[LineRequest(product.sku, 1)],
            ),
            ctx=b.ctx(),
        )
    assert refused.value.field == "name"
    assert await Customer.all().count() == 1
    assert (placed.order.customer_name, placed.order.shipping_name) == (
        "Ada Lovelace",
        "Someone Else",
    )
    assert placed.order == await order_view(placed.order.id)
    assert placed.order.email == "ada@example.com"
    assert await Order.all().count() == 2


async def test_an_order_racing_the_creation_of_its_customer_waits_and_joins_that_customer() -> None:
    """Another transaction creates the customer first and has not committed when the order's
    statement looks: the order waits for it and is placed for that customer, not refused."""
    if not is_postgres():
        pytest.skip("SQLite serialises transactions: no order can race a customer's creation")
    product = await b.product(on_hand=5)
    outside = contextvars.copy_context()  # the order's task must not join the transaction
    async with in_transaction() as conn:
        created = await fetch(
            conn,
            f"WITH {CUSTOMER_CTE} SELECT id FROM c",
            customer_cte_values("race@example.com", "First Writer"),
        )
        placing = asyncio.get_running_loop().create_task(
            b.order((product, 1), email="Race@Example.com"), context=outside
        )
        await asyncio.sleep(0.3)
        assert not placing.done()  # waiting on the uncommitted customer
    placed = await placing
    order = await Order.get(id=placed.order.id)
    assert order.customer_id == created[0]["id"]
    assert placed.order.customer_name == "First Writer"
    assert await Customer.filter(email="race@example.com").count() == 1
    assert await OutboxMessage.filter(order_id=order.id).values_list("recipient", flat=True) == [
        "race@example.com"
    ]


async def test_the_answer_of_a_placed_order_is_what_reading_it_back_shows() -> None:
    supplier = await b.supplier()
    stocked = await b.product(on_hand=5, supplier_=supplier)
    waiting = await b.product(supplier_=supplier)
    late = await b.product(supplier_=supplier)
    await b.purchase_order(supplier, b.TODAY + dt.timedelta(days=10), (waiting, 5))
    await b.purchase_order(supplier, b.TODAY + dt.timedelta(days=40), (late, 5))
    placed = await b.order(
        (late, 1),
        (stocked, 2),
        (waiting, 3),
        email="Mixed.Case@example.com",
        preference=ShipPreference.SHIP_COMPLETE,
    )
    assert placed.order == await order_view(placed.order.id)
    assert [line.sku for line in placed.order.lines] == [late.sku, stocked.sku, waiting.sku]
    assert len({line.eta for line in placed.order.lines}) == 1  # one parcel, shown together


async def test_a_placed_order_books_its_lines_and_allocates_its_stock() -> None:
    product = await b.product(on_hand=3)
    other = await b.product()
    placed = await b.order((product, 5), (other, 2))
    lines = {line.sku: line for line in placed.order.lines}
    allocations = await Allocation.filter(line__order_id=placed.order.id).values_list(
        "line_id", "quantity", "receipt_id"
    )
    assert allocations == [(lines[product.sku].id, 3, None)]
    entries = sorted(
        await LedgerEntry.filter(line__order_id=placed.order.id).values_list(
            "line_id", "kind", "quantity", "amount"
        )
    )
    assert entries == sorted(
        [
            (lines[product.sku].id, LedgerKind.BACKORDER_BOOKED, 5, product.price * 5),
            (lines[other.sku].id, LedgerKind.BACKORDER_BOOKED, 2, other.price * 2),
        ]
    )


async def test_an_order_of_the_most_lines_allowed_books_every_line() -> None:
    """Too many parameters for one statement: written one part at a time, the same rows."""
    products = [await b.product(on_hand=1 if n % 2 else 0) for n in range(MAX_LINES)]
    placed = await b.order(*[(product, 2) for product in products], email="Many@Example.com")
    customer = await Customer.get(email="many@example.com")
    assert (await Order.get(id=placed.order.id)).customer_id == customer.id
    rows = await OutboxMessage.filter(order_id=placed.order.id)
    assert [(r.kind, r.recipient) for r in rows] == [
        (OutboxKind.ORDER_CONFIRMATION, "many@example.com")
    ]
    assert [line.sku for line in placed.order.lines] == [p.sku for p in products]
    assert placed.order == await order_view(placed.order.id)
    ids = [line.id for line in placed.order.lines]
    assert await Allocation.filter(line_id__in=ids).count() == MAX_LINES // 2
    assert await LedgerEntry.filter(line_id__in=ids).count() == MAX_LINES


async def test_a_product_listed_twice_splits_each_line_on_what_the_one_before_left() -> None:
    supplier = await b.supplier()
    product = await b.product(on_hand=2, supplier_=supplier)
    await b.purchase_order(supplier, b.TODAY + dt.timedelta(days=10), (product, 5))
    placed = await b.order((product, 1), (product, 2), (product, 1))
    lines = placed.order.lines
    assert [(line.allocated, line.waiting) for line in lines] == [(1, 0), (1, 1), (0, 1)]
    assert lines[0].eta.basis == EtaBasis.IN_STOCK
    assert [line.eta.basis for line in lines[1:]] == [EtaBasis.PURCHASE_ORDER] * 2
    refreshed = await Product.get(id=product.id)
    assert (refreshed.on_hand, refreshed.waiting_units) == (0, 2)
