"""The products an order takes, read and held in one statement.

Placing an order needs, for each product, what the customer sees (name, price, limit), the
stock and queue levels its reservation starts from, and the terms its ETA is built on. One
statement reads them all and, on PostgreSQL, holds the rows (``FOR NO KEY UPDATE``, in id
order like ``stock.lock``) until the order commits: the levels read are the ones the guarded
reservation will find, so its first attempt succeeds. SQLite ignores row locks; there the
guarded update still decides, and a changed level is read again (``stock.read_level``).

It also answers whether any webhook subscription is active, so that an order placed while
none is costs no statement for webhooks.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tortoise.backends.base.client import BaseDBAsyncClient

from domain.catalog.stock import Level
from domain.db import fetch, is_postgres
from domain.promises.eta import ProductTerms
from domain.rows import as_bool, as_date, as_decimal, marks
from domain.vocabulary import AvailabilityMode
from domain.webhooks.emit import ANY_ACTIVE_SUBSCRIPTION


@dataclass(frozen=True)
class HeldProduct:
    id: int
    sku: str
    name: str
    price: Decimal
    per_order_limit: int | None
    supplier_id: int | None
    dropship: bool  # rule 25: shipped by the maker (``ordering.dropship.by_maker``)
    dropship_optional: bool
    terms: ProductTerms  # without slips: only queue-driven lines read them (queue.py)
    level: Level


@dataclass(frozen=True)
class Held:
    products: dict[str, HeldProduct]  # by SKU; active products only
    any_webhook: bool


async def hold_products(conn: BaseDBAsyncClient, skus: list[str]) -> Held:
    if not skus:
        return Held({}, False)
    lock = " FOR NO KEY UPDATE OF p" if is_postgres(conn) else ""
    rows = await fetch(
        conn,
        "SELECT p.id, p.sku, p.name, p.price, p.per_order_limit, p.supplier_id, p.mode,"
        " p.dropship, p.dropship_optional,"
        " p.release_date, COALESCE(p.lead_time_days, s.lead_time_days) AS lead, p.on_hand,"
        f" p.waiting_units, p.backorder_cap, {ANY_ACTIVE_SUBSCRIPTION} AS any_webhook"
        " FROM product p LEFT JOIN supplier s ON s.id = p.supplier_id"
        f" WHERE p.sku IN ({marks(skus)}) AND p.active ORDER BY p.id{lock}",
        skus,
    )
    products = {}
    for row in rows:
        mode = AvailabilityMode(row["mode"])
        products[row["sku"]] = HeldProduct(
            id=row["id"],
            sku=row["sku"],
            name=row["name"],
            price=as_decimal(row["price"]),
            per_order_limit=row["per_order_limit"],
            supplier_id=row["supplier_id"],
            dropship=as_bool(row["dropship"]),
            dropship_optional=as_bool(row["dropship_optional"]),
            terms=ProductTerms(mode, as_date(row["release_date"]), row["lead"]),
            level=Level(
                row["id"], row["on_hand"], row["waiting_units"], row["backorder_cap"], mode
            ),
        )
    if rows:
        return Held(products, as_bool(rows[0]["any_webhook"]))
    return Held(products, False)
