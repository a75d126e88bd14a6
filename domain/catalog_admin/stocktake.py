"""Stock counts and adjustments with a reason (DOMAIN.md rule 23), audited.

Units that appear (a count above the books, a return, a find) are supply like a receipt: they
fill the queue first come, first served and only the rest is free stock (rules 6 and 7, the
same ``supply_many`` a receipt uses). Units that disappear (a count below the books, damage)
come out of free stock first; beyond it they are taken back from the newest stock allocations
first, whose lines wait again. Either way the queue is recomputed (rule 8), so the customers
whose lines wait again get new dates, emails and delay notices.

A count compares with the units physically held: free stock plus stock allocated to lines
that have not shipped (allocated units are still on the shelf).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from domain import numbers
from domain.catalog import stock
from domain.catalog.models import Product, StockAdjustment
from domain.catalog_admin.services import NOTHING, audit
from domain.context import Context
from domain.db import Dialect, execute, fetch, with_retries
from domain.errors import Conflict, InvalidInput, NotFound
from domain.ordering.impact import EventImpact, preview_event
from domain.ordering.queue import Recomputed, recompute_queues, supply_many
from domain.validation import clean_text
from domain.vocabulary import EtaReason

MAX_UNITS = 1_000_000


class StockReason(StrEnum):
    COUNT = "count"  # ``quantity`` is the level counted on the shelf
    DAMAGE = "damage"  # ``quantity`` units lost
    RETURN = "return"  # ``quantity`` units came back sellable
    FOUND = "found"  # ``quantity`` units found


@dataclass(frozen=True)
class StockAdjusted:
    adjustment_id: int | None  # None when a count matched the books
    delta: int
    to_queue: int
    taken_back: int
    impact: Recomputed


def _reason(value: str) -> StockReason:
    try:
        return StockReason((value or "").strip())
    except ValueError:
        reasons = ", ".join(r.value for r in StockReason)
        raise InvalidInput(f"Choose one of: {reasons}.", field="reason") from None


async def held(conn: BaseDBAsyncClient, product_id: int) -> tuple[int, int]:
    """(free stock, units allocated to unshipped lines) of a product."""
    rows = await fetch(
        conn,
        "SELECT p.on_hand, (SELECT COALESCE(SUM(l.qty_allocated), 0) FROM order_line l"
        " WHERE l.product_id = p.id AND NOT l.dropship) AS allocated FROM product p WHERE p.id = ?",
        [product_id],
    )
    if not rows:
        raise NotFound("No such product.", field="productId")
    return int(rows[0]["on_hand"]), int(rows[0]["allocated"])


async def adjust_stock(
    product_id: int, reason: str, quantity: object, note: str = "", *, ctx: Context
) -> StockAdjusted:
    why = _reason(reason)
    units = numbers.whole_number(
        quantity,
        field="quantity",
        minimum=0 if why == StockReason.COUNT else 1,
        maximum=MAX_UNITS,
    )
    remark = clean_text(note, field="note", max_length=300, required=False)
    return await with_retries(lambda: _adjust(product_id, why, units, remark, ctx))


async def _adjust(
    product_id: int, why: StockReason, units: int, note: str, ctx: Context
) -> StockAdjusted:
    async with in_transaction() as conn:
        await stock.lock(conn, [product_id])
        product = await Product.filter(id=product_id).select_for_update().using_db(conn).first()
        if product is None:
            raise NotFound("No such product.", field="productId")
        on_hand, allocated = await held(conn, product_id)
        if why == StockReason.COUNT:
            delta = units - (on_hand + allocated)
        elif why == StockReason.DAMAGE:
            delta = -units
            if units > on_hand + allocated:
                raise InvalidInput(f"Only {on_hand + allocated} units are held.", field="quantity")
        else:
            delta = units
        if delta == 0:
            return StockAdjusted(None, 0, 0, 0, NOTHING)
        to_queue = taken_back = 0
        if delta > 0:
            to_queue = (await supply_many(conn, {product_id: delta}, receipt_id=None, now=ctx.now))[
                product_id
            ]
        else:
            lost = -delta
            from_free = min(lost, on_hand)
            if from_free:
                done = await execute(
                    conn,
                    "UPDATE product SET on_hand = on_hand - ? WHERE id = ? AND on_hand >= ?",
                    [from_free, product_id, from_free],
                )
                if done != 1:
                    raise Conflict("The stock changed meanwhile; try again.", field="quantity")
            taken_back = await _take_back(conn, product_id, lost - from_free, ctx)
        detail = f"{product.sku}: stock {why.value} {delta:+d}: {note or why.value}"
        impact = await recompute_queues(
            conn, [product_id], ctx, EtaReason.STOCK_ADJUSTED, detail.replace("\n", " ")
        )
        made = await StockAdjustment.create(
            product_id=product_id,
            reason=why.value,
            delta=delta,
            to_queue=to_queue,
            taken_back=taken_back,
            note=note,
            actor=str(ctx.actor),
            event_id=impact.event_id,
            created_at=ctx.now,
            using_db=conn,
        )
        await audit(
            conn,
            ctx,
            "stock_adjusted",
            f"{why.value} {delta:+d}" + (f": {note}" if note else ""),
            product_id=product_id,
            event_id=impact.event_id,
        )
        return StockAdjusted(made.id, delta, to_queue, taken_back, impact)


async def _take_back(conn: BaseDBAsyncClient, product_id: int, units: int, ctx: Context) -> int:
    """Take ``units`` back from the lines whose stock came last; they wait again."""
    if units <= 0:
        return 0
    lines = await fetch(
        conn,
        "SELECT l.id, l.qty_allocated, (SELECT MAX(a.created_at) FROM allocation a"
        " WHERE a.line_id = l.id) AS last FROM order_line l"
        " WHERE l.product_id = ? AND l.qty_allocated > 0 AND l.build_request_id IS NULL"
        " AND NOT l.dropship"
        " ORDER BY last DESC, l.placed_at DESC, l.id DESC",
        [product_id],
    )
    left = units
    d = Dialect(conn)
    for line in lines:
        if left == 0:
            break
        n = min(left, int(line["qty_allocated"]))
        await execute(
            conn,
            "UPDATE order_line SET qty_allocated = qty_allocated - ?,"
            " qty_waiting = qty_waiting + ? WHERE id = ?",
            [n, n, line["id"]],
        )
        await execute(
            conn,
            "INSERT INTO allocation (line_id, receipt_id, quantity, created_at)"
            f" VALUES (?, NULL, ?, {d.timestamp})",
            [line["id"], -n, ctx.now],
        )
        left -= n
    if left:
        raise InvalidInput(
            f"Only {units - left} allocated units can be taken back.", field="quantity"
        )
    await stock.adjust(conn, product_id, waiting_units=units)
    return units


async def preview_stock_adjustment(
    product_id: int, reason: str, quantity: object, note: str = "", *, ctx: Context
) -> EventImpact:
    async def work() -> Recomputed:
        return (await adjust_stock(product_id, reason, quantity, note, ctx=ctx)).impact

    return await preview_event(work)
