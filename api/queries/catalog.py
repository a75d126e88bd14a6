"""Public catalogue reads: ``products`` and ``product(sku:)``."""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry
from strawberry.types import Info

from api.cache import Read
from api.context import ApiContext
from api.errors import refused_as_graphql_errors
from api.execution import SharedList, shared_answer
from api.limits import check_list_sizes
from api.pagination import Connection, Edge, connection, encode_cursor, int_cursor, page_size
from api.types.catalog import Product
from domain.catalog.availability import ProductView
from domain.catalog.reads import (
    ProductFilter,
    ProductPage,
    count_products,
    page_snapshot,
    product_page,
    sku_snapshot,
    views_of,
)
from domain.context import Context, Policy
from domain.lru import LruMemo
from domain.vocabulary import AvailabilityMode

# The edge of each product built before, by the product's identity (each entry holds its
# product, so the id cannot be reused while it is kept): ``Product.of`` hands out the same
# product while its view, day and policy hold, and its edge is a pure function of it, so the
# executor may keep the edge's answer as it keeps the product's (``shared_answer``).
_EDGES_SIZE = 4096
_edges: LruMemo[int, Edge[Product]] = LruMemo(_EDGES_SIZE)


def _edge(product: Product) -> Edge[Product]:
    key = id(product)
    kept = _edges.get(key)
    if kept is not None and kept.node is product:
        _edges.move_to_end(key)
        return kept
    made = shared_answer(Edge(cursor=encode_cursor(product.view.id), node=product))
    _edges.put(key, made)
    return made


# The edges of each page built before, by the identity of its items (``product_page`` hands
# out the same page for a snapshot handed out again; each entry holds its page), with the day
# and policy they were built for: the same products and edges as ``Product.of`` and ``_edge``
# would hand out one by one. The same list too (``SharedList``): the executor keeps its answer.
_PAGES_SIZE = 64
_pages: LruMemo[int, tuple[list[ProductView], Policy, dt.date, SharedList]] = LruMemo(_PAGES_SIZE)


def _page_edges(page: ProductPage, ctx: Context, today: dt.date) -> SharedList:
    key = id(page.items)
    kept = _pages.get(key)
    if (
        kept is not None
        and kept[0] is page.items
        and (kept[1] is ctx.policy or kept[1] == ctx.policy)
        and kept[2] == today
    ):
        _pages.move_to_end(key)
        return kept[3]
    edges = SharedList(_edge(Product.of(view, ctx, today)) for view in page.items)
    _pages.put(key, (page.items, ctx.policy, today, edges))
    return edges


@strawberry.input
class ProductFilterInput:
    modes: list[AvailabilityMode] | None = None
    text: str | None = strawberry.field(
        default=None, description="Words in the SKU, name or description."
    )


@strawberry.type
class ProductConnection(Connection[Product]):
    filter_: strawberry.Private[ProductFilter]

    @strawberry.field(description="How many products match the filter (one more query).")
    async def total_count(self) -> int:
        return await count_products(self.filter_)


@strawberry.type
class CatalogQuery:
    @strawberry.field(description="Active products in catalogue order.")
    async def products(
        self,
        info: Info[ApiContext, Any],
        first: int | None = 20,
        after: str | None = None,
        filter: ProductFilterInput | None = None,  # noqa: A002 - the public argument name
    ) -> ProductConnection:
        with refused_as_graphql_errors():
            check_list_sizes(filter, "filter.")
            after_id, size = int_cursor(after) or 0, page_size(first)
        wanted = ProductFilter(
            text=(filter.text or "") if filter else "",
            modes=tuple(filter.modes or ()) if filter else (),
        )
        page = await product_page(wanted, after_id=after_id, first=size)
        info.context.reads.append(
            Read(lambda: page_snapshot(wanted, after_id=after_id, first=size), page.snapshot)
        )
        built = connection(
            _page_edges(page, info.context.customer, info.context.today), page.has_next, after
        )
        return ProductConnection(edges=built.edges, page_info=built.page_info, filter_=wanted)

    @strawberry.field(description="An active product by SKU, or null.")
    async def product(self, info: Info[ApiContext, Any], sku: str) -> Product | None:
        wanted = sku.strip()
        snapshot = await sku_snapshot([wanted])
        info.context.reads.append(Read(lambda: sku_snapshot([wanted]), snapshot))
        found = views_of(snapshot)
        return Product.of(found[0], info.context.customer) if found else None
