"""What staff read to keep the catalogue: products with stock and queue, suppliers, the
audit of catalogue changes and stock adjustments."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from domain.catalog.checks import BackorderPolicy, backorder_policy
from domain.db import connection, fetch
from domain.rows import as_date, as_decimal, moment_of
from domain.validation import searchable
from domain.vocabulary import AvailabilityMode, ShippedBy


@dataclass(frozen=True)
class ProductRow:
    id: int
    sku: str
    name: str
    description: str
    mode: AvailabilityMode
    price: Decimal
    backorder_cap: int | None
    release_date: dt.date | None
    lead_time_days: int | None
    supplier_id: int | None
    supplier_name: str | None
    per_order_limit: int | None
    on_hand: int
    allocated: int
    waiting_units: int
    active: bool
    shipped_by: ShippedBy = ShippedBy.SHOP  # rule 25

    @property
    def policy(self) -> BackorderPolicy:
        return backorder_policy(self.backorder_cap)


@dataclass(frozen=True)
class SupplierRow:
    id: int
    name: str
    email: str
    lead_time_days: int
    address: str
    products: int


@dataclass(frozen=True)
class ChangeRow:
    action: str
    detail: str
    actor: str
    event_id: int | None
    created_at: dt.datetime


_PRODUCT = (
    "SELECT p.id, p.sku, p.name, p.description, p.mode, p.price, p.backorder_cap,"
    " p.release_date, p.lead_time_days, p.supplier_id, s.name AS supplier_name,"
    " p.per_order_limit, p.on_hand, p.waiting_units, p.active, p.dropship, p.dropship_optional,"
    " (SELECT COALESCE(SUM(l.qty_allocated), 0) FROM order_line l WHERE l.product_id = p.id"
    " AND NOT l.dropship)"
    " AS allocated FROM product p LEFT JOIN supplier s ON s.id = p.supplier_id"
)


def _product(r: dict) -> ProductRow:
    return ProductRow(
        r["id"],
        r["sku"],
        r["name"],
        r["description"],
        AvailabilityMode(r["mode"]),
        as_decimal(r["price"]),
        r["backorder_cap"],
        as_date(r["release_date"]),
        r["lead_time_days"],
        r["supplier_id"],
        r["supplier_name"],
        r["per_order_limit"],
        int(r["on_hand"]),
        int(r["allocated"]),
        int(r["waiting_units"]),
        bool(r["active"]),
        (ShippedBy.EITHER if r["dropship_optional"] else ShippedBy.MAKER)
        if r["dropship"]
        else ShippedBy.SHOP,
    )


async def product_rows(*, search: str = "", limit: int = 200) -> list[ProductRow]:
    """Products on sale first, by SKU; ``search`` matches SKU or name, any case."""
    where, values = "", []
    text = searchable(search).strip().lower()[:100]
    if text:
        where = " WHERE LOWER(p.sku) LIKE ? ESCAPE '!' OR LOWER(p.name) LIKE ? ESCAPE '!'"
        pattern = "%" + text.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%"
        values = [pattern, pattern]
    rows = await fetch(
        connection(),
        _PRODUCT + where + " ORDER BY CASE WHEN p.active THEN 0 ELSE 1 END, p.sku LIMIT ?",
        [*values, limit],
    )
    return [_product(r) for r in rows]


async def product_row(product_id: int) -> ProductRow | None:
    rows = await fetch(connection(), _PRODUCT + " WHERE p.id = ?", [product_id])
    return _product(rows[0]) if rows else None


async def product_count() -> int:
    rows = await fetch(connection(), "SELECT COUNT(*) AS n FROM product")
    return int(rows[0]["n"])


async def supplier_rows() -> list[SupplierRow]:
    rows = await fetch(
        connection(),
        "SELECT s.id, s.name, s.email, s.lead_time_days, s.address,"
        " (SELECT COUNT(*) FROM product p WHERE p.supplier_id = s.id) AS products"
        " FROM supplier s ORDER BY s.name",
    )
    return [_supplier(r) for r in rows]


def _supplier(r: dict) -> SupplierRow:
    return SupplierRow(
        r["id"], r["name"], r["email"], r["lead_time_days"], r["address"], int(r["products"])
    )


async def supplier_row(supplier_id: int) -> SupplierRow | None:
    rows = await fetch(
        connection(),
        "SELECT s.id, s.name, s.email, s.lead_time_days, s.address,"
        " (SELECT COUNT(*) FROM product p WHERE p.supplier_id = s.id) AS products"
        " FROM supplier s WHERE s.id = ?",
        [supplier_id],
    )
    return _supplier(rows[0]) if rows else None


async def catalog_changes(
    *, product_id: int | None = None, supplier_id: int | None = None, limit: int = 50
) -> list[ChangeRow]:
    column, value = ("product_id", product_id) if product_id else ("supplier_id", supplier_id)
    rows = await fetch(
        connection(),
        f"SELECT action, detail, actor, event_id, created_at FROM catalog_change"
        f" WHERE {column} = ? ORDER BY id DESC LIMIT ?",
        [value, limit],
    )
    return [
        ChangeRow(r["action"], r["detail"], r["actor"], r["event_id"], moment_of(r["created_at"]))
        for r in rows
    ]
