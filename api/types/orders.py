"""Orders as customers and staff see them: lines by state, ETAs, history, parcels, notices."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import strawberry
from strawberry.types import Info

from api import ids
from api.context import ApiContext
from api.permissions import READ, holds_scope, requires
from api.types.catalog import Product
from api.types.common import Eta
from domain.notifications.composing import words as wording
from domain.ordering.reads import EtaChangeView, NoticeView, ParcelView
from domain.ordering.views import LineView, OrderView
from domain.vocabulary import DelayNoticeStatus, EtaReason, ShipmentStatus, ShipPreference


@strawberry.type(description="A line's units by state; they add up to `ordered`.")
class LineQuantities:
    ordered: int
    allocated: int = strawberry.field(description="Allocated from stock, not shipped yet.")
    waiting: int = strawberry.field(description="Backordered: waiting in the product's queue.")
    shipped: int
    cancelled: int


@strawberry.type(description="One change of a line's ETA, and the event that caused it.")
class EtaChange:
    at: dt.datetime
    previous: Eta | None
    eta: Eta
    reason: EtaReason
    staff_detail: strawberry.Private[str]
    actor_name: strawberry.Private[str]

    @strawberry.field(
        description="Why, in words for the customer. With scope `read`: the event's own "
        "detail, written for staff (it may name other orders).",
        metadata=requires(READ),
    )
    async def detail(self, info: Info[ApiContext, Any]) -> str:
        if await holds_scope(info):
            return self.staff_detail
        return wording.reason(self.reason, self.staff_detail)

    @strawberry.field(
        description="Who caused it (`staff:3`, `token:7`, `system`); null without scope `read`.",
        metadata=requires(READ),
    )
    async def actor(self, info: Info[ApiContext, Any]) -> str | None:
        return self.actor_name if await holds_scope(info) else None

    @staticmethod
    def of(view: EtaChangeView) -> EtaChange:
        return EtaChange(
            at=view.at,
            previous=Eta.of(view.previous) if view.previous else None,
            eta=Eta.of(view.current),
            reason=view.reason,
            staff_detail=view.detail,
            actor_name=view.actor,
        )


@strawberry.type
class OrderLine:
    id: strawberry.ID
    sku: str
    name: str
    unit_price: Decimal
    quantities: LineQuantities
    promised_eta: Eta = strawberry.field(description="Shown when ordered; it never changes.")
    eta: Eta = strawberry.field(description="The current ETA.")
    dropship: bool = strawberry.field(
        description="Shipped by the maker straight to the customer (rule 25); its ETA is the"
        " maker's lead time plus delivery."
    )
    pk: strawberry.Private[int]
    order_pk: strawberry.Private[int]

    @staticmethod
    def of(view: LineView, order_id: int) -> OrderLine:
        return OrderLine(
            id=ids.encode("OrderLine", view.id),
            sku=view.sku,
            name=view.name,
            unit_price=view.unit_price,
            quantities=LineQuantities(
                ordered=view.quantity,
                allocated=view.allocated,
                waiting=view.waiting,
                shipped=view.shipped,
                cancelled=view.cancelled,
            ),
            promised_eta=Eta.of(view.promised),
            eta=Eta.of(view.eta),
            dropship=view.dropship,
            pk=view.id,
            order_pk=order_id,
        )

    @strawberry.field(description="Every change of this line's ETA, oldest first.")
    async def eta_history(self, info: Info[ApiContext, Any]) -> list[EtaChange]:
        by_line = await info.context.loaders.eta_history.load(self.order_pk) or {}
        return [EtaChange.of(change) for change in by_line.get(self.pk, [])]

    @strawberry.field
    async def product(self, info: Info[ApiContext, Any]) -> Product | None:
        view = await info.context.loaders.product_by_sku.load(self.sku)
        return Product.of(view, info.context.customer) if view else None


@strawberry.type
class ShipmentLine:
    line_id: strawberry.ID
    sku: str
    name: str
    quantity: int


@strawberry.type(description="A parcel: some units of some lines of one order.")
class Shipment:
    id: strawberry.ID
    status: ShipmentStatus
    carrier: str
    tracking_number: str
    created_at: dt.datetime
    shipped_at: dt.datetime | None
    lines: list[ShipmentLine]
    order_pk: strawberry.Private[int]

    @staticmethod
    def of(view: ParcelView) -> Shipment:
        return Shipment(
            id=ids.encode("Shipment", view.id),
            status=view.status,
            carrier=view.carrier,
            tracking_number=view.tracking_number,
            created_at=view.created_at,
            shipped_at=view.shipped_at,
            order_pk=view.order_id,
            lines=[
                ShipmentLine(
                    line_id=ids.encode("OrderLine", item.line_id),
                    sku=item.sku,
                    name=item.name,
                    quantity=item.quantity,
                )
                for item in view.items
            ],
        )

    @strawberry.field
    async def order(self, info: Info[ApiContext, Any]) -> Order | None:
        view = await info.context.loaders.order.load(self.order_pk)
        return Order.of(view) if view else None


@strawberry.type(description="An ETA moved past the date promised: keep waiting, or cancel.")
class DelayNotice:
    id: strawberry.ID
    line_id: strawberry.ID
    previous_latest: dt.date | None
    eta: Eta
    requires_answer: bool = strawberry.field(
        description="A second delay: without an answer by the deadline the line is cancelled."
    )
    deadline: dt.date
    status: DelayNoticeStatus
    created_at: dt.datetime
    cause: strawberry.Private[EtaReason]
    staff_reason: strawberry.Private[str]

    @strawberry.field(
        description="Why, in words for the customer. With scope `read`: the event's own "
        "detail, written for staff (it may name other orders).",
        metadata=requires(READ),
    )
    async def reason(self, info: Info[ApiContext, Any]) -> str:
        if await holds_scope(info):
            return self.staff_reason
        return wording.reason(self.cause, self.staff_reason)

    @staticmethod
    def of(view: NoticeView) -> DelayNotice:
        return DelayNotice(
            id=ids.encode("DelayNotice", view.id),
            line_id=ids.encode("OrderLine", view.line_id),
            previous_latest=view.previous_latest,
            eta=Eta.of(view.eta),
            requires_answer=view.requires_answer,
            deadline=view.deadline,
            status=view.status,
            created_at=view.created_at,
            cause=view.cause,
            staff_reason=view.reason,
        )


@strawberry.type
class Order:
    id: strawberry.ID
    number: str
    email: str
    customer_name: str
    shipping_name: str
    shipping_address: str
    ship_preference: ShipPreference
    priority: int
    placed_at: dt.datetime
    total: Decimal = strawberry.field(
        description="What the order costs now: every unit ordered and not cancelled."
    )
    refund_due: Decimal = strawberry.field(
        description="Owed back to the customer: the cancelled units, refunded in full."
    )
    lines: list[OrderLine]
    pk: strawberry.Private[int]

    @staticmethod
    def of(view: OrderView) -> Order:
        return Order(
            id=ids.encode("Order", view.id),
            number=view.number,
            email=view.email,
            customer_name=view.customer_name,
            shipping_name=view.shipping_name,
            shipping_address=view.shipping_address,
            ship_preference=view.ship_preference,
            priority=view.priority,
            placed_at=view.placed_at,
            total=view.total,
            refund_due=view.refund_due,
            lines=[OrderLine.of(line, view.id) for line in view.lines],
            pk=view.id,
        )

    @strawberry.field(description="Parcels, oldest first, with carrier and tracking once sent.")
    async def shipments(self, info: Info[ApiContext, Any]) -> list[Shipment]:
        parcels = await info.context.loaders.shipments.load(self.pk) or []
        return [Shipment.of(parcel) for parcel in parcels]

    @strawberry.field(description="Delay notices waiting for the customer's answer.")
    async def open_delay_notices(self, info: Info[ApiContext, Any]) -> list[DelayNotice]:
        notices = await info.context.loaders.delay_notices.load(self.pk) or []
        return [DelayNotice.of(notice) for notice in notices]
