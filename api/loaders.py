"""Per-request DataLoaders: every related read of a request is batched into one query.

Built fresh for each request (a loader caches what it loaded, and that cache must not outlive
the request). Each wraps one batched read model of a context (``domain/<context>/reads.py``).
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from strawberry.dataloader import DataLoader

from domain.builds.reads import BuildView, builds_by_id
from domain.catalog.availability import OptionGroupView, ProductView, option_groups
from domain.catalog.image_reads import ImageView, images_of
from domain.catalog.reads import products_by_sku
from domain.ordering.reads import (
    EtaChangeView,
    NoticeView,
    ParcelView,
    eta_history,
    open_delay_notices,
    order_views,
    shipments_by_id,
    shipments_of_orders,
)
from domain.ordering.views import OrderView
from domain.purchasing.reads import (
    PurchaseOrderView,
    SupplierView,
    purchase_orders_by_id,
    purchase_orders_by_line_id,
    suppliers_by_id,
)

K = TypeVar("K")
V = TypeVar("V")


def _by_key(
    fetch: Callable[[Sequence[K]], Awaitable[dict[K, V]]],
) -> Callable[[list[K]], Awaitable[list[V | None]]]:
    """A DataLoader batch function over a read model that answers a dict by key."""

    async def load(keys: list[K]) -> list[V | None]:
        found = await fetch(keys)
        return [found.get(key) for key in keys]

    return load


async def _all_products_by_sku(skus: Sequence[str]) -> dict[str, ProductView]:
    return await products_by_sku(skus, active_only=False)


async def _option_groups(ids: Sequence[int]) -> dict[int, list[OptionGroupView]]:
    return await option_groups(list(ids))


class Loaders:
    """The request's loaders, each made when first used: most requests use one or none
    (a catalogue page, none), and making all twelve cost more than some pages' fields."""

    @classmethod
    def create(cls) -> Loaders:
        return cls()

    @functools.cached_property
    def product_by_sku(self) -> DataLoader[str, ProductView | None]:
        return DataLoader(_by_key(_all_products_by_sku))

    @functools.cached_property
    def option_groups(self) -> DataLoader[int, list[OptionGroupView] | None]:
        return DataLoader(_by_key(_option_groups))

    @functools.cached_property
    def order(self) -> DataLoader[int, OrderView | None]:
        return DataLoader(_by_key(order_views))

    @functools.cached_property
    def eta_history(self) -> DataLoader[int, dict[int, list[EtaChangeView]] | None]:
        return DataLoader(_by_key(eta_history))

    @functools.cached_property
    def shipments(self) -> DataLoader[int, list[ParcelView] | None]:
        return DataLoader(_by_key(shipments_of_orders))

    @functools.cached_property
    def shipment(self) -> DataLoader[int, ParcelView | None]:
        return DataLoader(_by_key(shipments_by_id))

    @functools.cached_property
    def delay_notices(self) -> DataLoader[int, list[NoticeView] | None]:
        return DataLoader(_by_key(open_delay_notices))

    @functools.cached_property
    def supplier(self) -> DataLoader[int, SupplierView | None]:
        return DataLoader(_by_key(suppliers_by_id))

    @functools.cached_property
    def purchase_order(self) -> DataLoader[int, PurchaseOrderView | None]:
        return DataLoader(_by_key(purchase_orders_by_id))

    @functools.cached_property
    def purchase_order_by_line(self) -> DataLoader[int, PurchaseOrderView | None]:
        return DataLoader(_by_key(purchase_orders_by_line_id))

    @functools.cached_property
    def build(self) -> DataLoader[int, BuildView | None]:
        return DataLoader(_by_key(builds_by_id))

    @functools.cached_property
    def images(self) -> DataLoader[int, list[ImageView] | None]:
        return DataLoader(_by_key(images_of))
