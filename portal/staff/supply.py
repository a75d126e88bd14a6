"""Reorder drafts (DOMAIN.md rule 24): the suggestions with why each quantity is what it is,
edit, send or discard; supplier proposals waiting for approval (with the exact preview of a
new date); the POs to follow up, with the last reminder; sending a PO to its supplier."""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.errors import DomainError
from domain.supply.answers import apply_proposal, reject_proposal
from domain.supply.date_changes import preview_expected_date
from domain.supply.reads import follow_ups, open_drafts, pending_proposals
from domain.supply.sending import send_draft, send_purchase_order
from domain.supply.suggestions import (
    DraftEdit,
    discard_draft,
    edit_draft,
    recompute_suggestions,
)
from domain.supply.waitlist import waitlist_overview
from portal.staff.desk import desk_of, found
from portal.staff.forms import date_field, number_field
from portal.web import field_errors, text

DONE = {
    "recomputed": "Suggestions recomputed from today's demand.",
    "saved": "Draft saved.",
    "discarded": "Draft discarded.",
    "applied": "The supplier's change was applied.",
    "rejected": "The supplier's proposal was rejected.",
}


async def page(
    request: Request, *, errors: dict[str, Any] | None = None, status: int = 200
) -> Response:
    desk = desk_of(request)
    ctx = desk.context(request)
    return desk.page(
        request,
        "reorder.html",
        {
            "drafts": await open_drafts(),
            "proposals": await pending_proposals(),
            "follow_ups": await follow_ups(ctx),
            "waitlists": await waitlist_overview(),
            "errors": errors or {},
            "done": DONE.get(request.query_params.get("done", ""), ""),
        },
        status=status,
    )


async def listing(request: Request) -> Response:
    return await page(request)


async def recompute(request: Request) -> Response:
    desk = desk_of(request)
    await desk.form(request)
    await recompute_suggestions(ctx=desk.context(request))
    return desk.redirect(request, "staff:reorder", "done=recomputed")


async def edit(request: Request) -> Response:
    desk = desk_of(request)
    form = await desk.form(request)
    draft_id = desk.path_int(request, "draft_id")
    draft = found(next(iter(await open_drafts(draft_id)), None))
    try:
        lines = [
            DraftEdit(
                line.product_id,
                number_field(
                    form,
                    f"quantity_{line.product_id}",
                    field=f"lines[{index}].quantity",
                    maximum=1_000_000,
                ),
            )
            for index, line in enumerate(draft.lines)
        ]
        expected = date_field(form, "expected_date", field="expectedDate")
        await edit_draft(draft_id, expected, lines, ctx=desk.context(request))
        if text(form, "action") == "send":
            po_id = await send_draft(draft_id, ctx=desk.context(request))
            return desk.redirect(request, "staff:purchase-order", "done=sent", po_id=po_id)
    except DomainError as error:
        return await page(request, errors=field_errors(error), status=400)
    return desk.redirect(request, "staff:reorder", "done=saved")


async def discard(request: Request) -> Response:
    desk = desk_of(request)
    await desk.form(request)
    try:
        await discard_draft(desk.path_int(request, "draft_id"), ctx=desk.context(request))
    except DomainError as error:
        return await page(request, errors=field_errors(error), status=400)
    return desk.redirect(request, "staff:reorder", "done=discarded")


async def preview(request: Request) -> Response:
    desk = desk_of(request)
    await desk.form(request)
    proposal_id = desk.path_int(request, "proposal_id")
    proposal = found({p.id: p for p in await pending_proposals()}.get(proposal_id))
    impact = None
    try:
        if proposal.proposed_date and proposal.proposed_date != proposal.expected_date:
            impact = await preview_expected_date(
                proposal.po_id,
                proposal.proposed_date,
                proposal.note or "the supplier proposed another date",
                ctx=desk.context(request),
            )
    except DomainError as error:
        return await page(request, errors=field_errors(error), status=400)
    return desk.page(
        request,
        "proposal_preview.html",
        {"proposal": proposal, "impact": impact},
    )


async def decide(request: Request) -> Response:
    desk = desk_of(request)
    await desk.form(request)
    proposal_id = desk.path_int(request, "proposal_id")
    if request.path_params["decision"] not in ("apply", "reject"):
        raise HTTPException(404)
    applying = request.path_params["decision"] == "apply"
    try:
        if applying:
            await apply_proposal(proposal_id, ctx=desk.context(request))
        else:
            await reject_proposal(proposal_id, ctx=desk.context(request))
    except DomainError as error:
        return await page(request, errors=field_errors(error), status=400)
    return desk.redirect(request, "staff:reorder", "done=applied" if applying else "done=rejected")


async def send_po(request: Request) -> Response:
    desk = desk_of(request)
    await desk.form(request)
    po_id = desk.path_int(request, "po_id")
    try:
        await send_purchase_order(po_id, ctx=desk.context(request))
    except DomainError as error:
        return await page(request, errors=field_errors(error), status=400)
    return desk.redirect(request, "staff:purchase-order", "done=sent", po_id=po_id)


ROUTES = [
    Route("/reorder", listing, name="reorder"),
    Route("/reorder/recompute", recompute, methods=["POST"], name="reorder-recompute"),
    Route("/reorder/{draft_id:int}", edit, methods=["POST"], name="reorder-edit"),
    Route("/reorder/{draft_id:int}/discard", discard, methods=["POST"], name="reorder-discard"),
    Route(
        "/proposals/{proposal_id:int}/preview",
        preview,
        methods=["POST"],
        name="proposal-preview",
    ),
    Route(
        "/proposals/{proposal_id:int}/{decision:str}",
        decide,
        methods=["POST"],
        name="proposal-decide",
    ),
    Route("/purchase-orders/{po_id:int}/send", send_po, methods=["POST"], name="po-send"),
]
