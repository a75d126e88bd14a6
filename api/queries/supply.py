"""Reads of supply: drafts, proposals and follow-ups for staff; a PO for its supplier's link."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info

from api import ids
from api.context import ApiContext
from api.permissions import READ, requires, staff_read
from api.types.supply import (
    PurchaseOrderFollowUp,
    ReorderDraft,
    SupplierProposal,
    SupplierPurchaseOrder,
    WaitlistCount,
)
from domain.errors import NotFound, PermissionDenied
from domain.supply.answers import holder_of
from domain.supply.reads import follow_ups, open_drafts, pending_proposals, supplier_po
from domain.supply.waitlist import waitlist_overview


@strawberry.type
class SupplyQuery:
    @strawberry.field(
        description="Staff (scope `read`): draft POs suggested per supplier (rule 24).",
        metadata=requires(READ),
    )
    async def reorder_drafts(self, info: Info[ApiContext, Any]) -> list[ReorderDraft]:
        await staff_read(info)
        return [ReorderDraft.of(view) for view in await open_drafts()]

    @strawberry.field(
        description="Staff (scope `read`): supplier proposals waiting for approval.",
        metadata=requires(READ),
    )
    async def supplier_proposals(self, info: Info[ApiContext, Any]) -> list[SupplierProposal]:
        await staff_read(info)
        return [SupplierProposal.of(view) for view in await pending_proposals()]

    @strawberry.field(
        description="Staff (scope `read`): open POs unconfirmed or overdue, overdue first.",
        metadata=requires(READ),
    )
    async def purchase_order_follow_ups(
        self, info: Info[ApiContext, Any]
    ) -> list[PurchaseOrderFollowUp]:
        ctx = await staff_read(info)
        return [PurchaseOrderFollowUp.of(view) for view in await follow_ups(ctx)]

    @strawberry.field(
        description="Staff (scope `read`): products with anyone on their waitlist (rule 26).",
        metadata=requires(READ),
    )
    async def waitlists(self, info: Info[ApiContext, Any]) -> list[WaitlistCount]:
        await staff_read(info)
        return [
            WaitlistCount(
                product_id=ids.encode("Product", w.product_id),
                sku=w.sku,
                name=w.name,
                confirmed=w.confirmed,
                pending=w.pending,
                told=w.told,
            )
            for w in await waitlist_overview()
        ]

    @strawberry.field(
        description="A supplier's PO by the token of its emailed link; null when the link is"
        " not valid (tampered, replaced or expired)."
    )
    async def supplier_purchase_order(
        self, info: Info[ApiContext, Any], token: str
    ) -> SupplierPurchaseOrder | None:
        try:
            holder = await holder_of(token, ctx=info.context.customer)
        except (NotFound, PermissionDenied):
            return None
        return SupplierPurchaseOrder.of(await supplier_po(holder))
