"""Staff mutations of purchasing: create POs, revise expected dates, cancel lines, receive."""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry
from strawberry.types import Info

from api import ids
from api.context import ApiContext
from api.errors import UserError, user_errors
from api.limits import check_list_sizes
from api.permissions import ETAS, PURCHASING, RECEIVING, requires, staff_context
from api.types.purchasing import PurchaseOrder
from domain.errors import DomainError
from domain.ordering.queue import Recomputed
from domain.supply.purchase_orders import (
    PoLineRequest,
    ReceiptLineRequest,
    cancel_purchase_order_line,
    create_purchase_order,
    receive,
    revise_expected_date,
)


@strawberry.input
class PurchaseOrderLineInput:
    sku: str
    quantity: int
    custom_build_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The accepted custom build this unit is made for: its receipt fills that"
        " build's line, never another customer's build of the same product.",
    )

    def request(self) -> PoLineRequest:
        build = None
        if self.custom_build_id is not None:
            build = ids.decode("CustomBuild", self.custom_build_id) or 0  # 0: not found
        return PoLineRequest(self.sku, self.quantity, build_request_id=build)


@strawberry.input
class CreatePurchaseOrderInput:
    supplier_id: strawberry.ID
    expected_date: dt.date
    lines: list[PurchaseOrderLineInput]
    idempotency_key: str | None = None


@strawberry.input
class UpdatePurchaseOrderExpectedDateInput:
    purchase_order_id: strawberry.ID
    expected_date: dt.date
    reason: str = strawberry.field(description="Why the supplier moved it; told to customers.")


@strawberry.input
class CancelPurchaseOrderLineInput:
    purchase_order_line_id: strawberry.ID
    reason: str


@strawberry.input
class ReceiptLineInput:
    purchase_order_line_id: strawberry.ID
    quantity: int


@strawberry.input
class ReceivePurchaseOrderInput:
    purchase_order_id: strawberry.ID
    receipt_key: str = strawberry.field(
        description="Identifies the delivery: the same receipt is never applied twice."
    )
    lines: list[ReceiptLineInput]


@strawberry.type
class PurchaseOrderPayload:
    errors: list[UserError] = strawberry.field(default_factory=list)
    po_pk: strawberry.Private[int | None] = None

    @strawberry.field
    async def purchase_order(self, info: Info[ApiContext, Any]) -> PurchaseOrder | None:
        if self.po_pk is None:
            return None
        view = await info.context.loaders.purchase_order.load(self.po_pk)
        return PurchaseOrder.of(view, info.context.today) if view else None


@strawberry.type(description="What an event did to the queues (rules 8 to 10).")
class EtaImpactPayload:
    lines_moved: int = 0
    orders_moved: int = 0
    emails_queued: int = 0
    delay_notices: int = 0
    errors: list[UserError] = strawberry.field(default_factory=list)
    po_pk: strawberry.Private[int | None] = None
    po_line_pk: strawberry.Private[int | None] = None

    @staticmethod
    def of(impact: Recomputed, **keys: int | None) -> EtaImpactPayload:
        return EtaImpactPayload(
            lines_moved=impact.lines_moved,
            orders_moved=impact.orders_moved,
            emails_queued=impact.emails_queued,
            delay_notices=impact.delay_notices,
            **keys,  # type: ignore[arg-type]
        )

    @strawberry.field
    async def purchase_order(self, info: Info[ApiContext, Any]) -> PurchaseOrder | None:
        loaders = info.context.loaders
        if self.po_pk is not None:
            view = await loaders.purchase_order.load(self.po_pk)
        elif self.po_line_pk is not None:
            view = await loaders.purchase_order_by_line.load(self.po_line_pk)
        else:
            return None
        return PurchaseOrder.of(view, info.context.today) if view else None


@strawberry.type
class ReceivePurchaseOrderPayload(EtaImpactPayload):
    applied: bool = strawberry.field(
        default=False, description="False when this receipt key was applied before (a replay)."
    )
    units_to_backorders: int = 0
    units_to_stock: int = 0


@strawberry.type
class PurchasingMutation:
    @strawberry.mutation(
        description="Staff (scope `purchasing`): order from a supplier.",
        metadata=requires(PURCHASING),
    )
    async def create_purchase_order(
        self,
        info: Info[ApiContext, Any],
        input: CreatePurchaseOrderInput,  # noqa: A002
    ) -> PurchaseOrderPayload:
        try:
            ctx = await staff_context(info)
            check_list_sizes(input)
            po = await create_purchase_order(
                ids.decode("Supplier", input.supplier_id) or 0,
                input.expected_date,
                [line.request() for line in input.lines],
                ctx=ctx,
                key=input.idempotency_key,
            )
        except DomainError as error:
            return PurchaseOrderPayload(errors=user_errors(error))
        return PurchaseOrderPayload(po_pk=po.id)

    @strawberry.mutation(
        description="Staff (scope `etas`): the supplier moved its date; pegged ETAs follow.",
        metadata=requires(ETAS),
    )
    async def update_purchase_order_expected_date(
        self,
        info: Info[ApiContext, Any],
        input: UpdatePurchaseOrderExpectedDateInput,  # noqa: A002
    ) -> EtaImpactPayload:
        pk = ids.decode("PurchaseOrder", input.purchase_order_id) or 0
        try:
            ctx = await staff_context(info)
            impact = await revise_expected_date(pk, input.expected_date, input.reason, ctx=ctx)
        except DomainError as error:
            return EtaImpactPayload(errors=user_errors(error))
        return EtaImpactPayload.of(impact, po_pk=pk)

    @strawberry.mutation(
        description="Staff (scope `purchasing`): the rest of a PO line will not come.",
        metadata=requires(PURCHASING),
    )
    async def cancel_purchase_order_line(
        self,
        info: Info[ApiContext, Any],
        input: CancelPurchaseOrderLineInput,  # noqa: A002
    ) -> EtaImpactPayload:
        pk = ids.decode("PurchaseOrderLine", input.purchase_order_line_id) or 0
        try:
            ctx = await staff_context(info)
            impact = await cancel_purchase_order_line(pk, input.reason, ctx=ctx)
        except DomainError as error:
            return EtaImpactPayload(errors=user_errors(error))
        return EtaImpactPayload.of(impact, po_line_pk=pk)

    @strawberry.mutation(
        description="Staff (scope `receiving`): goods arrived; they fill the queue first come, "
        "first served, the rest goes to stock.",
        metadata=requires(RECEIVING),
    )
    async def receive_purchase_order(
        self,
        info: Info[ApiContext, Any],
        input: ReceivePurchaseOrderInput,  # noqa: A002
    ) -> ReceivePurchaseOrderPayload:
        pk = ids.decode("PurchaseOrder", input.purchase_order_id) or 0
        try:
            ctx = await staff_context(info)
            check_list_sizes(input)
            lines = [
                ReceiptLineRequest(
                    ids.decode("PurchaseOrderLine", line.purchase_order_line_id) or 0,
                    line.quantity,
                )
                for line in input.lines
            ]
            result = await receive(pk, input.receipt_key, lines, ctx=ctx)
        except DomainError as error:
            return ReceivePurchaseOrderPayload(errors=user_errors(error, "receivePurchaseOrder"))
        impact = result.impact
        return ReceivePurchaseOrderPayload(
            lines_moved=impact.lines_moved,
            orders_moved=impact.orders_moved,
            emails_queued=impact.emails_queued,
            delay_notices=impact.delay_notices,
            po_pk=pk,
            applied=result.applied,
            units_to_backorders=result.to_queue,
            units_to_stock=result.to_stock,
        )
