"""Stock counts and adjustments (rule 23): units found fill the queue first (rules 6-7), units
lost are taken back from the newest allocations first, whose customers hear about it."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from domain.catalog.models import Product, StockAdjustment
from domain.catalog_admin.stocktake import adjust_stock, preview_stock_adjustment
from domain.errors import DomainError, InsufficientAvailability, InvalidInput
from domain.ordering.models import OrderLine
from domain.outbox.models import OutboxMessage
from domain.vocabulary import EtaBasis
from tests import builders as b

pytestmark = pytest.mark.usefixtures("db")


async def test_rule_6_units_found_fill_the_queue_first_and_the_rest_is_stock() -> None:
    product = await b.product(on_hand=0)
    first = await b.order((product, 2))
    second = await b.order((product, 1))
    done = await adjust_stock(product.id, "found", "5", "back room", ctx=b.ctx())
    assert (done.delta, done.to_queue) == (5, 3)
    lines = {line.order_id: line for line in await OrderLine.all()}
    assert lines[first.order.id].qty_allocated == 2
    assert lines[second.order.id].qty_allocated == 1
    fresh = await Product.get(id=product.id)
    assert (fresh.on_hand, fresh.waiting_units) == (2, 0)  # rule 7
    assert await StockAdjustment.filter(product_id=product.id, reason="found").exists()


async def test_units_lost_come_from_free_stock_then_the_newest_allocations() -> None:
    product = await b.product(on_hand=4)
    oldest = await b.order((product, 2), email="old@example.com")
    newest = await b.order((product, 1), email="new@example.com")
    await OutboxMessage.all().delete()
    # 1 free unit, 3 allocated: a count of 1 loses 3: the free one, then the newest two.
    preview = await preview_stock_adjustment(product.id, "count", "1", ctx=b.ctx())
    done = await adjust_stock(product.id, "count", "1", "shelf count", ctx=b.ctx())
    assert (done.delta, done.taken_back) == (-3, 2)
    assert preview.lines_moved == done.impact.lines_moved == 2
    lines = {line.order_id: line for line in await OrderLine.all()}
    assert (lines[newest.order.id].qty_allocated, lines[newest.order.id].qty_waiting) == (0, 1)
    assert (lines[oldest.order.id].qty_allocated, lines[oldest.order.id].qty_waiting) == (1, 1)
    assert lines[newest.order.id].eta_basis != EtaBasis.IN_STOCK
    fresh = await Product.get(id=product.id)
    assert (fresh.on_hand, fresh.waiting_units) == (0, 2)
    told = {m.recipient for m in await OutboxMessage.all()}
    assert told == {"old@example.com", "new@example.com"}


@pytest.mark.parametrize(
    ("reason", "quantity", "field"),
    [
        ("stolen", "1", "reason"),
        ("damage", "0", "quantity"),
        ("damage", "٣", "quantity"),
        ("found", "99999999999999", "quantity"),
        ("damage", "50", "quantity"),  # more than is held
    ],
)
async def test_bad_adjustments_name_their_field_and_change_nothing(
    reason: str, quantity: str, field: str
) -> None:
    product = await b.product(on_hand=3)
    with pytest.raises(InvalidInput) as refused:
        await adjust_stock(product.id, reason, quantity, ctx=b.ctx())
    assert refused.value.field == field
    assert (await Product.get(id=product.id)).on_hand == 3
    assert await StockAdjustment.all().count() == 0


async def test_concurrent_adjustments_and_orders_never_oversell() -> None:
    """Damage reports and orders race for the same 10 units: stock never goes negative and
    every unit is either free, allocated, or lost exactly once."""
    product = await b.product(on_hand=10, cap=0)  # no backorders: sold out means sold out

    async def lose() -> int:
        try:
            await adjust_stock(product.id, "damage", "1", ctx=b.ctx())
        except DomainError:
            return 0
        return 1

    async def buy() -> int:
        try:
            await b.order((product, 1))
        except InsufficientAvailability:
            return 0
        return 1

    results = await asyncio.gather(*(lose() if i % 2 else buy() for i in range(24)))
    lost = sum(r for i, r in enumerate(results) if i % 2)
    fresh = await Product.get(id=product.id)
    allocated = sum(line.qty_allocated for line in await OrderLine.filter(product_id=product.id))
    waiting = sum(line.qty_waiting for line in await OrderLine.filter(product_id=product.id))
    assert fresh.on_hand >= 0
    assert fresh.on_hand + allocated + lost == 10
    assert waiting == fresh.waiting_units


async def test_a_count_that_matches_the_books_records_nothing() -> None:
    product = await b.product(on_hand=3)
    done = await adjust_stock(product.id, "count", "3", ctx=b.ctx(now=b.NOON + dt.timedelta(1)))
    assert done.adjustment_id is None
    assert await StockAdjustment.all().count() == 0


async def test_a_cap_lowered_while_orders_race_is_never_exceeded() -> None:
    """Orders for backordered units race a cap lowered from unlimited to 5: either the change
    is refused (more already wait) or no order takes the queue past it."""
    from domain.catalog.checks import ProductData
    from domain.catalog_admin.services import update_product

    product = await b.product(on_hand=0, sku="RACE-1")
    change = ProductData(
        sku="RACE-1",
        name=product.name,
        price="100.00",
        mode="stocked",
        backorders="cap",
        cap="5",
        supplier_id=product.supplier_id,
    )

    async def buy() -> None:
        try:
            await b.order((product, 1))
        except DomainError:
            pass

    async def lower() -> bool:
        try:
            await update_product(product.id, change, "smaller queue", ctx=b.ctx())
        except DomainError:
            return False
        return True

    tasks = [buy() for _ in range(6)] + [lower()] + [buy() for _ in range(6)]
    results = await asyncio.gather(*tasks)
    fresh = await Product.get(id=product.id)
    if results[6]:  # the change found at most 5 waiting, and nothing passed it since
        assert (fresh.backorder_cap, fresh.waiting_units <= 5) == (5, True)
    else:  # more than 5 already waited: refused, the queue stays unlimited
        assert fresh.backorder_cap is None and fresh.waiting_units > 5
    assert fresh.waiting_units == sum(
        line.qty_waiting for line in await OrderLine.filter(product_id=product.id)
    )
