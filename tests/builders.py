"""Builders for test data: each returns what it made, with sensible defaults."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from domain.catalog.models import OptionChoice, OptionGroup, Product, Supplier
from domain.context import Actor, Context, Policy
from domain.ordering.services import LineRequest, OrderRequest, PlacedOrder, place_order
from domain.purchasing.models import PurchaseOrder
from domain.purchasing.services import PoLineRequest, create_purchase_order
from domain.vocabulary import AvailabilityMode, ShipPreference

TODAY = dt.date(2027, 3, 1)
NOON = dt.datetime(2027, 3, 1, 12, 0, tzinfo=dt.UTC)
POLICY = Policy(secret_key="test-secret")
_counter = itertools.count(1)


def ctx(
    now: dt.datetime = NOON, actor: Actor | None = None, policy: Policy = POLICY
) -> Context:
    return Context(actor or Actor("staff", "tester"), now, policy)


def later(ctx_: Context, *, days: int = 0, seconds: int = 0) -> Context:
    return Context(ctx_.actor, ctx_.now + dt.timedelta(days=days, seconds=seconds), ctx_.policy)


async def supplier(lead_time_days: int = 30, name: str | None = None) -> Supplier:
    return await Supplier.create(
        name=name or f"Supplier {next(_counter)}", lead_time_days=lead_time_days
    )


async def product(
    *,
    mode: AvailabilityMode = AvailabilityMode.STOCKED,
    on_hand: int = 0,
    cap: int | None = None,
    price: str = "100.00",
    release_date: dt.date | None = None,
    lead_time_days: int | None = None,
    supplier_: Supplier | None = None,
    sku: str | None = None,
) -> Product:
    if supplier_ is None and mode != AvailabilityMode.CUSTOM_BUILD:
        supplier_ = await supplier()
    return await Product.create(
        sku=sku or f"SKU-{next(_counter)}",
        name=f"Product {next(_counter)}",
        mode=mode,
        price=Decimal(price),
        backorder_cap=cap,
        release_date=release_date,
        supplier=supplier_,
        lead_time_days=lead_time_days,
        on_hand=on_hand,
    )


async def option_groups(
    target: Product, groups: dict[str, list[tuple[str, str, int]]]
) -> dict[str, dict[str, OptionChoice]]:
    made: dict[str, dict[str, OptionChoice]] = {}
    for position, (name, choices) in enumerate(groups.items()):
        group = await OptionGroup.create(product=target, name=name, position=position)
        made[name] = {}
        for index, (choice, delta, days) in enumerate(choices):
            made[name][choice] = await OptionChoice.create(
                group=group, name=choice, price_delta=Decimal(delta),
                lead_time_delta_days=days, position=index,
            )
    return made


async def order(
    *lines: tuple[Product, int],
    context: Context | None = None,
    email: str | None = None,
    preference: ShipPreference = ShipPreference.SHIP_WHEN_READY,
    key: str | None = None,
    priority: int = 0,
) -> PlacedOrder:
    return await place_order(
        OrderRequest(
            email=email or f"customer{next(_counter)}@example.com",
            name="Ada Lovelace",
            shipping_address="1 Analytical Way\nLondon",
            lines=[LineRequest(p.sku, q) for p, q in lines],
            ship_preference=preference,
            idempotency_key=key,
            priority=priority,
        ),
        ctx=context or ctx(),
    )


async def purchase_order(
    supplier_: Supplier,
    expected: dt.date,
    *lines: tuple[Product, int],
    context: Context | None = None,
) -> PurchaseOrder:
    return await create_purchase_order(
        supplier_.id, expected, [PoLineRequest(p.sku, q) for p, q in lines], ctx=context or ctx()
    )
