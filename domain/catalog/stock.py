"""Guarded updates of a product's free stock and waiting units.

The only reservation recipe that neither oversold nor raised on both databases: a conditional
UPDATE checked by whether it changed the row (STACK.md checks the row count; here the row it
returns, at most one, also gives the new waiting units). Every change of ``on_hand`` and
``waiting_units`` goes through here.
"""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import F

from domain.catalog.models import Product
from domain.db import Dialect, execute, fetch, is_postgres, packed
from domain.vocabulary import AvailabilityMode


@dataclass(frozen=True)
class Level:
    product_id: int
    on_hand: int
    waiting_units: int
    cap: int | None
    mode: AvailabilityMode


def level_of(product: Product) -> Level:
    """The level of a product row just read in the caller's transaction: a first try of
    :func:`reserve` needs no second read (its guards refuse a level someone changed since)."""
    return Level(
        product.id,
        product.on_hand,
        product.waiting_units,
        product.backorder_cap,
        AvailabilityMode(product.mode),
    )


async def read_level(conn: BaseDBAsyncClient, product_id: int) -> Level:
    row = (
        await Product.filter(id=product_id)
        .using_db(conn)
        .values("on_hand", "waiting_units", "backorder_cap", "mode")
    )
    values = row[0]
    return Level(
        product_id,
        values["on_hand"],
        values["waiting_units"],
        values["backorder_cap"],
        AvailabilityMode(values["mode"]),
    )


# The guards of a reservation, for a row ``r(product_id, take, wait)`` of what a line takes
# from stock and adds to the queue. Stock only while nobody waits, and a line that also waits
# takes all of it: that guard is an exact match, so no stock can be left free while this line
# waits (invariant 7). Taking nothing from stock, the line may wait only if no stock is free.
# The cap as stored now, not as read: staff may have lowered it meanwhile.
_GUARDS = (
    "((r.take > 0 AND product.waiting_units = 0"
    " AND ((r.wait > 0 AND product.on_hand = r.take)"
    " OR (r.wait = 0 AND product.on_hand >= r.take)))"
    " OR (r.take = 0 AND (product.on_hand = 0 OR product.waiting_units > 0)))"
    " AND (r.wait = 0 OR product.backorder_cap IS NULL"
    " OR product.waiting_units + r.wait <= product.backorder_cap)"
)


async def reserve(
    conn: BaseDBAsyncClient, level: Level, *, from_stock: int, backordered: int
) -> int | None:
    """Take stock and queue places as read in ``level``; None if someone changed them first.

    Returns the product's waiting units after the change, this line's own included.
    """
    done = await reserve_many(conn, [(level.product_id, from_stock, backordered)])
    return done.get(level.product_id)


async def reserve_many(
    conn: BaseDBAsyncClient, takes: list[tuple[int, int, int]]
) -> dict[int, int]:
    """``reserve`` for several products in one statement: ``(product id, from stock,
    backordered)`` each, one per product (a product listed twice would be updated once).

    Each row is guarded on its own: those whose guards held are changed, and their waiting
    units after it are returned by product id; the caller reads the others again.
    """
    if len({product_id for product_id, _, _ in takes}) != len(takes):
        raise ValueError("one reservation per product in a statement")
    d = Dialect(conn)
    rows = await fetch(
        conn,
        "WITH r(product_id, take, wait) AS (VALUES "
        + ", ".join(f"({d.integer}, {d.integer}, {d.integer})" for _ in takes)
        + ") UPDATE product SET on_hand = product.on_hand - r.take,"
        " waiting_units = product.waiting_units + r.wait FROM r"
        f" WHERE product.id = r.product_id AND {_GUARDS}"
        " RETURNING product.id, product.waiting_units",
        [value for take in takes for value in take],
    )
    return {int(row["id"]): int(row["waiting_units"]) for row in rows}


async def lock(conn: BaseDBAsyncClient, product_ids: list[int]) -> None:
    """Hold product rows in a stable order (PostgreSQL; SQLite serialises transactions).

    One statement per few hundred products: the rows are locked in the order the sort hands
    them to the lock, and the groups go in ascending order too. NO KEY UPDATE still excludes
    every other holder, and lets rows that reference the product be written meanwhile (their
    foreign-key checks only need KEY SHARE).
    """
    if not is_postgres(conn):
        return
    for group in packed(sorted(set(product_ids)), lambda _: 1):
        await fetch(
            conn,
            f"SELECT id FROM product WHERE id IN ({', '.join('?' for _ in group)})"
            " ORDER BY id FOR NO KEY UPDATE",
            group,
        )


async def adjust(
    conn: BaseDBAsyncClient, product_id: int, *, on_hand: int = 0, waiting_units: int = 0
) -> None:
    await (
        Product.filter(id=product_id)
        .using_db(conn)
        .update(on_hand=F("on_hand") + on_hand, waiting_units=F("waiting_units") + waiting_units)
    )


async def adjust_many(conn: BaseDBAsyncClient, changes: dict[int, tuple[int, int]]) -> None:
    """Add ``(on_hand, waiting_units)`` to each product: one statement per few hundred."""
    d = Dialect(conn)
    moved = sorted(product_id for product_id, change in changes.items() if change != (0, 0))
    for group in packed(moved, lambda _: 3):
        rows = ", ".join(f"({d.integer}, {d.integer}, {d.integer})" for _ in group)
        await execute(
            conn,
            f"WITH a(product_id, add_on_hand, add_waiting) AS (VALUES {rows})"
            " UPDATE product SET on_hand = on_hand + a.add_on_hand,"
            " waiting_units = waiting_units + a.add_waiting FROM a WHERE product.id = a.product_id",
            [value for product_id in group for value in (product_id, *changes[product_id])],
        )
