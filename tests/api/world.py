"""A store where one customer's order was moved by other customers' orders.

Order A waits on two products. On one, order C was moved ahead of A by staff (priority), which
slipped A past its promise: an ETA event and a delay notice whose staff details name C. On the
other, order E ahead of A was cancelled by its customer, which moved A earlier: an ETA event
whose detail names E. A custom build was requested and accepted (an order of its own).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from domain.builds.services import accept_quote
from domain.context import Actor
from domain.ordering.changes import CancelRequest, cancel_order_lines, set_order_priority
from domain.ordering.models import Order, OrderLine
from tests import builders as b
from tests.api.helpers import now_ctx, today


@dataclass(frozen=True)
class World:
    order_token: str  # order A
    order_number: str
    build_token: str
    build_order_number: str
    sku: str
    numbers: frozenset[str]  # every order's number


async def build_world() -> World:
    ctx = now_ctx()
    supplier = await b.supplier(lead_time_days=60)
    moved, freed = await b.product(supplier_=supplier), await b.product(supplier_=supplier)
    soon = today() + dt.timedelta(days=5)
    await b.purchase_order(supplier, soon, (moved, 2), (freed, 1), context=ctx)
    e = await b.order((freed, 1), context=ctx)
    a = await b.order((moved, 2), (freed, 1), context=ctx)
    c = await b.order((moved, 2), context=ctx)
    await set_order_priority(c.order.id, 50, ctx=ctx)
    e_line = await OrderLine.get(order_id=e.order.id)
    customer = b.ctx(now=ctx.now, actor=Actor("customer", "api"))
    await cancel_order_lines(
        e.order.id, [CancelRequest(e_line.id)], ctx=customer, reason="cancelled by the customer"
    )
    requested = await b.build_request(
        frame="Carbon", email="grace@example.com", name="Grace", context=customer
    )
    accepted = await accept_quote(requested.token, requested.quote.id, ctx=customer)
    build_order = await Order.get(id=accepted.order_id)
    numbers = frozenset(
        [str(number) for number in await Order.all().values_list("number", flat=True)]
    )
    return World(
        order_token=a.token,
        order_number=a.order.number,
        build_token=requested.token,
        build_order_number=build_order.number,
        sku=moved.sku,
        numbers=numbers,
    )
