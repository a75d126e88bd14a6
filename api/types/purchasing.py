"""Suppliers and purchase orders, for staff."""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry
from strawberry.types import Info

from api import ids
from api.context import ApiContext
from domain.purchasing.reads import PurchaseOrderView, SupplierView
from domain.vocabulary import PurchaseOrderStatus


@strawberry.type
class Supplier:
    id: strawberry.ID
    name: str
    email: str
    lead_time_days: int

    @staticmethod
    def of(view: SupplierView) -> Supplier:
        return Supplier(
            id=ids.encode("Supplier", view.id),
            name=view.name,
            email=view.email,
            lead_time_days=view.lead_time_days,
        )


@strawberry.type
class PurchaseOrderLine:
    id: strawberry.ID
    sku: str
    name: str
    quantity: int
    received: int
    cancelled: int
    remaining: int
    waiting_pegged: int = strawberry.field(
        description="Waiting units whose ETA this line gives: who moves if it slips."
    )


@strawberry.type
class PurchaseOrder:
    id: strawberry.ID
    number: str
    expected_date: dt.date
    status: PurchaseOrderStatus
    overdue: bool = strawberry.field(
        description="Open and past its expected date: the ETAs pegged to it are doubtful."
    )
    created_by: str
    created_at: dt.datetime
    lines: list[PurchaseOrderLine]
    dropship: bool = strawberry.field(
        description="The supplier ships its lines straight to customers (rule 25); never"
        " received here."
    )
    supplier_pk: strawberry.Private[int]

    @staticmethod
    def of(view: PurchaseOrderView, today: dt.date) -> PurchaseOrder:
        return PurchaseOrder(
            id=ids.encode("PurchaseOrder", view.id),
            number=view.number,
            expected_date=view.expected_date,
            status=view.status,
            overdue=view.overdue(today),
            created_by=view.created_by,
            created_at=view.created_at,
            dropship=view.dropship,
            supplier_pk=view.supplier_id,
            lines=[
                PurchaseOrderLine(
                    id=ids.encode("PurchaseOrderLine", line.id),
                    sku=line.sku,
                    name=line.name,
                    quantity=line.quantity,
                    received=line.received,
                    cancelled=line.cancelled,
                    remaining=line.remaining,
                    waiting_pegged=line.waiting_pegged,
                )
                for line in view.lines
            ],
        )

    @strawberry.field
    async def supplier(self, info: Info[ApiContext, Any]) -> Supplier | None:
        view = await info.context.loaders.supplier.load(self.supplier_pk)
        return Supplier.of(view) if view else None
