"""The catalogue as customers see it: availability and the ETA of the next unit ordered.

The views are read by ``catalog.reads``, for both doors; this module holds what they are
and the rules that read them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from domain.catalog.models import OptionChoice, OptionGroup
from domain.context import Context
from domain.promises.allocation import Refusal, backorder_room, split_line
from domain.promises.eta import (
    ProductTerms,
    SupplyLine,
    Window,
    bucket_for,
    build_window,
    dropship_window,
    is_queue_driven,
    ready_window,
    supply_buckets,
)
from domain.vocabulary import AvailabilityMode, EtaBasis, ShippedBy


@dataclass(frozen=True)
class Availability:
    mode: AvailabilityMode
    in_stock: int  # units that ship now
    can_backorder: bool
    backorder_remaining: int | None  # None: unlimited
    eta: Window  # of the next unit ordered
    maker_eta: Window | None = None  # shipped by the maker (rule 25), where it can be

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
    shipped_by: ShippedBy = ShippedBy.SHOP  # rule 25


def availability(product: ProductView, ctx: Context) -> Availability:
    """What the next unit ordered gets. Shipped by the maker (rule 25): always orderable, no
    stock nor queue, the maker's lead time plus transit; where the customer chooses, the
    shop's availability with the maker's window beside it."""
    maker = dropship_window(product.terms, ctx.today, ctx.policy)
    if product.shipped_by == ShippedBy.MAKER:
        return Availability(product.mode, 0, True, None, maker, maker)
    shop = _shop_availability(product, ctx)
    if product.shipped_by == ShippedBy.EITHER:
        return dataclasses.replace(shop, maker_eta=maker)
    return shop


def _shop_availability(product: ProductView, ctx: Context) -> Availability:
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
