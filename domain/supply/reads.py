"""Read models of supply for both doors: drafts with their reasons, a supplier's PO, the
proposals waiting for staff, and the POs to follow up."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from domain.catalog.models import Product, Supplier
from domain.context import Context
from domain.promises.remaining import remaining_of
from domain.purchasing.models import (
    PurchaseOrder,
    PurchaseOrderLine,
    ReorderDraft,
    ReorderDraftLine,
    SupplierProposal,
)
from domain.purchasing.reorder import Demand, suggest
from domain.shipping.models import Shipment
from domain.supply.answers import PENDING, Holder
from domain.supply.suggestions import DRAFT
from domain.vocabulary import PurchaseOrderStatus


@dataclass(frozen=True)
class DraftLineView:
    product_id: int
    sku: str
    name: str
    quantity: int
    suggested: int
    edited: bool
    why: str


@dataclass(frozen=True)
class DraftView:
    id: int
    supplier_id: int
    supplier_name: str
    supplier_email: str
    expected_date: dt.date
    computed_at: dt.datetime
    lines: tuple[DraftLineView, ...]


async def open_drafts(draft_id: int | None = None) -> list[DraftView]:
    query = ReorderDraft.filter(status=DRAFT)
    if draft_id is not None:
        query = query.filter(id=draft_id)
    drafts = await query.order_by("id").values(
        "id", "supplier_id", "supplier__name", "supplier__email", "expected_date", "computed_at"
    )
    lines: dict[int, list[DraftLineView]] = defaultdict(list)
    for row in (
        await ReorderDraftLine.filter(draft_id__in=[d["id"] for d in drafts])
        .order_by("product__sku")
        .values(
            "draft_id",
            "product_id",
            "product__sku",
            "product__name",
            "quantity",
            "suggested",
            "edited",
            "waiting",
            "on_order",
            "on_hand",
            "safety_stock",
            "waitlist",
            "min_order_qty",
            "pack_size",
        )
    ):
        demand = Demand(
            waiting=row["waiting"],
            on_order=row["on_order"],
            on_hand=row["on_hand"],
            safety_stock=row["safety_stock"],
            waitlist=row["waitlist"],
            min_order_qty=row["min_order_qty"],
            pack_size=row["pack_size"],
        )
        why = suggest(demand).why
        if row["edited"]:
            why += f"; staff chose {row['quantity']}"
        lines[row["draft_id"]].append(
            DraftLineView(
                row["product_id"],
                row["product__sku"],
                row["product__name"],
                row["quantity"],
                row["suggested"],
                bool(row["edited"]),
                why,
            )
        )
    return [
        DraftView(
            d["id"],
            d["supplier_id"],
            d["supplier__name"],
            d["supplier__email"],
            d["expected_date"],
            d["computed_at"],
            tuple(lines[d["id"]]),
        )
        for d in drafts
    ]


@dataclass(frozen=True)
class SupplierLineView:
    id: int
    po_number: str
    sku: str
    name: str
    ordered: int
    expected: int  # still to come
    expected_date: dt.date
    confirmed_date: dt.date | None
    proposed_date: dt.date | None
    proposed_quantity: int | None
    # A dropship line (rule 25): where the parcel goes, and once sent, its carrier and tracking.
    ship_to: str = ""
    cancelled: int = 0
    carrier: str = ""
    tracking_number: str = ""

    @property
    def sent(self) -> bool:
        return bool(self.tracking_number)


@dataclass(frozen=True)
class SupplierPoView:
    number: str
    supplier_name: str
    expected_date: dt.date
    lines: tuple[SupplierLineView, ...]
    dropship: bool = False


async def supplier_po(holder: Holder) -> SupplierPoView:
    """What the link shows: this PO and the parts split off it, nothing else."""
    pos = {
        po.id: po
        for po in [
            *await PurchaseOrder.filter(id=holder.po_id),
            *await PurchaseOrder.filter(split_from_id=holder.po_id),
        ]
    }
    rows = (
        await PurchaseOrderLine.filter(purchase_order_id__in=list(pos))
        .order_by("id")
        .values(
            "id",
            "purchase_order_id",
            "product__sku",
            "product__name",
            "quantity",
            "quantity_received",
            "quantity_cancelled",
            "confirmed_date",
            "ship_to",
            "shipment_id",
        )
    )
    parcels = {
        s["id"]: s
        for s in await Shipment.filter(
            id__in=[r["shipment_id"] for r in rows if r["shipment_id"]]
        ).values("id", "carrier", "tracking_number")
    }
    pending = {
        p["po_line_id"]: p
        for p in await SupplierProposal.filter(
            po_line_id__in=[r["id"] for r in rows], status=PENDING
        ).values("po_line_id", "proposed_date", "proposed_quantity")
    }
    supplier = await Supplier.get(id=holder.supplier_id)
    root = pos[holder.po_id]
    return SupplierPoView(
        root.number,
        supplier.name,
        root.expected_date,
        tuple(
            SupplierLineView(
                r["id"],
                pos[r["purchase_order_id"]].number,
                r["product__sku"],
                r["product__name"],
                r["quantity"],
                remaining_of(r),
                pos[r["purchase_order_id"]].expected_date,
                r["confirmed_date"],
                pending.get(r["id"], {}).get("proposed_date"),
                pending.get(r["id"], {}).get("proposed_quantity"),
                r["ship_to"],
                r["quantity_cancelled"],
                parcels.get(r["shipment_id"], {}).get("carrier", ""),
                parcels.get(r["shipment_id"], {}).get("tracking_number", ""),
            )
            for r in rows
        ),
        root.dropship,
    )


@dataclass(frozen=True)
class ProposalView:
    id: int
    po_id: int
    po_number: str
    supplier_name: str
    sku: str
    expected_date: dt.date
    proposed_date: dt.date | None
    proposed_quantity: int | None
    expected: int
    note: str
    created_at: dt.datetime


async def pending_proposals() -> list[ProposalView]:
    rows = (
        await SupplierProposal.filter(status=PENDING)
        .order_by("id")
        .values(
            "id",
            "proposed_date",
            "proposed_quantity",
            "note",
            "created_at",
            "po_line__purchase_order_id",
            "po_line__purchase_order__number",
            "po_line__purchase_order__expected_date",
            "po_line__purchase_order__supplier__name",
            "po_line__product__sku",
            "po_line__quantity",
            "po_line__quantity_received",
            "po_line__quantity_cancelled",
        )
    )
    return [
        ProposalView(
            r["id"],
            r["po_line__purchase_order_id"],
            r["po_line__purchase_order__number"],
            r["po_line__purchase_order__supplier__name"],
            r["po_line__product__sku"],
            r["po_line__purchase_order__expected_date"],
            r["proposed_date"],
            r["proposed_quantity"],
            remaining_of(r, "po_line__"),
            r["note"],
            r["created_at"],
        )
        for r in rows
    ]


@dataclass(frozen=True)
class FollowUpView:
    po_id: int
    number: str
    supplier_name: str
    expected_date: dt.date
    sent_at: dt.datetime | None
    unconfirmed_lines: int
    overdue: bool
    last_reminder_at: dt.datetime | None


async def follow_ups(ctx: Context) -> list[FollowUpView]:
    """Open POs sent but not wholly confirmed, and open POs past their date: overdue first."""
    pos = await PurchaseOrder.filter(status=PurchaseOrderStatus.OPEN).values(
        "id", "number", "supplier__name", "expected_date", "sent_at", "last_reminder_at"
    )
    unconfirmed: dict[int, int] = defaultdict(int)
    for line in await PurchaseOrderLine.filter(
        purchase_order_id__in=[p["id"] for p in pos], confirmed_date__isnull=True
    ).values("purchase_order_id", "quantity", "quantity_received", "quantity_cancelled"):
        if remaining_of(line) > 0:
            unconfirmed[line["purchase_order_id"]] += 1
    found = [
        FollowUpView(
            p["id"],
            p["number"],
            p["supplier__name"],
            p["expected_date"],
            p["sent_at"],
            unconfirmed[p["id"]] if p["sent_at"] else 0,
            p["expected_date"] < ctx.today,
            p["last_reminder_at"],
        )
        for p in pos
        if p["expected_date"] < ctx.today or (p["sent_at"] and unconfirmed[p["id"]])
    ]
    return sorted(found, key=lambda f: (not f.overdue, f.expected_date, f.po_id))


async def product_supply(product_ids: list[int]) -> dict[int, dict]:
    """Each product's supply fields, for the staff pages."""
    return {
        row["id"]: row
        for row in await Product.filter(id__in=product_ids).values(
            "id", "min_order_qty", "pack_size", "safety_stock", "dropship"
        )
    }
