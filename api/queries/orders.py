"""Order reads: ``order(token:)`` by the customer's link; ``order(id:)``, ``orders`` for staff."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info

from api import ids
from api.context import ApiContext
from api.errors import ExpectedError, refused_as_graphql_errors
from api.pagination import Connection, Edge, connection, encode_cursor, int_cursor, page_size
from api.permissions import READ, requires, staff_read
from api.types.orders import Order
from domain.errors import InvalidInput
from domain.ordering.reads import order_by_token
from domain.ordering.search import OrderFilter, search_orders


@strawberry.input(description="Every filter given must hold.")
class OrderFilterInput:
    waiting: bool | None = strawberry.field(default=None, description="Some unit waits.")
    overdue: bool | None = strawberry.field(
        default=None,
        description="Some unshipped unit is past its ETA or waits on an overdue purchase order.",
    )
    product_sku: str | None = None
    customer_email: str | None = None


@strawberry.type
class OrderConnection(Connection[Order]):
    pass


@strawberry.type
class OrdersQuery:
    @strawberry.field(
        description="With `token` (the secret of the order link): that order, for anyone who "
        "holds the link. With `id`: any order, for staff (scope `read`). Null when not found.",
        metadata=requires(READ, argument="id"),
    )
    async def order(
        self,
        info: Info[ApiContext, Any],
        token: str | None = None,
        id: strawberry.ID | None = None,  # noqa: A002 - the public argument name
    ) -> Order | None:
        if (token is None) == (id is None):
            raise ExpectedError(InvalidInput("Give either token or id.", field="token"))
        if token is not None:
            view = await order_by_token(token)
            return Order.of(view) if view else None
        await staff_read(info)
        pk = ids.decode("Order", id or "")
        found = await info.context.loaders.order.load(pk) if pk else None
        return Order.of(found) if found else None

    @strawberry.field(
        description="Staff (scope `read`): orders, newest first.",
        metadata=requires(READ),
    )
    async def orders(
        self,
        info: Info[ApiContext, Any],
        first: int | None = 20,
        after: str | None = None,
        filter: OrderFilterInput | None = None,  # noqa: A002 - the public argument name
    ) -> OrderConnection:
        ctx = await staff_read(info)
        wanted = filter or OrderFilterInput()
        with refused_as_graphql_errors():
            page = await search_orders(
                OrderFilter(
                    wanted.waiting, wanted.overdue, wanted.product_sku, wanted.customer_email
                ),
                today=ctx.today,
                before_id=int_cursor(after),
                first=page_size(first),
            )
        edges = [Edge(cursor=encode_cursor(view.id), node=Order.of(view)) for view in page.items]
        built = connection(edges, page.has_next, after)
        return OrderConnection(edges=built.edges, page_info=built.page_info)
