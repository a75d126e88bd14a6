"""Everything the status page of one order shows: lines, ETA history, shipments, delay notices.

Five queries whatever the order's size: the order and its lines (with products), the ETA
history with its events, the shipments with their contents, and the delay notices.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from domain.ordering.eta import Window
from domain.ordering.models import DelayNotice, EtaChange
from domain.queries.orders import OrderView, order_view
from domain.shipping.models import Shipment, ShipmentLine
from domain.vocabulary import DelayNoticeStatus, EtaBasis, EtaReason, ShipmentStatus


@dataclass(frozen=True)
class EtaHistoryEntry:
    line_id: int
    at: dt.datetime
    old: Window | None
    new: Window
    reason: EtaReason
    detail: str


@dataclass(frozen=True)
class ShipmentItem:
    line_id: int
    sku: str
    name: str
    quantity: int


@dataclass(frozen=True)
class ShipmentView:
    id: int
    status: ShipmentStatus
    carrier: str
    tracking_number: str
    created_at: dt.datetime
    shipped_at: dt.datetime | None
    items: list[ShipmentItem]


@dataclass(frozen=True)
class DelayNoticeView:
    id: int
    line_id: int
    previous_latest: dt.date | None
    new: Window
    requires_answer: bool
    deadline: dt.date
    status: DelayNoticeStatus
    reason: str  # the event's detail, written for staff
    cause: EtaReason

    @property
    def open(self) -> bool:
        return self.status == DelayNoticeStatus.OPEN


@dataclass(frozen=True)
class OrderDetail:
    order: OrderView
    history: list[EtaHistoryEntry]
    shipments: list[ShipmentView]
    delay_notices: list[DelayNoticeView]

    @property
    def open_delay_notices(self) -> list[DelayNoticeView]:
        return [n for n in self.delay_notices if n.open]

    def history_of(self, line_id: int) -> list[EtaHistoryEntry]:
        return [entry for entry in self.history if entry.line_id == line_id]


def _window(earliest: dt.date | None, latest: dt.date | None, basis: str | None) -> Window | None:
    if basis is None:
        return None
    return Window(earliest, latest, EtaBasis(basis))


async def order_detail(order_id: int) -> OrderDetail:
    view = await order_view(order_id)
    line_ids = [line.id for line in view.lines]
    by_line = {line.id: line for line in view.lines}
    changes = await EtaChange.filter(line_id__in=line_ids).order_by("id").prefetch_related("event")
    history = [
        EtaHistoryEntry(
            c.line_id,  # type: ignore[attr-defined]
            c.event.created_at,
            _window(c.old_earliest, c.old_latest, c.old_basis),
            Window(c.new_earliest, c.new_latest, EtaBasis(c.new_basis)),
            EtaReason(c.event.reason),
            c.event.detail,
        )
        for c in changes
    ]
    shipments = await Shipment.filter(order_id=order_id).order_by("id")
    contents = await ShipmentLine.filter(shipment_id__in=[s.id for s in shipments]).order_by("id")
    items: dict[int, list[ShipmentItem]] = {}
    for item in contents:
        line = by_line[item.line_id]  # type: ignore[attr-defined]
        items.setdefault(item.shipment_id, []).append(  # type: ignore[attr-defined]
            ShipmentItem(line.id, line.sku, line.name, item.quantity)
        )
    notices = await DelayNotice.filter(order_id=order_id).order_by("id").prefetch_related("event")
    return OrderDetail(
        view,
        history,
        [
            ShipmentView(
                s.id, ShipmentStatus(s.status), s.carrier, s.tracking_number, s.created_at,
                s.shipped_at, items.get(s.id, []),
            )
            for s in shipments
        ],
        [
            DelayNoticeView(
                n.id, n.line_id, n.previous_latest,  # type: ignore[attr-defined]
                Window(n.new_earliest, n.new_latest, EtaBasis.PURCHASE_ORDER),
                n.requires_answer, n.deadline, DelayNoticeStatus(n.status), n.event.detail,
                EtaReason(n.event.reason),
            )
            for n in notices
        ],
    )
