"""Who did what to an order or a purchase order, where no other record says so.

ETA changes, receipts, date revisions and shipments carry their actor on their own rows. A
cancellation or a priority change moves ETAs only when someone waits behind it, and an ETA
event that moved nothing is not kept; so these record themselves here, always.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from domain.ordering.models import Order
    from domain.purchasing.models import PurchaseOrder


class AuditAction(StrEnum):
    ORDER_LINES_CANCELLED = "order_lines_cancelled"
    PRIORITY_CHANGED = "priority_changed"
    PO_LINE_CANCELLED = "po_line_cancelled"
    PO_SENT = "po_sent"  # emailed to the supplier with its link (rule 24)
    SUPPLIER_ANSWERED = "supplier_answered"  # confirmations and proposals through the link
    PROPOSAL_DECIDED = "proposal_decided"  # staff applied or rejected a supplier's proposal
    SUPPLIER_REMINDED = "supplier_reminded"


class AuditEntry(Model):
    id = fields.IntField(primary_key=True)
    action = fields.CharEnumField(AuditAction, max_length=32)
    order: fields.ForeignKeyNullableRelation[Order] = fields.ForeignKeyField(
        "models.Order",
        related_name="audit_entries",
        db_index=True,
        null=True,
        on_delete=fields.CASCADE,
    )
    order_id: int | None
    purchase_order: fields.ForeignKeyNullableRelation[PurchaseOrder] = fields.ForeignKeyField(
        "models.PurchaseOrder",
        related_name="audit_entries",
        db_index=True,
        null=True,
        on_delete=fields.CASCADE,
    )
    purchase_order_id: int | None
    detail = fields.CharField(max_length=500)
    actor = fields.CharField(max_length=200)
    created_at = fields.DatetimeField()

    class Meta:
        table = "audit_entry"
