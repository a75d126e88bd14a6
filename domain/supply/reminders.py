"""Following up suppliers (DOMAIN.md rules 11 and 24), a daily clock job.

A sent PO with lines the supplier has not confirmed after ``supplier_reminder_days`` days, or
a confirmed line whose date passed without the goods (overdue), gets a reminder email; never
twice within ``supplier_reminder_days`` of the last one. The last reminder is kept on the PO
and claimed by a guarded update, so a restarted or second clock never repeats one.
"""

from __future__ import annotations

import datetime as dt

from tortoise.transactions import in_transaction

from domain.audit.models import AuditAction
from domain.audit.record import record
from domain.catalog.models import Supplier
from domain.context import Context
from domain.db import with_retries
from domain.errors import InvalidInput
from domain.outbox.enqueue import enqueue
from domain.promises.remaining import remaining_of
from domain.purchasing.models import PurchaseOrder, PurchaseOrderLine
from domain.validation import clean_email
from domain.vocabulary import OutboxKind, PurchaseOrderStatus


def why_remind(
    *,
    today: dt.date,
    sent_on: dt.date,
    unconfirmed: int,
    overdue_confirmed: int,
    last_reminded_on: dt.date | None,
    every_days: int,
) -> str:
    """Pure: ``overdue``, ``unconfirmed`` or "" (no reminder today)."""
    if last_reminded_on is not None and (today - last_reminded_on).days < every_days:
        return ""
    if overdue_confirmed:
        return "overdue"
    if unconfirmed and (today - sent_on).days >= every_days:
        return "unconfirmed"
    return ""


async def remind_suppliers(*, ctx: Context) -> dict[str, int]:
    every = ctx.policy.supplier_reminder_days
    counts = {"unconfirmed": 0, "overdue": 0}
    # A dropship PO (rule 25) asks for parcels, not confirmations: no reminder.
    pos = await PurchaseOrder.filter(
        status=PurchaseOrderStatus.OPEN, sent_at__isnull=False, dropship=False
    ).values("id", "number", "supplier_id", "sent_at", "last_reminder_at", "split_from_id")
    emails = dict(await Supplier.all().values_list("id", "email"))  # type: ignore[arg-type]
    for po in pos:
        lines = await PurchaseOrderLine.filter(purchase_order_id=po["id"]).values(
            "quantity", "quantity_received", "quantity_cancelled", "confirmed_date"
        )
        open_lines = [ln for ln in lines if remaining_of(ln)]
        last = po["last_reminder_at"]
        why = why_remind(
            today=ctx.today,
            sent_on=po["sent_at"].astimezone(ctx.policy.zone).date(),
            unconfirmed=sum(1 for ln in open_lines if ln["confirmed_date"] is None),
            overdue_confirmed=sum(
                1 for ln in open_lines if ln["confirmed_date"] and ln["confirmed_date"] < ctx.today
            ),
            last_reminded_on=last.astimezone(ctx.policy.zone).date() if last else None,
            every_days=every,
        )
        if not why:
            continue
        try:
            address = clean_email(emails.get(po["supplier_id"], ""))
        except InvalidInput:
            continue
        root = po["split_from_id"] or po["id"]

        async def work(
            po: dict = po, why: str = why, address: str = address, root: int = root
        ) -> int:
            async with in_transaction() as conn:
                unchanged = (
                    {"last_reminder_at": po["last_reminder_at"]}
                    if po["last_reminder_at"]
                    else {"last_reminder_at__isnull": True}
                )
                claimed = (
                    await PurchaseOrder.filter(id=po["id"], **unchanged)
                    .using_db(conn)
                    .update(last_reminder_at=ctx.now)
                )
                if not claimed:
                    return 0
                await enqueue(
                    conn,
                    ctx,
                    OutboxKind.SUPPLIER_REMINDER,
                    address,
                    payload={"purchase_order_id": root, "reminder": why},
                )
                await record(
                    conn,
                    ctx,
                    AuditAction.SUPPLIER_REMINDED,
                    f"{po['number']}: {why} reminder to {address}",
                    purchase_order_id=po["id"],
                )
                return 1

        counts[why] += await with_retries(work)
    return counts
