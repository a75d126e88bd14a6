"""Builders for test data: each returns what it made, with sensible defaults."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from domain.builds.services import BuildRequestInput, RequestedBuild, request_custom_build
from domain.catalog.models import OptionChoice, OptionGroup, Product, Supplier
from domain.context import Actor, Context, Policy
from domain.ordering.services import LineRequest, OrderRequest, PlacedOrder, place_order
from domain.purchasing.models import PurchaseOrder, PurchaseOrderLine
from domain.shipping.models import Shipment
from domain.shipping.services import create_shipment, mark_shipped
from domain.supply.purchase_orders import (
    PoLineRequest,
    ReceiptLineRequest,
    ReceiptResult,
    create_purchase_order,
    receive,
)
from domain.vocabulary import AvailabilityMode, ShipPreference

TODAY = dt.date(2027, 3, 1)
NOON = dt.datetime(2027, 3, 1, 12, 0, tzinfo=dt.UTC)
POLICY = Policy(secret_key="test-secret")
_counter = itertools.count(1)


def ctx(now: dt.datetime = NOON, actor: Actor | None = None, policy: Policy = POLICY) -> Context:
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
                group=group,
                name=choice,
                price_delta=Decimal(delta),
                lead_time_delta_days=days,
                position=index,
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


async def receipt(
    po: PurchaseOrder, quantity: int, *, key: str | None = None, context: Context | None = None
) -> ReceiptResult:
    """Receive ``quantity`` units against the PO's only line."""
    line = await PurchaseOrderLine.get(purchase_order_id=po.id)
    return await receive(
        po.id,
        key or f"receipt-{next(_counter)}",
        [ReceiptLineRequest(line.id, quantity)],
        ctx=context or ctx(),
    )


async def shipped(
    order_id: int, lines: dict[int, int] | None = None, *, context: Context | None = None
) -> Shipment:
    """A parcel of what may ship now (or of ``lines``), created and marked shipped."""
    context = context or ctx()
    parcel = await create_shipment(order_id, ctx=context, lines=lines)
    return await mark_shipped(parcel.id, "DHL", f"TRACK-{next(_counter)}", ctx=context)


async def custom_build_product(
    price: str = "8000.00", lead_time_days: int = 30
) -> tuple[Product, dict[str, dict[str, OptionChoice]]]:
    """A "build your own motorcycle": two required option groups."""
    made = await product(
        mode=AvailabilityMode.CUSTOM_BUILD, price=price, lead_time_days=lead_time_days
    )
    options = await option_groups(
        made,
        {
            "Frame": [("Steel", "0.00", 0), ("Carbon", "1500.00", 14)],
            "Engine": [("650cc", "0.00", 0), ("1200cc", "2500.00", 7)],
        },
    )
    return made, options


async def build_request(
    product: Product | None = None,
    options: dict[str, dict[str, OptionChoice]] | None = None,
    *,
    frame: str = "Steel",
    engine: str = "650cc",
    email: str = "ada@example.com",
    name: str = "Ada",
    shipping_address: str = "1 Way",
    notes: str = "",
    key: str | None = None,
    context: Context | None = None,
) -> RequestedBuild:
    """A custom build with one frame and one engine (by name), requested and quoted.

    Of a new ``custom_build_product`` unless given one with its options.
    """
    if product is None:
        product, options = await custom_build_product()
    assert options is not None, "a given product comes with its options"
    data = BuildRequestInput(
        email=email,
        name=name,
        shipping_address=shipping_address,
        sku=product.sku,
        choice_ids=[options["Frame"][frame].id, options["Engine"][engine].id],
        notes=notes,
        idempotency_key=key,
    )
    return await request_custom_build(data, ctx=context or ctx())
