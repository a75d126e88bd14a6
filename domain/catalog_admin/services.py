"""Use cases of the catalogue kept by staff (DOMAIN.md rule 23): products and suppliers.

A change that can move ETAs (release date, lead time, supplier, cap, mode) is an ETA event
(rule 8): the product's queue is recomputed in the same transaction, with history, emails and
delay notices, and its exact impact can be previewed first (``preview_*``), by running the
change and rolling it back (``domain.ordering.impact.preview_event``, the same preview a
PO date change has). Every saved change is audited in ``catalog_change``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import cast

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from domain.catalog import stock
from domain.catalog.change_log import audit
from domain.catalog.checks import (
    ProductData,
    ProductFields,
    SupplierFields,
    check_product,
    check_supplier,
)
from domain.catalog.models import Product, Supplier
from domain.context import Context
from domain.db import with_retries
from domain.errors import Conflict, InvalidInput, NotFound
from domain.ordering.impact import EventImpact, preview_event
from domain.ordering.queue import Recomputed, recompute_queues
from domain.validation import clean_text
from domain.vocabulary import EtaReason, ShippedBy

NOTHING = Recomputed(None, 0, 0, 0, 0)
# The product fields whose change can move a waiting line's date.
ETA_FIELDS = ("mode", "backorder_cap", "release_date", "lead_time_days", "supplier_id")
FIELD_NAMES = {
    "sku": "sku",
    "name": "name",
    "description": "description",
    "price": "price",
    "mode": "mode",
    "backorder_cap": "backorderCap",
    "release_date": "releaseDate",
    "lead_time_days": "leadTimeDays",
    "supplier_id": "supplierId",
    "per_order_limit": "perOrderLimit",
    "dropship": "shippedBy",
    "dropship_optional": "shippedBy (the customer chooses)",
}


@dataclass(frozen=True)
class ProductSaved:
    product_id: int
    impact: Recomputed
    changed: tuple[str, ...]  # the fields that changed, as stored


async def _supplier_exists(conn: BaseDBAsyncClient, supplier_id: int | None) -> None:
    if (
        supplier_id is not None
        and not await Supplier.filter(id=supplier_id).using_db(conn).exists()
    ):
        raise NotFound("No such supplier.", field="supplierId")


def product_values(fields: ProductFields) -> dict[str, object]:
    """A product's stored columns from its checked fields (the form, the API, the import)."""
    shipping: dict[str, object] = {}
    if fields.shipped_by is not None:  # rule 25: who ships it
        shipping = {
            "dropship": fields.shipped_by != ShippedBy.SHOP,
            "dropship_optional": fields.shipped_by == ShippedBy.EITHER,
        }
    return shipping | {
        "sku": fields.sku,
        "name": fields.name,
        "description": fields.description,
        "price": fields.price,
        "mode": fields.mode,
        "backorder_cap": fields.backorder_cap,
        "release_date": fields.release_date,
        "lead_time_days": fields.lead_time_days,
        "supplier_id": fields.supplier_id,
        "per_order_limit": fields.per_order_limit,
    }


async def create_product(data: ProductData, *, ctx: Context) -> int:
    """A new product, on sale at once; its id. A SKU already used is refused."""
    fields = check_product(data)

    async def work() -> int:
        async with in_transaction() as conn:
            await _supplier_exists(conn, fields.supplier_id)
            if await Product.filter(sku=fields.sku).using_db(conn).exists():
                raise Conflict("Another product has this SKU.", field="sku")
            product = await Product.create(**product_values(fields), using_db=conn)
            await audit(conn, ctx, "product_created", fields.sku, product_id=product.id)
            return product.id

    try:
        return await with_retries(work)
    except IntegrityError:
        raise Conflict("Another product has this SKU.", field="sku") from None


def _shown(value: object) -> str:
    if value is None:
        return "none"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


async def update_product(
    product_id: int, data: ProductData, reason: str = "", *, ctx: Context
) -> ProductSaved:
    """Save a product's new values; a change of its supply terms recomputes its queue.

    ``reason`` is what customers read when their date moves (required for such a change).
    A cap below the units already waiting is refused with that number.
    """
    fields = check_product(data)
    why = clean_text(reason, field="reason", max_length=300, required=False)

    async def work() -> ProductSaved:
        async with in_transaction() as conn:
            await stock.lock(conn, [product_id])
            product = await Product.filter(id=product_id).select_for_update().using_db(conn).first()
            if product is None:
                raise NotFound("No such product.", field="productId")
            await _supplier_exists(conn, fields.supplier_id)
            new = product_values(fields)
            changed = tuple(name for name, value in new.items() if getattr(product, name) != value)
            if not changed:
                return ProductSaved(product.id, NOTHING, ())
            if "sku" in changed:
                taken = Product.filter(sku=fields.sku).exclude(id=product.id).using_db(conn)
                if await taken.exists():
                    raise Conflict("Another product has this SKU.", field="sku")
            cap = fields.backorder_cap
            if cap is not None and product.waiting_units > cap:
                raise Conflict(
                    f"{product.waiting_units} units already wait: the cap cannot be lower"
                    f" than {product.waiting_units}.",
                    field="backorderCap",
                    waiting=product.waiting_units,
                )
            moving = [name for name in changed if name in ETA_FIELDS]
            what = (
                ", ".join(
                    f"{FIELD_NAMES[name]} {_shown(getattr(product, name))} → {_shown(new[name])}"
                    for name in changed
                    if name != "description"
                )
                or "description"
            )
            await Product.filter(id=product.id).using_db(conn).update(**new)
            impact = NOTHING
            if moving:
                impact = await recompute_queues(
                    conn,
                    [product.id],
                    ctx,
                    EtaReason.PRODUCT_CHANGED,
                    f"{fields.sku}: {what.replace(':', ' ')}: {why or 'catalogue change'}",
                )
                if impact.lines_moved and not why:  # rolls the whole change back
                    raise InvalidInput(
                        "Say why: the customers whose dates move read it.", field="reason"
                    )
            await audit(
                conn,
                ctx,
                "product_changed",
                f"{what}{f' ({why})' if why else ''}",
                product_id=product.id,
                event_id=impact.event_id,
            )
            return ProductSaved(product.id, impact, changed)

    try:
        return await with_retries(work)
    except IntegrityError:
        raise Conflict("Another product has this SKU.", field="sku") from None


async def preview_product_change(
    product_id: int, data: ProductData, reason: str = "", *, ctx: Context
) -> EventImpact:
    """The exact outcome of ``update_product`` now (moves N lines, emails K customers, J delay
    notices), with nothing kept."""

    async def work() -> Recomputed:
        return (await update_product(product_id, data, reason, ctx=ctx)).impact

    return await preview_event(work)


async def set_product_active(product_id: int, active: bool, *, ctx: Context) -> None:
    """Archive (stop selling; orders, queues and history stay) or put back on sale."""
    async with in_transaction() as conn:
        product = await Product.filter(id=product_id).select_for_update().using_db(conn).first()
        if product is None:
            raise NotFound("No such product.", field="productId")
        if product.active == active:
            return
        await Product.filter(id=product_id).using_db(conn).update(active=active)
        action = "product_restored" if active else "product_archived"
        await audit(conn, ctx, action, product.sku, product_id=product_id)


async def create_supplier(
    name: str, email: str, lead_time_days: object, address: str = "", *, ctx: Context
) -> int:
    fields = check_supplier(name, email, lead_time_days, address)

    async def work() -> int:
        async with in_transaction() as conn:
            if await Supplier.filter(name=fields.name).using_db(conn).exists():
                raise Conflict("Another supplier has this name.", field="name")
            supplier = await Supplier.create(
                name=fields.name,
                email=fields.email,
                lead_time_days=fields.lead_time_days,
                address=fields.address,
                using_db=conn,
            )
            await audit(conn, ctx, "supplier_created", fields.name, supplier_id=supplier.id)
            return supplier.id

    try:
        return await with_retries(work)
    except IntegrityError:
        raise Conflict("Another supplier has this name.", field="name") from None


async def update_supplier(
    supplier_id: int,
    name: str,
    email: str,
    lead_time_days: object,
    address: str = "",
    reason: str = "",
    *,
    ctx: Context,
) -> Recomputed:
    """Save a supplier; a new default lead time moves the products that use it (rule 8)."""
    fields = check_supplier(name, email, lead_time_days, address)
    why = clean_text(reason, field="reason", max_length=300, required=False)
    return await with_retries(lambda: _update_supplier(supplier_id, fields, why, ctx))


async def _update_supplier(
    supplier_id: int, fields: SupplierFields, why: str, ctx: Context
) -> Recomputed:
    async with in_transaction() as conn:
        supplier = await Supplier.filter(id=supplier_id).select_for_update().using_db(conn).first()
        if supplier is None:
            raise NotFound("No such supplier.", field="supplierId")
        if fields.name != supplier.name:
            taken = Supplier.filter(name=fields.name).exclude(id=supplier_id).using_db(conn)
            if await taken.exists():
                raise Conflict("Another supplier has this name.", field="name")
        old_lead = supplier.lead_time_days
        await (
            Supplier.filter(id=supplier_id)
            .using_db(conn)
            .update(
                name=fields.name,
                email=fields.email,
                lead_time_days=fields.lead_time_days,
                address=fields.address,
            )
        )
        impact = NOTHING
        if old_lead != fields.lead_time_days:
            product_ids = cast(
                list[int],
                await Product.filter(supplier_id=supplier_id)
                .using_db(conn)
                .values_list("id", flat=True),
            )
            if product_ids:
                await stock.lock(conn, product_ids)
                detail = (
                    f"{fields.name.replace(':', ' ')}: lead time {old_lead} → "
                    f"{fields.lead_time_days} days: {why or 'supplier lead time changed'}"
                )
                impact = await recompute_queues(
                    conn, product_ids, ctx, EtaReason.SUPPLIER_CHANGED, detail
                )
        await audit(
            conn,
            ctx,
            "supplier_changed",
            f"{fields.name} (lead time {old_lead} → {fields.lead_time_days} days)"
            + (f": {why}" if why else ""),
            supplier_id=supplier_id,
            event_id=impact.event_id,
        )
        return impact


async def preview_supplier_change(
    supplier_id: int,
    name: str,
    email: str,
    lead_time_days: object,
    address: str = "",
    reason: str = "",
    *,
    ctx: Context,
) -> EventImpact:
    async def work() -> Recomputed:
        return await update_supplier(
            supplier_id, name, email, lead_time_days, address, reason, ctx=ctx
        )

    return await preview_event(work)
