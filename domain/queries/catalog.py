"""The catalogue as customers see it: availability and the ETA of the next unit ordered.

Batched: any number of products costs four queries (products, their suppliers' lead times,
open PO lines, the slip history), so listing pages never grow their query count with their size.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q

from domain.catalog.models import OptionChoice, OptionGroup, Product
from domain.context import Context
from domain.db import connection, fetch
from domain.ordering.allocation import Refusal, backorder_room, split_line
from domain.ordering.eta import (
    ProductTerms,
    SupplyLine,
    Window,
    bucket_for,
    build_window,
    is_queue_driven,
    ready_window,
    supply_buckets,
)
from domain.ordering.queue import as_date
from domain.purchasing.history import slip_histories
from domain.validation import searchable, sku_shaped
from domain.vocabulary import AvailabilityMode, EtaBasis


@dataclass(frozen=True)
class Availability:
    mode: AvailabilityMode
    in_stock: int  # units that ship now
    can_backorder: bool
    backorder_remaining: int | None  # None: unlimited
    eta: Window  # of the next unit ordered

    @property
    def sold_out(self) -> bool:
        """Custom builds are never sold out: they are quoted, not taken from stock or queue."""
        if self.mode == AvailabilityMode.CUSTOM_BUILD:
            return False
        return self.in_stock == 0 and not self.can_backorder


@dataclass(frozen=True)
class SplitPreview:
    """How a quantity would split if ordered now, before the customer commits."""

    quantity: int
    ships_now: int
    waits: int
    ready: Window
    waiting_eta: Window | None
    refused: str | None = None
    available: int | None = None


@dataclass(frozen=True)
class ProductView:
    id: int
    sku: str
    name: str
    description: str
    price: Decimal
    mode: AvailabilityMode
    release_date: dt.date | None
    lead_time_days: int | None
    on_hand: int
    waiting_units: int
    cap: int | None
    terms: ProductTerms
    supply: tuple[SupplyLine, ...]


def availability(product: ProductView, ctx: Context) -> Availability:
    in_stock = product.on_hand if product.waiting_units == 0 else 0
    room = backorder_room(product.cap, product.waiting_units)
    custom = product.mode == AvailabilityMode.CUSTOM_BUILD
    can_backorder = not custom and (room is None or room > 0)
    if in_stock > 0:
        eta = ready_window(product.terms, ctx.today, ctx.policy)
    else:
        eta = waiting_eta(product, product.waiting_units + 1, ctx)
    return Availability(product.mode, in_stock, can_backorder, None if custom else room, eta)


def waiting_eta(product: ProductView, position: int, ctx: Context) -> Window:
    """The window of a unit standing at ``position`` in the product's queue."""
    if product.mode == AvailabilityMode.CUSTOM_BUILD or not is_queue_driven(product.mode):
        lead = product.terms.lead_time_days
        if lead is None:
            return Window(None, None, EtaBasis.UNKNOWN)
        return build_window(ctx.today, lead, ctx.policy)
    buckets = supply_buckets(product.terms, product.supply, ctx.today, ctx.policy)
    return bucket_for(buckets, position).window


def preview_split(product: ProductView, quantity: int, ctx: Context) -> SplitPreview:
    ready = ready_window(product.terms, ctx.today, ctx.policy)
    split = split_line(
        quantity,
        on_hand=product.on_hand,
        waiting_units=product.waiting_units,
        cap=product.cap,
        mode=product.mode,
    )
    if isinstance(split, Refusal):
        return SplitPreview(quantity, 0, 0, ready, None, split.reason, split.available)
    eta = (
        waiting_eta(product, product.waiting_units + split.backordered, ctx)
        if split.backordered
        else None
    )
    return SplitPreview(quantity, split.from_stock, split.backordered, ready, eta)


async def product_views(
    products: list[Product], conn: BaseDBAsyncClient | None = None
) -> list[ProductView]:
    conn = conn or connection()
    ids = [p.id for p in products]
    if not ids:
        return []
    supplier_ids = sorted({p.supplier_id for p in products if p.supplier_id})
    leads: dict[int, int] = {}
    if supplier_ids:
        marks = ",".join("?" * len(supplier_ids))
        for row in await fetch(
            conn, f"SELECT id, lead_time_days FROM supplier WHERE id IN ({marks})", supplier_ids
        ):
            leads[row["id"]] = row["lead_time_days"]
    marks = ",".join("?" * len(ids))
    supply: dict[int, list[SupplyLine]] = {pid: [] for pid in ids}
    supply_rows = await fetch(
        conn,
        "SELECT l.id, l.product_id, o.supplier_id, o.expected_date,"
        " l.quantity - l.quantity_received - l.quantity_cancelled AS remaining"
        " FROM purchase_order_line l JOIN purchase_order o ON o.id = l.purchase_order_id"
        f" WHERE o.status = 'open' AND l.product_id IN ({marks})"
        " AND l.quantity - l.quantity_received - l.quantity_cancelled > 0",
        ids,
    )
    slips = await slip_histories(
        conn, {row["supplier_id"] for row in supply_rows} | set(supplier_ids)
    )
    for row in supply_rows:
        supply[row["product_id"]].append(
            SupplyLine(
                row["id"],
                as_date(row["expected_date"]),  # type: ignore[arg-type]
                row["remaining"],
                slips.get(row["supplier_id"]),
            )
        )
    views = []
    for p in products:
        lead = p.lead_time_days
        if lead is None and p.supplier_id is not None:
            lead = leads.get(p.supplier_id)
        own = slips.get(p.supplier_id) if p.supplier_id is not None else None
        own = own if own is not None and own.store else None  # no receipts: nothing learned
        terms = ProductTerms(AvailabilityMode(p.mode), p.release_date, lead, own)
        views.append(
            ProductView(
                p.id,
                p.sku,
                p.name,
                p.description,
                p.price,
                AvailabilityMode(p.mode),
                p.release_date,
                lead,
                p.on_hand,
                p.waiting_units,
                p.backorder_cap,
                terms,
                tuple(supply[p.id]),
            )
        )
    return views


@dataclass(frozen=True)
class ProductPage:
    items: list[ProductView]
    has_next: bool
    total: int


async def list_products(
    *,
    text: str = "",
    modes: list[AvailabilityMode] | None = None,
    after_id: int = 0,
    first: int = 20,
) -> ProductPage:
    """Active products by id, filtered by mode and by text in SKU, name or description."""
    query = Product.filter(active=True)
    if modes:
        query = query.filter(mode__in=[m.value for m in modes])
    needle = searchable(text).strip()[:100]
    if needle:
        query = query.filter(
            Q(sku__icontains=needle) | Q(name__icontains=needle) | Q(description__icontains=needle)
        )
    total = await query.count()
    rows = await query.filter(id__gt=after_id).order_by("id").limit(first + 1)
    views = await product_views(rows[:first])
    return ProductPage(views, len(rows) > first, total)


async def product_by_sku(sku: str) -> ProductView | None:
    if not sku_shaped(sku):
        return None
    product = await Product.filter(sku=sku, active=True).first()
    if product is None:
        return None
    return (await product_views([product]))[0]


@dataclass(frozen=True)
class OptionChoiceView:
    id: int
    name: str
    price_delta: Decimal
    lead_time_delta_days: int


@dataclass(frozen=True)
class OptionGroupView:
    id: int
    name: str
    required: bool
    choices: list[OptionChoiceView]


async def option_groups(product_ids: list[int]) -> dict[int, list[OptionGroupView]]:
    """Option groups with their choices for many products: two queries."""
    groups = await OptionGroup.filter(product_id__in=product_ids).order_by("position", "id")
    choices = await OptionChoice.filter(group_id__in=[g.id for g in groups]).order_by(
        "position", "id"
    )
    by_group: dict[int, list[OptionChoiceView]] = {}
    for c in choices:
        by_group.setdefault(c.group_id, []).append(
            OptionChoiceView(c.id, c.name, c.price_delta, c.lead_time_delta_days)
        )
    result: dict[int, list[OptionGroupView]] = {pid: [] for pid in product_ids}
    for g in groups:
        result[g.product_id].append(
            OptionGroupView(g.id, g.name, g.required, by_group.get(g.id, []))
        )
    return result
