"""Sending a purchase order to its supplier (DOMAIN.md rule 24).

A draft becomes a real PO through ``create_purchase_order`` (keyed on the draft, so a retry
finds the same PO), then the PO is marked sent in one transaction with a fresh link salt, the
link's last day, the outbox row of the email and an audit entry. Sending a PO again rotates
the salt: the earlier link stops working.
"""

from __future__ import annotations

import datetime as dt
import secrets

from tortoise.transactions import in_transaction

from domain.audit.models import AuditAction
from domain.audit.record import record
from domain.catalog.models import Supplier
from domain.context import Context
from domain.db import with_retries
from domain.errors import Conflict, InvalidInput, NotFound
from domain.outbox.enqueue import enqueue
from domain.portal_urls import supplier_po_url
from domain.purchasing.models import (
    PurchaseOrder,
    PurchaseOrderLine,
    ReorderDraft,
    ReorderDraftLine,
)
from domain.supply.link import supplier_token
from domain.supply.purchase_orders import PoLineRequest, create_purchase_order
from domain.supply.suggestions import DRAFT, SENT
from domain.validation import clean_email
from domain.vocabulary import OutboxKind, PurchaseOrderStatus


async def _supplier_address(supplier_id: int) -> str:
    supplier = await Supplier.filter(id=supplier_id).first()
    if supplier is None:
        raise NotFound("No such supplier.", field="supplierId")
    try:
        return clean_email(supplier.email, field="supplierEmail")
    except InvalidInput:
        raise Conflict(
            f"Supplier {supplier.name} has no valid email address; add one first.",
            field="supplierEmail",
        ) from None


async def send_draft(draft_id: int, *, ctx: Context) -> int:
    """The draft becomes a purchase order, emailed to the supplier. The PO's id."""
    draft = await ReorderDraft.filter(id=draft_id).first()
    if draft is None:
        raise NotFound("No such draft purchase order.", field="draftId")
    if draft.status == SENT and draft.purchase_order_id is not None:
        return draft.purchase_order_id  # sent already: a double click
    if draft.status != DRAFT:
        raise Conflict(f"This draft was {draft.status} already.", field="draftId")
    await _supplier_address(draft.supplier_id)
    rows = (
        await ReorderDraftLine.filter(draft_id=draft.id)
        .order_by("id")
        .values("product__sku", "quantity")
    )
    lines = [PoLineRequest(row["product__sku"], row["quantity"]) for row in rows]
    if not lines:
        raise InvalidInput("The draft has no lines left.", field="lines")
    expected = max(draft.expected_date, ctx.today)
    po = await create_purchase_order(
        draft.supplier_id, expected, lines, ctx=ctx, key=f"reorder-draft:{draft.id}"
    )
    claimed = await ReorderDraft.filter(id=draft.id, status=DRAFT).update(
        status=SENT, purchase_order_id=po.id, decided_by=str(ctx.actor)
    )
    if claimed:
        await send_purchase_order(po.id, ctx=ctx)
    return po.id


async def send_purchase_order(po_id: int, *, ctx: Context) -> str:
    """Email the PO to its supplier with a new private link; the link (for the page)."""

    async def work() -> str:
        async with in_transaction() as conn:
            po = await PurchaseOrder.filter(id=po_id).using_db(conn).select_for_update().first()
            if po is None:
                raise NotFound("No such purchase order.", field="purchaseOrderId")
            if po.status != PurchaseOrderStatus.OPEN:
                raise Conflict("Only an open purchase order is sent.", field="purchaseOrderId")
            address = await _supplier_address(po.supplier_id)
            if not await PurchaseOrderLine.filter(purchase_order_id=po.id).using_db(conn).exists():
                raise InvalidInput("The purchase order has no lines.", field="purchaseOrderId")
            po.link_salt = secrets.token_hex(16)
            po.link_expires = link_expiry(po.expected_date, ctx)
            po.sent_at = ctx.now
            await po.save(using_db=conn, update_fields=["link_salt", "link_expires", "sent_at"])
            await enqueue(
                conn,
                ctx,
                OutboxKind.PURCHASE_ORDER_SENT,
                address,
                payload={"purchase_order_id": po.id},
            )
            await record(
                conn,
                ctx,
                AuditAction.PO_SENT,
                f"{po.number} emailed to {address}",
                purchase_order_id=po.id,
            )
            return supplier_link(ctx, po.id, po.link_expires, po.link_salt)

    return await with_retries(work)


def link_expiry(expected: dt.date, ctx: Context) -> dt.date:
    return max(expected, ctx.today) + dt.timedelta(days=ctx.policy.supplier_link_days)


def supplier_link(ctx: Context, po_id: int, expires: dt.date, salt: str) -> str:
    token = supplier_token(ctx.policy.secret_key, po_id, expires, salt)
    return supplier_po_url(ctx.policy.base_url, token)
