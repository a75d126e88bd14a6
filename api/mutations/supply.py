"""Mutations of supply (DOMAIN.md rule 24): staff recompute, edit, send or discard reorder
drafts, send a PO to its supplier and decide a supplier's proposal; a supplier answers a PO
with the token of its emailed link."""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry
from strawberry.types import Info

from api import ids
from api.context import ApiContext
from api.errors import UserError, user_errors
from api.limits import check_list_sizes
from api.mutations.purchasing import EtaImpactPayload, PurchaseOrderPayload
from api.permissions import PURCHASING, requires, staff_context
from api.types.supply import ReorderDraft, SupplierPurchaseOrder
from domain.errors import DomainError
from domain.supply.answers import (
    LineAnswer,
    answer_purchase_order,
    apply_proposal,
    holder_of,
    reject_proposal,
)
from domain.supply.dropship import record_dropship_parcel
from domain.supply.reads import open_drafts, supplier_po
from domain.supply.sending import send_draft, send_purchase_order
from domain.supply.suggestions import (
    DraftEdit,
    discard_draft,
    edit_draft,
    recompute_suggestions,
)


@strawberry.type
class RecomputeReorderSuggestionsPayload:
    drafts: list[ReorderDraft] = strawberry.field(default_factory=list)
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class ReorderDraftLineInput:
    product_id: strawberry.ID
    quantity: int = strawberry.field(description="0 takes the line off the draft.")


@strawberry.input
class EditReorderDraftInput:
    draft_id: strawberry.ID
    expected_date: dt.date | None = None
    lines: list[ReorderDraftLineInput] = strawberry.field(default_factory=list)


@strawberry.input
class ReorderDraftInput:
    draft_id: strawberry.ID


@strawberry.type
class ReorderDraftPayload:
    draft: ReorderDraft | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class SendPurchaseOrderInput:
    purchase_order_id: strawberry.ID


@strawberry.input
class DecideSupplierProposalInput:
    proposal_id: strawberry.ID
    apply: bool = strawberry.field(description="True applies the change, false rejects it.")


@strawberry.input
class SupplierLineAnswerInput:
    purchase_order_line_id: strawberry.ID
    confirm: bool
    date: dt.date | None = None
    quantity: int | None = None
    note: str = ""


@strawberry.input
class AnswerPurchaseOrderInput:
    token: str
    lines: list[SupplierLineAnswerInput]


@strawberry.type
class AnswerPurchaseOrderPayload:
    confirmed: int = 0
    proposed: int = 0
    applied: int = 0
    purchase_order: SupplierPurchaseOrder | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class RecordDropshipParcelInput:
    token: str
    purchase_order_line_id: strawberry.ID
    carrier: str
    tracking_number: str


@strawberry.type
class RecordDropshipParcelPayload:
    purchase_order: SupplierPurchaseOrder | None = None
    replayed: bool = strawberry.field(
        default=False, description="True when this parcel had been recorded before."
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class SupplyMutation:
    @strawberry.mutation(
        description="Staff (scope `purchasing`): bring the reorder drafts up to today's demand.",
        metadata=requires(PURCHASING),
    )
    async def recompute_reorder_suggestions(
        self, info: Info[ApiContext, Any]
    ) -> RecomputeReorderSuggestionsPayload:
        try:
            ctx = await staff_context(info)
            await recompute_suggestions(ctx=ctx)
        except DomainError as error:
            return RecomputeReorderSuggestionsPayload(errors=user_errors(error))
        drafts = [ReorderDraft.of(view) for view in await open_drafts()]
        return RecomputeReorderSuggestionsPayload(drafts=drafts)

    @strawberry.mutation(
        description="Staff (scope `purchasing`): change a draft's quantities or date.",
        metadata=requires(PURCHASING),
    )
    async def edit_reorder_draft(
        self,
        info: Info[ApiContext, Any],
        input: EditReorderDraftInput,  # noqa: A002
    ) -> ReorderDraftPayload:
        pk = ids.decode("ReorderDraft", input.draft_id) or 0
        try:
            ctx = await staff_context(info)
            check_list_sizes(input)
            lines = [
                DraftEdit(ids.decode("Product", line.product_id) or 0, line.quantity)
                for line in input.lines
            ]
            await edit_draft(pk, input.expected_date, lines, ctx=ctx)
        except DomainError as error:
            return ReorderDraftPayload(errors=user_errors(error))
        found = await open_drafts(pk)
        return ReorderDraftPayload(draft=ReorderDraft.of(found[0]) if found else None)

    @strawberry.mutation(
        description="Staff (scope `purchasing`): the draft becomes a PO emailed to the supplier.",
        metadata=requires(PURCHASING),
    )
    async def send_reorder_draft(
        self,
        info: Info[ApiContext, Any],
        input: ReorderDraftInput,  # noqa: A002
    ) -> PurchaseOrderPayload:
        try:
            ctx = await staff_context(info)
            po_id = await send_draft(ids.decode("ReorderDraft", input.draft_id) or 0, ctx=ctx)
        except DomainError as error:
            return PurchaseOrderPayload(errors=user_errors(error))
        return PurchaseOrderPayload(po_pk=po_id)

    @strawberry.mutation(
        description="Staff (scope `purchasing`): drop a draft (demand may suggest it again).",
        metadata=requires(PURCHASING),
    )
    async def discard_reorder_draft(
        self,
        info: Info[ApiContext, Any],
        input: ReorderDraftInput,  # noqa: A002
    ) -> ReorderDraftPayload:
        try:
            ctx = await staff_context(info)
            await discard_draft(ids.decode("ReorderDraft", input.draft_id) or 0, ctx=ctx)
        except DomainError as error:
            return ReorderDraftPayload(errors=user_errors(error))
        return ReorderDraftPayload()

    @strawberry.mutation(
        description="Staff (scope `purchasing`): email a PO to its supplier with a new private"
        " link (an earlier link stops working).",
        metadata=requires(PURCHASING),
    )
    async def send_purchase_order(
        self,
        info: Info[ApiContext, Any],
        input: SendPurchaseOrderInput,  # noqa: A002
    ) -> PurchaseOrderPayload:
        pk = ids.decode("PurchaseOrder", input.purchase_order_id) or 0
        try:
            ctx = await staff_context(info)
            await send_purchase_order(pk, ctx=ctx)
        except DomainError as error:
            return PurchaseOrderPayload(errors=user_errors(error))
        return PurchaseOrderPayload(po_pk=pk)

    @strawberry.mutation(
        description="Staff (scope `purchasing`): apply or reject a supplier's proposal; a new"
        " date moves the pegged ETAs (rule 8).",
        metadata=requires(PURCHASING),
    )
    async def decide_supplier_proposal(
        self,
        info: Info[ApiContext, Any],
        input: DecideSupplierProposalInput,  # noqa: A002
    ) -> EtaImpactPayload:
        pk = ids.decode("SupplierProposal", input.proposal_id) or 0
        try:
            ctx = await staff_context(info)
            if not input.apply:
                await reject_proposal(pk, ctx=ctx)
                return EtaImpactPayload()
            impact = await apply_proposal(pk, ctx=ctx)
        except DomainError as error:
            return EtaImpactPayload(errors=user_errors(error))
        return EtaImpactPayload.of(impact) if impact else EtaImpactPayload()

    @strawberry.mutation(
        description="A supplier, by the token of its emailed link: confirm each line or"
        " propose another date or quantity."
    )
    async def answer_purchase_order(
        self,
        info: Info[ApiContext, Any],
        input: AnswerPurchaseOrderInput,  # noqa: A002
    ) -> AnswerPurchaseOrderPayload:
        ctx = info.context.customer
        try:
            check_list_sizes(input)
            answers = [
                LineAnswer(
                    ids.decode("PurchaseOrderLine", line.purchase_order_line_id) or 0,
                    confirm=line.confirm,
                    date=line.date,
                    quantity=line.quantity,
                    note=line.note,
                )
                for line in input.lines
            ]
            done = await answer_purchase_order(input.token, answers, ctx=ctx)
            view = await supplier_po(await holder_of(input.token, ctx=ctx))
        except DomainError as error:
            return AnswerPurchaseOrderPayload(errors=user_errors(error, "answerPurchaseOrder"))
        return AnswerPurchaseOrderPayload(
            confirmed=done.confirmed,
            proposed=done.proposed,
            applied=done.applied,
            purchase_order=SupplierPurchaseOrder.of(view),
        )

    @strawberry.mutation(
        description="A supplier, by the token of its emailed link: a dropship parcel was sent"
        " (rule 25). The line ships, the customer is emailed the tracking."
    )
    async def record_dropship_parcel(
        self,
        info: Info[ApiContext, Any],
        input: RecordDropshipParcelInput,  # noqa: A002
    ) -> RecordDropshipParcelPayload:
        ctx = info.context.customer
        try:
            sent = await record_dropship_parcel(
                input.token,
                ids.decode("PurchaseOrderLine", input.purchase_order_line_id) or 0,
                input.carrier,
                input.tracking_number,
                ctx=ctx,
            )
            view = await supplier_po(await holder_of(input.token, ctx=ctx))
        except DomainError as error:
            return RecordDropshipParcelPayload(errors=user_errors(error, "recordDropshipParcel"))
        return RecordDropshipParcelPayload(
            purchase_order=SupplierPurchaseOrder.of(view), replayed=sent.replayed
        )
