"""Products with their availability and the ETA of the next unit ordered."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import strawberry
from strawberry.types import Info

from api import ids
from api.context import ApiContext
from api.execution import shared_answers
from api.types.common import Eta
from api.types.images import ProductImage
from domain.catalog.availability import (
    OptionGroupView,
    ProductView,
    availability,
    preview_split,
)
from domain.context import Context
from domain.lru import LruMemo
from domain.vocabulary import AvailabilityMode, ShippedBy


@strawberry.type(description="What can be ordered now, and when the next unit would arrive.")
class Availability:
    mode: AvailabilityMode
    in_stock: int = strawberry.field(description="Units that ship now.")
    can_backorder: bool
    backorder_remaining: int | None = strawberry.field(
        description="Units that may still be backordered; null means no limit."
    )
    sold_out: bool
    eta: Eta = strawberry.field(description="The window of the next unit ordered.")
    maker_eta: Eta | None = strawberry.field(
        default=None,
        description="Shipped by the maker straight to the customer (rule 25): its window;"
        " null where the maker does not ship this product.",
    )


@strawberry.type(description="How a quantity would split if ordered now.")
class SplitPreview:
    quantity: int
    ships_now: int
    waits: int
    ready_eta: Eta
    waiting_eta: Eta | None
    refused: str | None = strawberry.field(description="Why it cannot be ordered, if so.")
    available: int | None


@strawberry.type
class OptionChoice:
    id: strawberry.ID
    name: str
    price_delta: Decimal
    lead_time_delta_days: int


@strawberry.type(description="A choice a custom build needs (one option per required group).")
class OptionGroup:
    id: strawberry.ID
    name: str
    required: bool
    choices: list[OptionChoice]

    @staticmethod
    def of(view: OptionGroupView) -> OptionGroup:
        return OptionGroup(
            id=ids.encode("OptionGroup", view.id),
            name=view.name,
            required=view.required,
            choices=[
                OptionChoice(
                    id=ids.encode("OptionChoice", c.id),
                    name=c.name,
                    price_delta=c.price_delta,
                    lead_time_delta_days=c.lead_time_delta_days,
                )
                for c in view.choices
            ],
        )


# Products built before, by the identity of their view (each entry holds its view, so the id
# cannot be reused while it is kept). ``catalog.reads`` hands out the same view for unchanged
# rows, and a product is a pure function of its view, the day and the policy: its fields are
# computed once, not on every page view. Only ``ctx.today`` and ``ctx.policy`` of the context
# kept in it are read (``split_preview``), both part of the check.
_BUILT_SIZE = 4096
_built: LruMemo[int, tuple[Product, dt.date]] = LruMemo(_BUILT_SIZE)  # with its ``ctx.today``


@shared_answers  # built once per view (``Product.of``) and never changed
@strawberry.type
class Product:
    id: strawberry.ID
    sku: str
    name: str
    description: str
    price: Decimal
    mode: AvailabilityMode
    release_date: dt.date | None
    lead_time_days: int | None
    availability: Availability
    shipped_by: ShippedBy = strawberry.field(
        description="Who ships it (rule 25). `EITHER`: the order line's `dropship` chooses."
    )
    view: strawberry.Private[ProductView]
    ctx: strawberry.Private[Context]

    @staticmethod
    def of(view: ProductView, ctx: Context, today: dt.date | None = None) -> Product:
        """The product as answered; built once per view, day and policy (``_built``).
        ``today`` is ``ctx.today``, worked out once by a caller building a whole page."""
        key = id(view)
        kept = _built.get(key)
        if today is None:
            today = ctx.today
        if kept is not None:
            product, day = kept
            if (
                product.view is view
                and (product.ctx.policy is ctx.policy or product.ctx.policy == ctx.policy)
                and day == today
            ):
                _built.move_to_end(key)
                return product
        made = Product._build(view, ctx)
        _built.put(key, (made, made.ctx.today))
        return made

    @staticmethod
    def _build(view: ProductView, ctx: Context) -> Product:
        state = availability(view, ctx)
        return Product(
            id=ids.encode("Product", view.id),
            sku=view.sku,
            name=view.name,
            description=view.description,
            price=view.price,
            mode=view.mode,
            release_date=view.release_date,
            lead_time_days=view.lead_time_days,
            availability=Availability(
                mode=state.mode,
                in_stock=state.in_stock,
                can_backorder=state.can_backorder,
                backorder_remaining=state.backorder_remaining,
                sold_out=state.sold_out,
                eta=Eta.of(state.eta),
                maker_eta=Eta.of(state.maker_eta) if state.maker_eta else None,
            ),
            shipped_by=view.shipped_by,
            view=view,
            ctx=ctx,
        )

    @strawberry.field(description="Option groups of a custom build; empty for other products.")
    async def option_groups(self, info: Info[ApiContext, Any]) -> list[OptionGroup]:
        if self.mode != AvailabilityMode.CUSTOM_BUILD:
            return []
        groups = await info.context.loaders.option_groups.load(self.view.id)
        return [OptionGroup.of(group) for group in groups or []]

    @strawberry.field(description="Pictures of the product, in their order (at most 12).")
    async def images(self, info: Info[ApiContext, Any]) -> list[ProductImage]:
        found = await info.context.loaders.images.load(self.view.id)
        return [ProductImage.of(image, info.context.policy) for image in found or []]

    @strawberry.field(description="How `quantity` would split into stock and backorder now.")
    def split_preview(self, quantity: int) -> SplitPreview:
        preview = preview_split(self.view, max(1, min(quantity, 10_000)), self.ctx)
        return SplitPreview(
            quantity=preview.quantity,
            ships_now=preview.ships_now,
            waits=preview.waits,
            ready_eta=Eta.of(preview.ready),
            waiting_eta=Eta.of(preview.waiting_eta) if preview.waiting_eta else None,
            refused=preview.refused,
            available=preview.available,
        )
