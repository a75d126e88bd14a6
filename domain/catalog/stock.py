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


async def reserve(
    conn: BaseDBAsyncClient, level: Level, *, from_stock: int, backordered: int
) -> int | None:
    """Take stock and queue places as read in ``level``; None if someone changed them first.

    Returns the product's waiting units after the change, this line's own included.
    Taking part of a line from stock means taking all free stock (the rest waits), so that
    guard is an exact match: no stock can be left free while this line waits (invariant 7).
    """
    guards: list[str] = []
    values: list[int] = []
    if from_stock > 0:
        # Stock only while nobody waits; a line that also waits takes all of it.
        guards.append("waiting_units = 0")
        guards.append("on_hand = ?" if backordered else "on_hand >= ?")
        values.append(from_stock)
    else:
        guards.append("(on_hand = 0 OR waiting_units > 0)")
    if backordered > 0:
        # The cap as stored now, not as read: staff may have lowered it meanwhile.
        guards.append("(backorder_cap IS NULL OR waiting_units + ? <= backorder_cap)")
        values.append(backordered)
    rows = await fetch(
        conn,
        "UPDATE product SET on_hand = on_hand - ?, waiting_units = waiting_units + ?"
        " WHERE id = ? AND " + " AND ".join(guards) + " RETURNING waiting_units",
        [from_stock, backordered, level.product_id, *values],
    )
    return int(rows[0]["waiting_units"]) if rows else None


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
