"""``product.availability_changed`` (README, "Webhooks"): what the catalogue now shows of each
product whose stock, queue or supply changed, by the same rule as every page and the API
(``availability.availability``), read in the transaction of the change that caused it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from tortoise.backends.base.client import BaseDBAsyncClient

from domain.catalog.availability import availability
from domain.catalog.reads import products_in
from domain.context import Context
from domain.webhooks.emit import Event, emit, subscribers

EVENT = "product.availability_changed"


async def availability_wanted(conn: BaseDBAsyncClient) -> bool:
    """Whether any active subscription asks for the event: when none does, nothing is read."""
    return bool(await subscribers(conn, EVENT))


def _day(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


async def announce_availability(
    conn: BaseDBAsyncClient, ctx: Context, product_ids: Sequence[int]
) -> int:
    """One event per product, for the subscriptions that ask for it."""
    if not product_ids or not await availability_wanted(conn):
        return 0
    events = []
    for product in await products_in(conn, product_ids):
        shown = availability(product, ctx)
        data = {
            "productId": product.id,
            "sku": product.sku,
            "mode": str(product.mode.value),
            "inStock": shown.in_stock,
            "canBackorder": shown.can_backorder,
            "backorderRemaining": shown.backorder_remaining,
            "eta": {
                "earliest": _day(shown.eta.earliest),
                "latest": _day(shown.eta.latest),
                "basis": str(shown.eta.basis.value),
            },
        }
        events.append(Event(data, f"product:{product.id}"))
    return await emit(conn, ctx, EVENT, events)
