"""A supplier answers a purchase order through its private link (DOMAIN.md rule 24).

Each line is confirmed (its confirmed date is the PO's expected date: the date rule 21 measures
slips against) or given a proposal: another date, a smaller quantity, or both. A PO carries
one expected date, so a line proposed for another date while other lines stay is first split
off into a PO of its own (same supplier, same date: no ETA moves), and the new date then goes
through ``revise_expected_date`` on that PO alone: rule 8, its history, emails and delay
notices, and for staff the exact preview of ``domain/supply/date_changes.py``. By the store
setting (``Policy.supplier_changes_need_approval``) a proposal applies at once or waits for
staff. Everything done through the link is acted and audited as ``supplier:<id>``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from tortoise.transactions import in_transaction

from domain.audit.models import AuditAction
from domain.audit.record import record
from domain.catalog.models import Supplier
from domain.context import Actor, Context
from domain.customers.links import new_number
from domain.db import with_retries
from domain.errors import Conflict, DomainError, InvalidInput, NotFound, PermissionDenied
from domain.ordering.queue import Recomputed
from domain.purchasing.models import PurchaseOrder, PurchaseOrderLine, SupplierProposal
from domain.supply.link import read_token, signed_by_us
from domain.supply.purchase_orders import cancel_units, line_for_update, revise_expected_date
from domain.validation import clean_text
from domain.vocabulary import PurchaseOrderStatus

PENDING = "pending"
APPLIED = "applied"
REJECTED = "rejected"
MAX_LINES = 200


class LinkRefused(PermissionDenied):
    """A supplier link that was tampered with, has expired, or was replaced (403)."""


@dataclass(frozen=True)
class Holder:
    """Who holds a valid link: the PO it opens and the supplier acting through it."""

    po_id: int
    supplier_id: int
    number: str

    def context(self, ctx: Context) -> Context:
        return dataclasses.replace(ctx, actor=Actor("supplier", str(self.supplier_id)))


async def holder_of(token: str, *, ctx: Context) -> Holder:
    """The PO a token opens. Not shaped like a link: NotFound; a bad signature, a replaced or
    expired link: LinkRefused. Nothing about the PO is told before the signature holds."""
    claim = read_token(token)
    if claim is None:
        raise NotFound("No such link.", field="token")
    po = await PurchaseOrder.filter(id=claim.po_id).first()
    if po is None or not signed_by_us(ctx.policy.secret_key, claim, po.link_salt):
        raise LinkRefused("This link is not valid.", field="token")
    if po.link_expires != claim.expires or claim.expires < ctx.today:
        raise LinkRefused(
            "This link has expired. Ask us for a new one by replying to our email.",
            field="token",
        )
    return Holder(po.id, po.supplier_id, po.number)


@dataclass(frozen=True)
class LineAnswer:
    po_line_id: int
    confirm: bool
    date: dt.date | None = None
    quantity: int | None = None
    note: str = ""


def _checked_note(value: str, field: str) -> str:
    note = clean_text(value, field=field, max_length=300, required=False)
    if "<" in note or ">" in note:
        raise InvalidInput("Write plain text: '<' and '>' are not accepted.", field=field)
    return note


async def family_lines(po_id: int) -> list[PurchaseOrderLine]:
    """The lines of the PO and of the POs split off from it, still expected."""
    ids = [po_id, *await PurchaseOrder.filter(split_from_id=po_id).values_list("id", flat=True)]
    return await PurchaseOrderLine.filter(purchase_order_id__in=ids).order_by("id")


@dataclass(frozen=True)
class Answered:
    confirmed: int
    proposed: int
    applied: int


async def answer_purchase_order(token: str, answers: list[LineAnswer], *, ctx: Context) -> Answered:
    holder = await holder_of(token, ctx=ctx)
    acting = holder.context(ctx)
    if not answers:
        raise InvalidInput("Answer at least one line.", field="lines")
    if len(answers) > MAX_LINES:
        raise InvalidInput(f"Answer at most {MAX_LINES} lines.", field="lines")
    if await PurchaseOrder.filter(id=holder.po_id, dropship=True).exists():
        raise Conflict(
            "This purchase order's parcels go straight to our customers: record each parcel"
            " you sent with its carrier and tracking number.",
            field="lines",
        )
    lines = {line.id: line for line in await family_lines(holder.po_id)}
    notes: list[str] = []
    seen: set[int] = set()
    for index, answer in enumerate(answers):
        prefix = f"lines[{index}]"
        line = lines.get(answer.po_line_id)
        if line is None or answer.po_line_id in seen:
            raise NotFound("This line is not on the purchase order.", field=f"{prefix}.lineId")
        seen.add(line.id)
        left = line.remaining
        if left <= 0:
            raise Conflict("Nothing is expected on this line any more.", field=f"{prefix}.lineId")
        notes.append(_checked_note(answer.note, f"{prefix}.note"))
        if answer.confirm:
            continue
        if answer.date is None and answer.quantity is None:
            raise InvalidInput(
                "Give another date or quantity, or confirm the line.", field=f"{prefix}.date"
            )
        if answer.date is not None and answer.date < ctx.today:
            raise InvalidInput("The date cannot be in the past.", field=f"{prefix}.date")
        if answer.quantity is not None and not 1 <= answer.quantity <= left:
            raise InvalidInput(
                f"Enter a quantity from 1 to {left} (what is still on order).",
                field=f"{prefix}.quantity",
            )

    async def work() -> list[int]:
        async with in_transaction() as conn:
            made: list[int] = []
            for answer, note in zip(answers, notes, strict=True):
                line = lines[answer.po_line_id]
                po = await PurchaseOrder.get(id=line.purchase_order_id, using_db=conn)
                if answer.confirm:
                    await (
                        PurchaseOrderLine.filter(id=line.id)
                        .using_db(conn)
                        .update(confirmed_date=po.expected_date, confirmed_at=ctx.now)
                    )
                    continue
                await (
                    SupplierProposal.filter(po_line_id=line.id, status=PENDING)
                    .using_db(conn)
                    .update(status=REJECTED, decided_by=str(acting.actor), decided_at=ctx.now)
                )
                if answer.date is not None and answer.date != po.expected_date:
                    await _split_off(conn, po, line, acting)
                proposal = await SupplierProposal.create(
                    po_line_id=line.id,
                    proposed_date=answer.date,
                    proposed_quantity=answer.quantity,
                    note=note,
                    status=PENDING,
                    actor=str(acting.actor),
                    created_at=ctx.now,
                    using_db=conn,
                )
                made.append(proposal.id)
            confirmed = sum(1 for a in answers if a.confirm)
            await record(
                conn,
                acting,
                AuditAction.SUPPLIER_ANSWERED,
                f"{holder.number}: {confirmed} lines confirmed, {len(made)} changes proposed",
                purchase_order_id=holder.po_id,
            )
            return made

    proposals = await with_retries(work)
    applied = 0
    if not ctx.policy.supplier_changes_need_approval:
        for proposal_id in proposals:
            await apply_proposal(proposal_id, ctx=acting)
            applied += 1
    return Answered(len(answers) - len(proposals), len(proposals), applied)


async def _split_off(conn, po: PurchaseOrder, line: PurchaseOrderLine, ctx: Context) -> None:  # type: ignore[no-untyped-def]
    """The line alone on a PO of its own (same supplier and date), unless it is alone already."""
    others = (
        await PurchaseOrderLine.filter(purchase_order_id=po.id)
        .exclude(id=line.id)
        .using_db(conn)
        .count()
    )
    if others == 0:
        return
    part = await PurchaseOrder.create(
        number=new_number("PO"),
        supplier_id=po.supplier_id,
        expected_date=po.expected_date,
        status=PurchaseOrderStatus.OPEN,
        created_by=str(ctx.actor),
        sent_at=po.sent_at,
        split_from_id=po.split_from_id or po.id,
        using_db=conn,
    )
    await PurchaseOrderLine.filter(id=line.id).using_db(conn).update(purchase_order_id=part.id)
    line.purchase_order_id = part.id
    await record(
        conn,
        ctx,
        AuditAction.SUPPLIER_ANSWERED,
        f"a line of {po.number} split off as {part.number} for another date",
        purchase_order_id=po.id,
    )


async def _pending(proposal_id: int) -> tuple[SupplierProposal, PurchaseOrderLine]:
    proposal = await SupplierProposal.filter(id=proposal_id).first()
    if proposal is None:
        raise NotFound("No such proposal.", field="proposalId")
    if proposal.status != PENDING:
        raise Conflict(f"This proposal was {proposal.status} already.", field="proposalId")
    line = await PurchaseOrderLine.get(id=proposal.po_line_id)
    return proposal, line


async def apply_proposal(proposal_id: int, *, ctx: Context) -> Recomputed | None:
    """The supplier's change takes effect: fewer units (the rest cancelled), a new date."""
    proposal, line = await _pending(proposal_id)
    claimed = await SupplierProposal.filter(id=proposal.id, status=PENDING).update(
        status=APPLIED, decided_by=str(ctx.actor), decided_at=ctx.now
    )
    if not claimed:
        raise Conflict("This proposal was decided already.", field="proposalId")
    try:
        return await _apply(proposal, line, ctx)
    except DomainError:
        await SupplierProposal.filter(id=proposal.id).update(
            status=PENDING, decided_by="", decided_at=None
        )
        raise


async def _apply(
    proposal: SupplierProposal, line: PurchaseOrderLine, ctx: Context
) -> Recomputed | None:
    moved: Recomputed | None = None
    if proposal.proposed_quantity is not None:
        moved = await _reduce(line.id, proposal.proposed_quantity, proposal.note, ctx)
    if proposal.proposed_date is not None:
        po = await PurchaseOrder.get(id=line.purchase_order_id)
        why = proposal.note or "the supplier proposed another date"
        if po.expected_date != proposal.proposed_date and po.status == PurchaseOrderStatus.OPEN:
            moved = await revise_expected_date(po.id, proposal.proposed_date, why, ctx=ctx)
        await PurchaseOrderLine.filter(id=line.id).update(
            confirmed_date=proposal.proposed_date, confirmed_at=ctx.now
        )
    return moved


async def reject_proposal(proposal_id: int, *, ctx: Context) -> None:
    proposal, _ = await _pending(proposal_id)
    await SupplierProposal.filter(id=proposal.id, status=PENDING).update(
        status=REJECTED, decided_by=str(ctx.actor), decided_at=ctx.now
    )


async def _reduce(line_id: int, keep: int, note: str, ctx: Context) -> Recomputed:
    """The supplier delivers only ``keep`` of what is still on order: the rest is cancelled."""

    async def work() -> Recomputed:
        async with in_transaction() as conn:
            line = await line_for_update(conn, line_id, field="proposalId")
            left = line.remaining
            drop = left - keep
            if drop <= 0:
                return Recomputed(None, 0, 0, 0, 0)
            why = note or "the supplier can deliver fewer units"
            detail = f"{line.purchase_order.number}: {drop} units fewer from the supplier: {why}"
            return await cancel_units(conn, line, drop, why, detail, ctx=ctx)

    return await with_retries(work)


async def supplier_name(supplier_id: int) -> str:
    supplier = await Supplier.filter(id=supplier_id).first()
    return supplier.name if supplier else ""
