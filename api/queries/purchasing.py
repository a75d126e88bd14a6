"""Staff reads of purchasing: suppliers and purchase orders (overdue first)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry
from strawberry.types import Info

from api import ids
from api.context import ApiContext
from api.errors import refused_as_graphql_errors
from api.pagination import (
    Connection,
    Edge,
    connection,
    decode_cursor,
    encode_cursor,
    int_cursor,
    page_size,
)
from api.permissions import READ, requires, staff_read
from api.types.purchasing import PurchaseOrder, Supplier
from domain.errors import InvalidInput
from domain.numbers import MAX_ID, cursor_number
from domain.purchasing.reads import PoCursor, po_cursor, purchase_order_page, supplier_page
from domain.vocabulary import PurchaseOrderStatus


@strawberry.type
class SupplierConnection(Connection[Supplier]):
    pass


@strawberry.type
class PurchaseOrderConnection(Connection[PurchaseOrder]):
    pass


def _po_cursor(after: str | None) -> PoCursor | None:
    key = decode_cursor(after, 3)
    if key is None:
        return None
    rank, day, pk = key
    try:
        return PoCursor(
            cursor_number(rank), dt.date.fromisoformat(str(day)), cursor_number(pk, maximum=MAX_ID)
        )
    except ValueError:
        raise InvalidInput("This cursor is not valid here.", field="after") from None


@strawberry.type
class PurchasingQuery:
    @strawberry.field(
        description="Staff (scope `read`): suppliers.",
        metadata=requires(READ),
    )
    async def suppliers(
        self, info: Info[ApiContext, Any], first: int | None = 20, after: str | None = None
    ) -> SupplierConnection:
        await staff_read(info)
        with refused_as_graphql_errors():
            page = await supplier_page(after_id=int_cursor(after) or 0, first=page_size(first))
        edges = [Edge(cursor=encode_cursor(s.id), node=Supplier.of(s)) for s in page.items]
        built = connection(edges, page.has_next, after)
        return SupplierConnection(edges=built.edges, page_info=built.page_info)

    @strawberry.field(
        description="Staff (scope `read`): purchase orders, overdue ones first, then by "
        "expected date.",
        metadata=requires(READ),
    )
    async def purchase_orders(
        self,
        info: Info[ApiContext, Any],
        first: int | None = 20,
        after: str | None = None,
        status: PurchaseOrderStatus | None = None,
        supplier_id: strawberry.ID | None = None,
    ) -> PurchaseOrderConnection:
        ctx = await staff_read(info)
        supplier = ids.decode("Supplier", supplier_id) if supplier_id else None
        if supplier_id and supplier is None:
            supplier = 0  # an unknown supplier: an empty list, as for one without orders
        with refused_as_graphql_errors():
            page = await purchase_order_page(
                today=ctx.today,
                status=status,
                supplier_id=supplier,
                after=_po_cursor(after),
                first=page_size(first),
            )
        edges = []
        for view in page.items:
            key = po_cursor(view, ctx.today)
            edges.append(
                Edge(
                    cursor=encode_cursor(key.rank, key.expected_date.isoformat(), key.id),
                    node=PurchaseOrder.of(view, ctx.today),
                )
            )
        built = connection(edges, page.has_next, after)
        return PurchaseOrderConnection(edges=built.edges, page_info=built.page_info)

    @strawberry.field(
        description="Staff (scope `read`): one purchase order, or null.",
        metadata=requires(READ),
    )
    async def purchase_order(
        self,
        info: Info[ApiContext, Any],
        id: strawberry.ID,  # noqa: A002
    ) -> PurchaseOrder | None:
        ctx = await staff_read(info)
        pk = ids.decode("PurchaseOrder", id)
        view = await info.context.loaders.purchase_order.load(pk) if pk else None
        return PurchaseOrder.of(view, ctx.today) if view else None
