"""Read models of orders, shared by the GraphQL API and the portal."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from tortoise.backends.base.client import BaseDBAsyncClient

from domain.db import connection
from domain.ordering.eta import Window
from domain.ordering.models import Order, OrderLine
from domain.vocabulary import EtaBasis, ShipPreference


@dataclass(frozen=True)
class LineView:
    id: int
    sku: str
    name: str
    quantity: int
    unit_price: Decimal
    allocated: int
    waiting: int
    shipped: int
    cancelled: int
    promised: Window
    eta: Window

    @property
    def open(self) -> int:
        return self.allocated + self.waiting


@dataclass(frozen=True)
class OrderView:
    id: int
    number: str
    email: str
    customer_name: str
    shipping_name: str
    shipping_address: str
    ship_preference: ShipPreference
    priority: int
    placed_at: dt.datetime
    lines: list[LineView]

    @property
    def total(self) -> Decimal:
        return sum((line.unit_price * line.quantity for line in self.lines), Decimal("0"))


def line_view(line: OrderLine) -> LineView:
    return LineView(
        id=line.id,
        sku=line.product.sku,
        name=line.product.name,
        quantity=line.quantity,
        unit_price=line.unit_price,
        allocated=line.qty_allocated,
        waiting=line.qty_waiting,
        shipped=line.qty_shipped,
        cancelled=line.qty_cancelled,
        promised=Window(line.promised_earliest, line.promised_latest, EtaBasis(line.promised_basis)),
        eta=Window(line.eta_earliest, line.eta_latest, EtaBasis(line.eta_basis)),
    )


async def order_view(order_id: int, conn: BaseDBAsyncClient | None = None) -> OrderView:
    conn = conn or connection()
    order = await Order.get(id=order_id).using_db(conn).prefetch_related("customer")
    lines = (
        await OrderLine.filter(order_id=order_id)
        .using_db(conn)
        .order_by("position", "id")
        .prefetch_related("product")
    )
    return OrderView(
        id=order.id,
        number=order.number,
        email=order.customer.email,
        customer_name=order.customer.name,
        shipping_name=order.shipping_name,
        shipping_address=order.shipping_address,
        ship_preference=ShipPreference(order.ship_preference),
        priority=order.priority,
        placed_at=order.placed_at,
        lines=[line_view(line) for line in lines],
    )
