"""Bulk import and export of products, suppliers and stock counts, as CSV.

Every row is checked (the same checks as the forms and the API) before anything is written;
any error names its row and column, and then nothing is written. Products are matched by SKU
(suppliers by name): a row equal to what is stored changes nothing, so importing the same
file twice writes nothing the second time. A dry run reports what would change.

Products are written in bulk: a few statements per few hundred rows. Products whose supply
terms changed while customers wait get their queues recomputed as one ETA event (rule 8).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from domain import numbers
from domain.catalog import stock
from domain.catalog.checks import (
    BackorderPolicy,
    ProductData,
    ProductFields,
    backorder_policy,
    check_product,
    check_supplier,
)
from domain.catalog.csvfiles import CsvRefused, RowError, decode, read_rows, write_rows
from domain.catalog.models import CatalogChange, Product, Supplier
from domain.catalog_admin.services import (
    ETA_FIELDS,
    create_supplier,
    product_values,
    update_supplier,
)
from domain.catalog_admin.stocktake import StockReason, adjust_stock, held
from domain.context import Context
from domain.db import connection, packed
from domain.errors import DomainError
from domain.ordering.queue import recompute_queues
from domain.vocabulary import EtaReason

PRODUCT_COLUMNS = (
    "sku",
    "name",
    "description",
    "price",
    "mode",
    "backorders",
    "cap",
    "release_date",
    "lead_time_days",
    "supplier",
    "per_order_limit",
    "active",
)
SUPPLIER_COLUMNS = ("name", "email", "lead_time_days", "address")
STOCK_COLUMNS = ("sku", "counted", "note")
# The checks' field names, as the file's columns.
COLUMN_OF = {
    "backorderPolicy": "backorders",
    "backorderCap": "cap",
    "releaseDate": "release_date",
    "leadTimeDays": "lead_time_days",
    "supplierId": "supplier",
    "perOrderLimit": "per_order_limit",
}
Progress = Callable[[int, int], None]  # (rows done, rows in all)


@dataclass
class ImportReport:
    kind: str
    rows: int = 0
    created: int = 0
    changed: int = 0
    unchanged: int = 0
    lines_moved: int = 0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False
    written: bool = False

    def summary(self) -> str:
        if self.errors:
            return f"{len(self.errors)} errors: nothing was written."
        verb = "would be" if self.dry_run else "were"
        return (
            f"{self.rows} rows: {self.created} {verb} created, {self.changed} {verb} changed,"
            f" {self.unchanged} unchanged."
        )


def _quiet(done: int, total: int) -> None:
    return None


def _column(error: DomainError) -> str | None:
    return COLUMN_OF.get(error.field or "", error.field)


def _active(value: str) -> bool | None:
    text = value.strip().lower()
    if text in ("", "yes", "true", "1"):
        return True
    if text in ("no", "false", "0"):
        return False
    return None


async def _suppliers_by_name(conn: BaseDBAsyncClient) -> dict[str, int]:
    rows = await Supplier.all().using_db(conn).values_list("name", "id")
    return {str(name): int(pk) for name, pk in rows}


async def _products_by_sku(conn: BaseDBAsyncClient, skus: list[str]) -> dict[str, Product]:
    found: dict[str, Product] = {}
    for group in packed(sorted(skus), lambda _: 1):
        for product in await Product.filter(sku__in=group).using_db(conn):
            found[product.sku] = product
    return found


def _product_values(fields: ProductFields, active: bool) -> dict[str, Any]:
    """The stored columns an import row sets: all but the SKU it is matched by, and active."""
    values = {name: value for name, value in product_values(fields).items() if name != "sku"}
    return {**values, "active": active}


def _read(
    data: bytes | str, columns: Sequence[str], required: Sequence[str], report: ImportReport
) -> list[tuple[int, dict[str, str]]] | None:
    """The file's rows, counted on ``report``; None when the file is refused as a whole (its
    errors are then on ``report``, and nothing in it was looked at further)."""
    try:
        text = data if isinstance(data, str) else decode(data)
        rows = read_rows(text, columns, required)
    except CsvRefused as refused:
        report.errors = refused.errors
        return None
    report.rows = len(rows)
    return rows


async def import_products(
    data: bytes | str,
    *,
    ctx: Context,
    dry_run: bool = False,
    progress: Progress = _quiet,
) -> ImportReport:
    report = ImportReport("products", dry_run=dry_run)
    rows = _read(data, PRODUCT_COLUMNS, ("sku", "name", "price", "mode"), report)
    if rows is None:
        return report
    conn = connection()
    suppliers = await _suppliers_by_name(conn)
    checked: list[tuple[int, ProductFields, bool]] = []
    seen: dict[str, int] = {}
    for index, (number, row) in enumerate(rows):
        if index % 500 == 0:
            progress(index, len(rows) * 2)
        supplier_name = row["supplier"].strip()
        supplier_id = suppliers.get(supplier_name) if supplier_name else None
        if supplier_name and supplier_id is None:
            report.errors.append(RowError(number, "supplier", "No supplier has this name."))
            continue
        active = _active(row["active"])
        if active is None:
            report.errors.append(RowError(number, "active", "Write yes or no."))
            continue
        try:
            fields = check_product(
                ProductData(
                    sku=row["sku"],
                    name=row["name"],
                    price=row["price"],
                    mode=row["mode"],
                    description=row["description"],
                    backorders=row["backorders"] or BackorderPolicy.UNLIMITED.value,
                    cap=row["cap"],
                    release_date=row["release_date"],
                    lead_time_days=row["lead_time_days"],
                    supplier_id=supplier_id,
                    per_order_limit=row["per_order_limit"],
                )
            )
        except DomainError as error:
            report.errors.append(RowError(number, _column(error), error.message))
            continue
        if fields.sku in seen:
            report.errors.append(
                RowError(number, "sku", f"This SKU is also on row {seen[fields.sku]}.")
            )
            continue
        seen[fields.sku] = number
        checked.append((number, fields, active))
    if report.errors:
        return report
    existing = await _products_by_sku(conn, list(seen))
    new: list[tuple[ProductFields, bool]] = []
    changed: list[tuple[Product, dict[str, Any]]] = []
    for number, fields, active in checked:
        values = _product_values(fields, active)
        product = existing.get(fields.sku)
        if product is None:
            new.append((fields, active))
            continue
        difference = {k: v for k, v in values.items() if getattr(product, k) != v}
        if not difference:
            report.unchanged += 1
            continue
        cap = values["backorder_cap"]
        if cap is not None and product.waiting_units > cap:
            report.errors.append(
                RowError(
                    number,
                    "cap",
                    f"{product.waiting_units} units already wait: the cap cannot be lower"
                    f" than {product.waiting_units}.",
                )
            )
            continue
        changed.append((product, difference))
    if report.errors:
        return report
    report.created, report.changed = len(new), len(changed)
    if dry_run or not (new or changed):
        progress(len(rows) * 2, len(rows) * 2)
        return report
    await _write_products(new, changed, report, ctx, progress, len(rows))
    report.written = True
    return report


async def _write_products(
    new: list[tuple[ProductFields, bool]],
    changed: list[tuple[Product, dict[str, Any]]],
    report: ImportReport,
    ctx: Context,
    progress: Progress,
    total: int,
) -> None:
    async with in_transaction() as conn:
        done = total
        for group in packed(new, lambda _: 12):
            await Product.bulk_create(
                [
                    Product(sku=fields.sku, **_product_values(fields, active))
                    for fields, active in group
                ],
                using_db=conn,
            )
            done += len(group)
            progress(done, total * 2)
        ids = await _products_by_sku(conn, [fields.sku for fields, _ in new])
        moving: list[int] = []
        for group_changed in packed(changed, lambda _: 12):
            await stock.lock(conn, [product.id for product, _ in group_changed])
            for product, difference in group_changed:
                await Product.filter(id=product.id).using_db(conn).update(**difference)
                if any(name in ETA_FIELDS for name in difference):
                    moving.append(product.id)
            done += len(group_changed)
            progress(done, total * 2)
        event_id = None
        if moving:
            impact = await recompute_queues(
                conn,
                moving,
                ctx,
                EtaReason.PRODUCT_CHANGED,
                f"import: {len(moving)} products: catalogue import",
            )
            report.lines_moved = impact.lines_moved
            event_id = impact.event_id
        audit = [
            CatalogChange(
                product_id=ids[fields.sku].id,
                action="product_imported",
                detail=f"{fields.sku} created by import",
                actor=str(ctx.actor),
                created_at=ctx.now,
            )
            for fields, _ in new
        ] + [
            CatalogChange(
                product_id=product.id,
                action="product_imported",
                detail="import changed " + ", ".join(sorted(difference)),
                actor=str(ctx.actor),
                event_id=event_id if product.id in moving else None,
                created_at=ctx.now,
            )
            for product, difference in changed
        ]
        await CatalogChange.bulk_create(audit, batch_size=500, using_db=conn)
        progress(total * 2, total * 2)


async def import_suppliers(
    data: bytes | str, *, ctx: Context, dry_run: bool = False, progress: Progress = _quiet
) -> ImportReport:
    report = ImportReport("suppliers", dry_run=dry_run)
    rows = _read(data, SUPPLIER_COLUMNS, ("name", "lead_time_days"), report)
    if rows is None:
        return report
    checked = []
    seen: dict[str, int] = {}
    for number, row in rows:
        try:
            fields = check_supplier(
                row["name"], row["email"], row["lead_time_days"], row["address"]
            )
        except DomainError as error:
            report.errors.append(RowError(number, _column(error), error.message))
            continue
        if fields.name in seen:
            report.errors.append(RowError(number, "name", f"Also on row {seen[fields.name]}."))
            continue
        seen[fields.name] = number
        checked.append(fields)
    if report.errors:
        return report
    existing = {s.name: s for s in await Supplier.all()}
    writes = []
    for fields in checked:
        current = existing.get(fields.name)
        values = (fields.email, fields.lead_time_days, fields.address)
        if current is None:
            report.created += 1
        elif (current.email, current.lead_time_days, current.address) == values:
            report.unchanged += 1
            continue
        else:
            report.changed += 1
        writes.append((current, fields))
    if dry_run or not writes:
        return report
    async with in_transaction():
        for index, (current, fields) in enumerate(writes):
            progress(index, len(writes))
            if current is None:
                await create_supplier(
                    fields.name, fields.email, fields.lead_time_days, fields.address, ctx=ctx
                )
            else:
                impact = await update_supplier(
                    current.id,
                    fields.name,
                    fields.email,
                    fields.lead_time_days,
                    fields.address,
                    "supplier lead time changed",
                    ctx=ctx,
                )
                report.lines_moved += impact.lines_moved
    report.written = True
    return report


async def import_stock(
    data: bytes | str, *, ctx: Context, dry_run: bool = False, progress: Progress = _quiet
) -> ImportReport:
    """Stock counts: each row's ``counted`` is the level on the shelf (reason ``count``)."""
    report = ImportReport("stock", dry_run=dry_run)
    rows = _read(data, STOCK_COLUMNS, ("sku", "counted"), report)
    if rows is None:
        return report
    products = await _products_by_sku(connection(), [row["sku"].strip() for _, row in rows])
    checked: list[tuple[int, int, str]] = []
    for number, row in rows:
        product = products.get(row["sku"].strip())
        if product is None:
            report.errors.append(RowError(number, "sku", "No product has this SKU."))
            continue
        try:
            counted = numbers.whole_number(
                row["counted"], field="counted", minimum=0, maximum=1_000_000
            )
        except DomainError as error:
            report.errors.append(RowError(number, "counted", error.message))
            continue
        checked.append((product.id, counted, row["note"].strip()[:300]))
    if report.errors:
        return report
    writes = []
    for product_id, counted, note in checked:
        on_hand, allocated = await held(connection(), product_id)
        if on_hand + allocated == counted:
            report.unchanged += 1
        else:
            report.changed += 1
            writes.append((product_id, counted, note))
    if dry_run or not writes:
        return report
    async with in_transaction():
        for index, (product_id, counted, note) in enumerate(writes):
            progress(index, len(writes))
            done = await adjust_stock(
                product_id, StockReason.COUNT.value, counted, note or "stock import", ctx=ctx
            )
            report.lines_moved += done.impact.lines_moved
    report.written = True
    return report


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)


async def export_products() -> str:
    suppliers = {pk: name for name, pk in (await _suppliers_by_name(connection())).items()}
    rows = []
    for product in await Product.all().order_by("sku"):
        policy = backorder_policy(product.backorder_cap)
        rows.append(
            [
                product.sku,
                product.name,
                product.description,
                _cell(Decimal(product.price)),
                product.mode.value,
                policy.value,
                _cell(product.backorder_cap) if policy == BackorderPolicy.CAP else "",
                _cell(product.release_date),
                _cell(product.lead_time_days),
                suppliers.get(product.supplier_id or 0, ""),
                _cell(product.per_order_limit),
                "yes" if product.active else "no",
            ]
        )
    return write_rows(PRODUCT_COLUMNS, rows, text={"name", "description", "supplier"})


async def export_suppliers() -> str:
    rows = [
        [s.name, s.email, str(s.lead_time_days), s.address]
        for s in await Supplier.all().order_by("name")
    ]
    return write_rows(SUPPLIER_COLUMNS, rows, text={"name", "email", "address"})


async def export_stock() -> str:
    rows = []
    for product in await Product.all().order_by("sku"):
        on_hand, allocated = await held(connection(), product.id)
        rows.append([product.sku, str(on_hand + allocated), ""])
    return write_rows(STOCK_COLUMNS, rows, text={"note"})


IMPORTERS = {"products": import_products, "suppliers": import_suppliers, "stock": import_stock}
EXPORTERS = {"products": export_products, "suppliers": export_suppliers, "stock": export_stock}
