"""Per-request DataLoaders: every related read of a request is batched into one query.

Built fresh for each request (a loader caches what it loaded, and that cache must not outlive
the request). Each wraps one batched read model of a context (``domain/<context>/reads.py``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
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


@dataclass
class Loaders:
    product_by_sku: DataLoader[str, ProductView | None]
    option_groups: DataLoader[int, list[OptionGroupView] | None]
    order: DataLoader[int, OrderView | None]
    eta_history: DataLoader[int, dict[int, list[EtaChangeView]] | None]
    shipments: DataLoader[int, list[ParcelView] | None]
    shipment: DataLoader[int, ParcelView | None]
    delay_notices: DataLoader[int, list[NoticeView] | None]
    supplier: DataLoader[int, SupplierView | None]
    purchase_order: DataLoader[int, PurchaseOrderView | None]
    purchase_order_by_line: DataLoader[int, PurchaseOrderView | None]
    build: DataLoader[int, BuildView | None]
    images: DataLoader[int, list[ImageView] | None]

    @classmethod
    def create(cls) -> Loaders:
        return cls(
            product_by_sku=DataLoader(_by_key(_all_products_by_sku)),
            option_groups=DataLoader(_by_key(_option_groups)),
            order=DataLoader(_by_key(order_views)),
            eta_history=DataLoader(_by_key(eta_history)),
            shipments=DataLoader(_by_key(shipments_of_orders)),
            shipment=DataLoader(_by_key(shipments_by_id)),
            delay_notices=DataLoader(_by_key(open_delay_notices)),
            supplier=DataLoader(_by_key(suppliers_by_id)),
            purchase_order=DataLoader(_by_key(purchase_orders_by_id)),
            purchase_order_by_line=DataLoader(_by_key(purchase_orders_by_line_id)),
            build=DataLoader(_by_key(builds_by_id)),
            images=DataLoader(_by_key(images_of)),
        )
