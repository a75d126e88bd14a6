"""The demo store of ``make run``: every situation of DOMAIN.md, built through the services.

A shop for home and ride: accessories in stock; air conditioners backordered against two
purchase orders, one of them overdue; an e-bike on preorder; made-to-order sofas; and a
"build your own motorcycle" with option groups; a floor lamp its maker ships straight to the
customer (dropship, rule 25). Orders wait in the queues, one has shipped in
two parcels, one has a delay notice open, one custom build is quoted.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from tortoise import Tortoise

from domain.builds.services import BuildRequestInput, request_custom_build
from domain.catalog.models import OptionChoice, OptionGroup, Product, Supplier
from domain.context import Actor, Context, Policy
from domain.db import tortoise_config
from domain.ordering.services import LineRequest, OrderRequest, place_order
from domain.purchasing.models import PurchaseOrderLine
from domain.shipping.services import create_shipment, mark_shipped
from domain.supply.purchase_orders import (
    PoLineRequest,
    ReceiptLineRequest,
    create_purchase_order,
    receive,
    revise_expected_date,
)
from domain.vocabulary import AvailabilityMode, ShipPreference

STAFF = Actor("staff", "demo")

PRODUCTS = [
    # sku, name, mode, price, on hand, cap, supplier, lead time, release in days, description
    (
        "HELMET-CITY",
        "City helmet",
        "stocked",
        "79.00",
        40,
        None,
        "Nordic Ride",
        None,
        None,
        "A light helmet with a rear light, for daily rides.",
    ),
    (
        "LIGHT-SET",
        "Bike light set",
        "stocked",
        "34.50",
        120,
        None,
        "Nordic Ride",
        None,
        None,
        "Front and rear lights, USB-C charged.",
    ),
    (
        "CUSHION-LINEN",
        "Linen cushion",
        "stocked",
        "29.00",
        60,
        0,
        "Atelier Nord",
        None,
        None,
        "Stonewashed linen, 50 x 50 cm. Sold out means sold out.",
    ),
    (
        "AC-SPLIT-12",
        "Split air conditioner 12k BTU",
        "stocked",
        "899.00",
        0,
        60,
        "CoolAir",
        None,
        None,
        "Quiet inverter unit for rooms up to 35 m2.",
    ),
    (
        "AC-PORT-9",
        "Portable air conditioner 9k BTU",
        "stocked",
        "449.00",
        0,
        40,
        "CoolAir",
        None,
        None,
        "Moves from room to room; window kit included.",
    ),
    (
        "EBIKE-VOLT2",
        "Volt 2 e-bike",
        "preorder",
        "2499.00",
        0,
        50,
        "VoltBikes",
        None,
        45,
        "The new Volt 2: 90 km range, belt drive. Ships from its release date.",
    ),
    (
        "SOFA-OSLO-3",
        "Oslo three-seat sofa",
        "made_to_order",
        "1890.00",
        0,
        None,
        "Atelier Nord",
        35,
        None,
        "Made to order in your choice of fabric.",
    ),
    (
        "LAMP-ARC",
        "Arc floor lamp",
        "stocked",
        "329.00",
        0,
        None,
        "Lumen Studio",
        None,
        None,
        "Hand-finished brass; shipped by its maker straight to you.",
    ),
    (
        "MOTO-CUSTOM",
        "Build your own motorcycle",
        "custom_build",
        "9500.00",
        0,
        None,
        None,
        120,
        None,
        "Choose frame, engine, colour and extras; we quote price and build time.",
    ),
]

SUPPLIERS = {
    "Nordic Ride": 21,
    "CoolAir": 45,
    "VoltBikes": 60,
    "Atelier Nord": 35,
    "Lumen Studio": 6,
}

MOTORCYCLE_OPTIONS = {
    "Frame": [("Classic tubular", "0", 0), ("Café racer", "1200", 14)],
    "Engine": [("650 cc twin", "0", 0), ("900 cc triple", "2800", 21)],
    "Colour": [("Racing green", "0", 0), ("Midnight blue", "0", 0), ("Custom paint", "900", 10)],
    "Extras": [("Heated grips", "250", 0), ("Panniers", "600", 3)],
}

CUSTOMERS = [
    ("maria.lopez@example.com", "Maria Lopez", "12 Harbour Street\nBristol BS1 4RN"),
    ("tom.becker@example.com", "Tom Becker", "Lindenstrasse 8\n10969 Berlin"),
    ("aiko.tanaka@example.com", "Aiko Tanaka", "3-1 Shibuya\nTokyo 150-0002"),
    ("sam.okafor@example.com", "Sam Okafor", "44 Victoria Road\nLeeds LS6 1DR"),
    ("lena.novak@example.com", "Lena Novak", "Vinohradska 21\n120 00 Prague"),
]


def _at(today: dt.datetime, days: int, policy: Policy) -> Context:
    return Context(STAFF, today + dt.timedelta(days=days), policy)


async def _catalogue() -> dict[str, Product]:
    suppliers = {
        name: await Supplier.create(
            name=name, email=f"orders@{name.lower().replace(' ', '')}.example", lead_time_days=lead
        )
        for name, lead in SUPPLIERS.items()
    }
    today = dt.date.today()
    products = {}
    for sku, name, mode, price, on_hand, cap, supplier, lead, release, text in PRODUCTS:
        products[sku] = await Product.create(
            sku=sku,
            name=name,
            mode=AvailabilityMode(mode),
            price=Decimal(price),
            on_hand=on_hand,
            backorder_cap=cap,
            supplier=suppliers.get(supplier or ""),
            lead_time_days=lead,
            description=text,
            release_date=today + dt.timedelta(days=release) if release else None,
        )
    # Rule 24: Nordic Ride keeps safety stocks, so the reorder page suggests a draft for it.
    await Product.filter(sku="HELMET-CITY").update(safety_stock=60, pack_size=10)
    await Product.filter(sku="LIGHT-SET").update(safety_stock=150, min_order_qty=50)
    # Rule 25: the lamp's maker ships it to the customer from a dropship PO.
    await Product.filter(sku="LAMP-ARC").update(dropship=True)
    for position, (group, choices) in enumerate(MOTORCYCLE_OPTIONS.items()):
        option_group = await OptionGroup.create(
            product=products["MOTO-CUSTOM"],
            name=group,
            position=position,
            required=group != "Extras",
        )
        for index, (choice, delta, days) in enumerate(choices):
            await OptionChoice.create(
                group=option_group,
                name=choice,
                price_delta=Decimal(delta),
                lead_time_delta_days=days,
                position=index,
            )
    return products


async def _order(ctx: Context, who: int, lines: list[tuple[str, int]], **options: object):  # type: ignore[no-untyped-def]
    email, name, address = CUSTOMERS[who]
    return await place_order(
        OrderRequest(email, name, address, [LineRequest(s, q) for s, q in lines], **options),  # type: ignore[arg-type]
        ctx=ctx,
    )


async def build_demo_store(policy: Policy) -> None:
    """Thirty days of history, replayed through the services up to now."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    start = now - dt.timedelta(days=30)
    products = await _catalogue()
    cool_air = await Supplier.get(name="CoolAir")
    volt = await Supplier.get(name="VoltBikes")

    # Two purchase orders for the summer: the first is now overdue.
    first_po = await create_purchase_order(
        cool_air.id,
        (start + dt.timedelta(days=20)).date(),
        [PoLineRequest("AC-SPLIT-12", 10), PoLineRequest("AC-PORT-9", 6)],
        ctx=_at(start, 0, policy),
    )
    second_po = await create_purchase_order(
        cool_air.id,
        (now + dt.timedelta(days=40)).date(),
        [PoLineRequest("AC-SPLIT-12", 20), PoLineRequest("AC-PORT-9", 10)],
        ctx=_at(start, 1, policy),
    )
    await create_purchase_order(
        volt.id,
        (now + dt.timedelta(days=50)).date(),
        [PoLineRequest("EBIKE-VOLT2", 30)],
        ctx=_at(start, 1, policy),
    )

    # Customers order in-stock and waiting items alike.
    shipped = await _order(_at(start, 2, policy), 0, [("HELMET-CITY", 1), ("AC-PORT-9", 1)])
    await _order(_at(start, 3, policy), 1, [("AC-SPLIT-12", 2), ("LIGHT-SET", 1)])
    await _order(
        _at(start, 4, policy), 2, [("AC-SPLIT-12", 4)], ship_preference=ShipPreference.SHIP_COMPLETE
    )
    await _order(_at(start, 5, policy), 3, [("EBIKE-VOLT2", 1), ("HELMET-CITY", 1)])
    await _order(_at(start, 6, policy), 4, [("SOFA-OSLO-3", 1), ("CUSHION-LINEN", 4)])
    await _order(_at(start, 8, policy), 1, [("AC-PORT-9", 3)])
    # Today's dropship PO for Lumen Studio, with this customer's address on its line.
    await _order(_at(now, 0, policy), 3, [("LAMP-ARC", 1), ("CUSHION-LINEN", 2)])

    # The first parcel leaves at once; the air conditioner follows after a partial receipt.
    first = await create_shipment(shipped.order.id, ctx=_at(start, 2, policy))
    await mark_shipped(first.id, "DHL", "JD014600006281", ctx=_at(start, 3, policy))
    po_lines = {
        ln.product_id: ln for ln in await PurchaseOrderLine.filter(purchase_order_id=first_po.id)
    }
    await receive(
        first_po.id,
        "DEMO-RECEIPT-1",
        [ReceiptLineRequest(po_lines[products["AC-PORT-9"].id].id, 2)],
        ctx=_at(start, 12, policy),
    )
    second = await create_shipment(shipped.order.id, ctx=_at(start, 13, policy))
    await mark_shipped(second.id, "UPS", "1Z999AA10123456784", ctx=_at(start, 14, policy))

    # The supplier slips the second PO: the lines pegged to it get delay notices.
    await revise_expected_date(
        second_po.id,
        (now + dt.timedelta(days=55)).date(),
        "The supplier moved its factory slot by two weeks",
        ctx=_at(now, 0, policy),
    )

    moto = await OptionChoice.filter(group__product_id=products["MOTO-CUSTOM"].id).prefetch_related(
        "group"
    )
    picks = {}
    for choice in moto:
        if choice.group.required and choice.group.name not in picks:
            picks[choice.group.name] = choice.id
    email, name, address = CUSTOMERS[2]
    await request_custom_build(
        BuildRequestInput(
            email,
            name,
            address,
            "MOTO-CUSTOM",
            list(picks.values()),
            notes="Tall rider: 195 cm. Could the seat be higher?",
        ),
        ctx=_at(now, 0, policy),
    )


async def _with_database(database_url: str, work) -> None:  # type: ignore[no-untyped-def]
    await Tortoise.init(config=tortoise_config(database_url))
    try:
        await work()
    finally:
        await Tortoise.close_connections()


async def seed_demo(database_url: str, policy: Policy) -> None:
    await _with_database(database_url, lambda: build_demo_store(policy))


async def seed_demo_if_empty(database_url: str, policy: Policy) -> None:
    async def work() -> None:
        if not await Product.exists():
            await build_demo_store(policy)

    await _with_database(database_url, work)
