"""One order as its pages show it: the order, every line's ETA history, the parcels and the
delay notices waiting for an answer; the batched reads of ``order_reads.py``, for one order."""

from __future__ import annotations

from dataclasses import dataclass

from domain.ordering.reads import (
    EtaChangeView,
    NoticeView,
    ParcelView,
    eta_history,
    open_delay_notices,
    order_views,
    shipments_of_orders,
)
from domain.ordering.views import OrderView


@dataclass(frozen=True)
class OrderDetail:
    order: OrderView
    history: list[EtaChangeView]  # every line's changes, oldest first
    shipments: list[ParcelView]
    open_delay_notices: list[NoticeView]


async def order_detail(order_id: int) -> OrderDetail | None:
    order = (await order_views([order_id])).get(order_id)
    if order is None:
        return None
    by_line = (await eta_history([order_id]))[order_id]
    return OrderDetail(
        order,
        sorted((change for changes in by_line.values() for change in changes), key=lambda c: c.id),
        (await shipments_of_orders([order_id]))[order_id],
        (await open_delay_notices([order_id]))[order_id],
    )
