"""DOMAIN.md rule 24, from demand to draft purchase orders.

``recompute_suggestions`` reads every supplied product's demand in one statement, applies the
pure rule of ``domain/purchasing/reorder.py`` and keeps one draft per supplier up to date:
lines staff edited keep their quantity (the figures beside them are refreshed), lines whose
suggestion fell to nothing and that nobody edited leave the draft, and a draft left empty is
removed. Staff then edit, send (``domain/supply/sending.py``) or discard a draft.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from domain.catalog.models import Supplier
from domain.context import Context
from domain.db import connection, fetch, with_retries
from domain.errors import Conflict, InvalidInput, NotFound
from domain.promises.remaining import remaining_sql
from domain.purchasing.models import ReorderDraft, ReorderDraftLine
from domain.purchasing.reorder import Demand, suggest

DRAFT = "draft"
SENT = "sent"
DISCARDED = "discarded"

# Units open POs still bring, per product; custom builds are bought per request, not here.
DEMAND_SQL = (
    "SELECT p.id, p.supplier_id, p.waiting_units, p.on_hand, p.safety_stock, p.min_order_qty,"
    " p.pack_size, COALESCE(o.on_order, 0) AS on_order, COALESCE(w.waitlist, 0) AS waitlist"
    " FROM product p LEFT JOIN ("
    f"  SELECT l.product_id, SUM({remaining_sql('l')})"
    "   AS on_order FROM purchase_order_line l"
    "  JOIN purchase_order po ON po.id = l.purchase_order_id"
    "  WHERE po.status = 'open' AND NOT po.dropship GROUP BY l.product_id) o"
    " ON o.product_id = p.id"
    " LEFT JOIN (SELECT product_id, COUNT(*) AS waitlist FROM waitlist_entry"
    "  WHERE status = 'confirmed' GROUP BY product_id) w ON w.product_id = p.id"
    " WHERE p.active = ? AND p.supplier_id IS NOT NULL AND p.mode <> 'custom_build'"
    " AND p.waiting_units + p.safety_stock + COALESCE(w.waitlist, 0)"
    "  > p.on_hand + COALESCE(o.on_order, 0)"
)


@dataclass(frozen=True)
class Recomputed:
    drafts: int
    lines: int


def _demand(row: dict) -> Demand:
    return Demand(
        waiting=int(row["waiting_units"]),
        on_order=int(row["on_order"]),
        on_hand=int(row["on_hand"]),
        safety_stock=int(row["safety_stock"]),
        waitlist=int(row["waitlist"]),
        min_order_qty=int(row["min_order_qty"]),
        pack_size=int(row["pack_size"]),
    )


async def demand_rows(conn: BaseDBAsyncClient | None = None) -> list[dict]:
    """Products whose demand is not covered: one statement for the whole store."""
    return await fetch(conn or connection(), DEMAND_SQL, [True])


async def recompute_suggestions(*, ctx: Context) -> Recomputed:
    """Bring every supplier's draft up to date with today's demand (on demand and daily)."""

    async def work() -> Recomputed:
        async with in_transaction() as conn:
            rows = await demand_rows(conn)
            wanted: dict[int, dict[int, tuple[Demand, int]]] = defaultdict(dict)
            for row in rows:
                demand = _demand(row)
                quantity = suggest(demand).quantity
                if quantity > 0:
                    wanted[int(row["supplier_id"])][int(row["id"])] = (demand, quantity)
            lead = dict(
                await Supplier.all().using_db(conn).values_list("id", "lead_time_days")  # type: ignore[arg-type]
            )
            drafts = {
                d.supplier_id: d
                for d in await ReorderDraft.filter(status=DRAFT).using_db(conn).select_for_update()
            }
            existing: dict[int, dict[int, ReorderDraftLine]] = defaultdict(dict)
            for line in await ReorderDraftLine.filter(
                draft_id__in=[d.id for d in drafts.values()]
            ).using_db(conn):
                existing[line.draft_id][line.product_id] = line
            made = 0
            for supplier_id in sorted(set(wanted) | set(drafts)):
                draft = drafts.get(supplier_id)
                products = wanted.get(supplier_id, {})
                if draft is None:
                    if not products:
                        continue
                    draft = await ReorderDraft.create(
                        supplier_id=supplier_id,
                        status=DRAFT,
                        expected_date=ctx.today + dt.timedelta(days=int(lead[supplier_id])),
                        computed_at=ctx.now,
                        using_db=conn,
                    )
                else:
                    draft.computed_at = ctx.now
                    await draft.save(using_db=conn, update_fields=["computed_at"])
                have = existing.get(draft.id, {})
                new_lines: list[ReorderDraftLine] = []
                for product_id, (demand, quantity) in sorted(products.items()):
                    figures = {
                        "waiting": demand.waiting,
                        "on_order": demand.on_order,
                        "on_hand": demand.on_hand,
                        "safety_stock": demand.safety_stock,
                        "waitlist": demand.waitlist,
                        "min_order_qty": demand.min_order_qty,
                        "pack_size": demand.pack_size,
                        "suggested": quantity,
                    }
                    found = have.get(product_id)
                    if found is None:
                        new_lines.append(
                            ReorderDraftLine(
                                draft_id=draft.id,
                                product_id=product_id,
                                quantity=quantity,
                                **figures,
                            )
                        )
                        continue
                    if not found.edited:
                        figures["quantity"] = quantity
                    await ReorderDraftLine.filter(id=found.id).using_db(conn).update(**figures)
                await ReorderDraftLine.bulk_create(new_lines, using_db=conn)
                gone = [
                    line.id
                    for product_id, line in have.items()
                    if product_id not in products and not line.edited
                ]
                if gone:
                    await ReorderDraftLine.filter(id__in=gone).using_db(conn).delete()
                if not await ReorderDraftLine.filter(draft_id=draft.id).using_db(conn).exists():
                    await draft.delete(using_db=conn)
                    continue
                made += 1
            return Recomputed(made, sum(len(p) for p in wanted.values()))

    return await with_retries(work)


async def _open_draft(conn: BaseDBAsyncClient, draft_id: int) -> ReorderDraft:
    draft = await ReorderDraft.filter(id=draft_id).using_db(conn).select_for_update().first()
    if draft is None:
        raise NotFound("No such draft purchase order.", field="draftId")
    if draft.status != DRAFT:
        raise Conflict(f"This draft was {draft.status} already.", field="draftId")
    return draft


@dataclass(frozen=True)
class DraftEdit:
    product_id: int
    quantity: int  # 0 takes the line off the draft


async def edit_draft(
    draft_id: int, expected_date: dt.date | None, lines: list[DraftEdit], *, ctx: Context
) -> None:
    """Staff change quantities (0 removes a line) and the date to ask the supplier for."""
    if expected_date is not None and expected_date < ctx.today:
        raise InvalidInput("The expected date cannot be in the past.", field="expectedDate")
    if len(lines) > 500:
        raise InvalidInput("Send at most 500 lines.", field="lines")
    for index, edit in enumerate(lines):
        if (
            not isinstance(edit.quantity, int)
            or isinstance(edit.quantity, bool)
            or not 0 <= edit.quantity <= 1_000_000
        ):
            raise InvalidInput(
                "Enter a whole number from 0 to 1000000.", field=f"lines[{index}].quantity"
            )

    async def work() -> None:
        async with in_transaction() as conn:
            draft = await _open_draft(conn, draft_id)
            have = {
                line.product_id: line
                for line in await ReorderDraftLine.filter(draft_id=draft.id).using_db(conn)
            }
            for index, edit in enumerate(lines):
                line = have.get(edit.product_id)
                if line is None:
                    raise NotFound(
                        "This product is not on the draft.", field=f"lines[{index}].productId"
                    )
                if edit.quantity == 0:
                    await line.delete(using_db=conn)
                elif edit.quantity != line.quantity:
                    line.quantity = edit.quantity
                    line.edited = True
                    await line.save(using_db=conn, update_fields=["quantity", "edited"])
            if expected_date is not None:
                draft.expected_date = expected_date
            draft.decided_by = str(ctx.actor)
            await draft.save(using_db=conn, update_fields=["expected_date", "decided_by"])

    await with_retries(work)


async def discard_draft(draft_id: int, *, ctx: Context) -> None:
    async def work() -> None:
        async with in_transaction() as conn:
            draft = await _open_draft(conn, draft_id)
            draft.status = DISCARDED
            draft.decided_by = str(ctx.actor)
            await draft.save(using_db=conn, update_fields=["status", "decided_by"])

    await with_retries(work)
