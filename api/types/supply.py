"""GraphQL types of supply (DOMAIN.md rule 24), built from domain views."""

from __future__ import annotations

import datetime as dt

import strawberry

from api import ids
from domain.supply import reads


@strawberry.type(description="One product of a draft PO, with why its quantity is what it is.")
class ReorderDraftLine:
    product_id: strawberry.ID
    sku: str
    name: str
    suggested: int
    quantity: int = strawberry.field(description="What will be ordered: staff may change it.")
    edited: bool
    why: str

    @staticmethod
    def of(view: reads.DraftLineView) -> ReorderDraftLine:
        return ReorderDraftLine(
            product_id=ids.encode("Product", view.product_id),
            sku=view.sku,
            name=view.name,
            suggested=view.suggested,
            quantity=view.quantity,
            edited=view.edited,
            why=view.why,
        )


@strawberry.type(description="A draft PO suggested for one supplier (rule 24).")
class ReorderDraft:
    id: strawberry.ID
    supplier_id: strawberry.ID
    supplier_name: str
    expected_date: dt.date
    computed_at: dt.datetime
    lines: list[ReorderDraftLine]

    @staticmethod
    def of(view: reads.DraftView) -> ReorderDraft:
        return ReorderDraft(
            id=ids.encode("ReorderDraft", view.id),
            supplier_id=ids.encode("Supplier", view.supplier_id),
            supplier_name=view.supplier_name,
            expected_date=view.expected_date,
            computed_at=view.computed_at,
            lines=[ReorderDraftLine.of(line) for line in view.lines],
        )


@strawberry.type(description="A supplier's change to a PO line, waiting for staff.")
class SupplierProposal:
    id: strawberry.ID
    purchase_order_id: strawberry.ID
    purchase_order_number: str
    supplier_name: str
    sku: str
    expected_date: dt.date
    expected_quantity: int
    proposed_date: dt.date | None
    proposed_quantity: int | None
    note: str

    @staticmethod
    def of(view: reads.ProposalView) -> SupplierProposal:
        return SupplierProposal(
            id=ids.encode("SupplierProposal", view.id),
            purchase_order_id=ids.encode("PurchaseOrder", view.po_id),
            purchase_order_number=view.po_number,
            supplier_name=view.supplier_name,
            sku=view.sku,
            expected_date=view.expected_date,
            expected_quantity=view.expected,
            proposed_date=view.proposed_date,
            proposed_quantity=view.proposed_quantity,
            note=view.note,
        )


@strawberry.type(description="An open PO to follow up: unconfirmed lines, or overdue.")
class PurchaseOrderFollowUp:
    purchase_order_id: strawberry.ID
    number: str
    supplier_name: str
    expected_date: dt.date
    sent_at: dt.datetime | None
    unconfirmed_lines: int
    overdue: bool
    last_reminder_at: dt.datetime | None

    @staticmethod
    def of(view: reads.FollowUpView) -> PurchaseOrderFollowUp:
        return PurchaseOrderFollowUp(
            purchase_order_id=ids.encode("PurchaseOrder", view.po_id),
            number=view.number,
            supplier_name=view.supplier_name,
            expected_date=view.expected_date,
            sent_at=view.sent_at,
            unconfirmed_lines=view.unconfirmed_lines,
            overdue=view.overdue,
            last_reminder_at=view.last_reminder_at,
        )


@strawberry.type(description="A line as its supplier sees it through the PO's private link.")
class SupplierPurchaseOrderLine:
    id: strawberry.ID
    purchase_order_number: str
    sku: str
    name: str
    ordered: int
    expected: int
    expected_date: dt.date
    confirmed_date: dt.date | None
    proposed_date: dt.date | None
    proposed_quantity: int | None
    ship_to: str = strawberry.field(
        default="", description="A dropship line: the customer's name and address."
    )
    cancelled: int = strawberry.field(default=0, description="Units the customer cancelled.")
    carrier: str = strawberry.field(default="", description="A dropship parcel sent: by whom.")
    tracking_number: str = strawberry.field(default="", description="Its tracking number.")


@strawberry.type(description="A PO as its supplier sees it through its private link.")
class SupplierPurchaseOrder:
    number: str
    supplier_name: str
    expected_date: dt.date
    lines: list[SupplierPurchaseOrderLine]
    dropship: bool = strawberry.field(
        default=False,
        description="The supplier ships these lines straight to our customers (rule 25).",
    )

    @staticmethod
    def of(view: reads.SupplierPoView) -> SupplierPurchaseOrder:
        return SupplierPurchaseOrder(
            number=view.number,
            supplier_name=view.supplier_name,
            expected_date=view.expected_date,
            lines=[
                SupplierPurchaseOrderLine(
                    id=ids.encode("PurchaseOrderLine", line.id),
                    purchase_order_number=line.po_number,
                    sku=line.sku,
                    name=line.name,
                    ordered=line.ordered,
                    expected=line.expected,
                    expected_date=line.expected_date,
                    confirmed_date=line.confirmed_date,
                    proposed_date=line.proposed_date,
                    proposed_quantity=line.proposed_quantity,
                    ship_to=line.ship_to,
                    cancelled=line.cancelled,
                    carrier=line.carrier,
                    tracking_number=line.tracking_number,
                )
                for line in view.lines
            ],
            dropship=view.dropship,
        )


@strawberry.type(description="A product's waitlist by status (rule 26).")
class WaitlistCount:
    product_id: strawberry.ID
    sku: str
    name: str
    confirmed: int = strawberry.field(description="Addresses waiting; each counts as demand.")
    pending: int
    told: int
