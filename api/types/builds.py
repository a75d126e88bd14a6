"""Custom-build requests and their quotes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import strawberry
from strawberry.types import Info

from api import ids
from api.context import ApiContext
from api.types.catalog import Product
from api.types.orders import Order
from domain.builds.reads import BuildView
from domain.vocabulary import BuildStatus


@strawberry.type
class ChosenOption:
    choice_id: strawberry.ID
    group: str
    name: str
    price_delta: Decimal
    lead_time_delta_days: int


@strawberry.type(description="A priced offer; the newest one is the one to accept.")
class BuildQuote:
    id: strawberry.ID
    price: Decimal
    lead_time_days: int
    valid_until: dt.date
    note: str
    created_at: dt.datetime
    accepted_at: dt.datetime | None


@strawberry.type(description="A configured product: options chosen, notes, and its quote.")
class CustomBuild:
    id: strawberry.ID
    number: str
    status: BuildStatus
    sku: str
    product_name: str
    email: str
    shipping_name: str
    shipping_address: str
    notes: str
    created_at: dt.datetime
    choices: list[ChosenOption]
    quote: BuildQuote | None
    order_pk: strawberry.Private[int | None]

    @staticmethod
    def of(view: BuildView) -> CustomBuild:
        quote = view.quote
        return CustomBuild(
            id=ids.encode("CustomBuild", view.id),
            number=view.number,
            status=view.status,
            sku=view.sku,
            product_name=view.product_name,
            email=view.email,
            shipping_name=view.shipping_name,
            shipping_address=view.shipping_address,
            notes=view.notes,
            created_at=view.created_at,
            order_pk=view.order_id,
            choices=[
                ChosenOption(
                    choice_id=ids.encode("OptionChoice", c.choice_id),
                    group=c.group,
                    name=c.name,
                    price_delta=c.price_delta,
                    lead_time_delta_days=c.lead_time_delta_days,
                )
                for c in view.choices
            ],
            quote=BuildQuote(
                id=ids.encode("BuildQuote", quote.id),
                price=quote.price,
                lead_time_days=quote.lead_time_days,
                valid_until=quote.valid_until,
                note=quote.note,
                created_at=quote.created_at,
                accepted_at=quote.accepted_at,
            )
            if quote
            else None,
        )

    @strawberry.field
    async def product(self, info: Info[ApiContext, Any]) -> Product | None:
        view = await info.context.loaders.product_by_sku.load(self.sku)
        return Product.of(view, info.context.customer) if view else None

    @strawberry.field(description="The order made when the quote was accepted.")
    async def order(self, info: Info[ApiContext, Any]) -> Order | None:
        if self.order_pk is None:
            return None
        view = await info.context.loaders.order.load(self.order_pk)
        return Order.of(view) if view else None
