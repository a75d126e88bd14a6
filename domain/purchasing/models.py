"""Purchase orders, their lines and the receipts against them."""

from tortoise import fields
from tortoise.models import Model

from domain.promises.remaining import remaining
from domain.vocabulary import PurchaseOrderStatus


class PurchaseOrder(Model):
    id = fields.IntField(primary_key=True)
    number = fields.CharField(max_length=32, unique=True)
    supplier: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Supplier", related_name="purchase_orders", db_index=True, on_delete=fields.RESTRICT
    )
    supplier_id: int
    expected_date = fields.DateField()
    status = fields.CharEnumField(
        PurchaseOrderStatus, max_length=16, default=PurchaseOrderStatus.OPEN
    )
    idempotency_key = fields.CharField(max_length=100, null=True, unique=True)
    created_by = fields.CharField(max_length=200)
    created_at = fields.DatetimeField(auto_now_add=True)
    # DOMAIN.md rule 24 (domain/purchasing/supplier_link.py): when the PO was emailed to the
    # supplier, the salt of its private link (a new salt revokes the old link) and the link's
    # last valid day; the last reminder sent; the PO a supplier split a line off from.
    sent_at = fields.DatetimeField(null=True)
    link_salt = fields.CharField(max_length=32, default="", db_default="")
    link_expires = fields.DateField(null=True)
    last_reminder_at = fields.DatetimeField(null=True)
    # A plain column, not a foreign key: adding a foreign key on SQLite rebuilds the table.
    split_from_id = fields.IntField(null=True)
    # DOMAIN.md rule 25: the supplier ships these lines straight to customers. Never open
    # supply for a queue, never received; one per supplier and store day (its idempotency key).
    dropship = fields.BooleanField(default=False, db_default=False)

    class Meta:
        table = "purchase_order"


class PurchaseOrderLine(Model):
    id = fields.IntField(primary_key=True)
    purchase_order: fields.ForeignKeyRelation[PurchaseOrder] = fields.ForeignKeyField(
        "models.PurchaseOrder", related_name="lines", db_index=True, on_delete=fields.CASCADE
    )
    purchase_order_id: int
    product: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Product", related_name="po_lines", db_index=True, on_delete=fields.RESTRICT
    )
    product_id: int
    quantity = fields.IntField()
    quantity_received = fields.IntField(default=0)
    quantity_cancelled = fields.IntField(default=0)
    # The supplier confirmed this line to arrive on this date (rule 24).
    confirmed_date = fields.DateField(null=True)
    confirmed_at = fields.DatetimeField(null=True)
    # A dropship line (rule 25): the order line it ships, where to, and the parcel the
    # supplier recorded. Plain columns: a foreign key added on SQLite rebuilds the table.
    order_line_id = fields.IntField(null=True, db_index=True)
    ship_to = fields.TextField(default="", db_default="")
    shipment_id = fields.IntField(null=True)

    @property
    def remaining(self) -> int:
        """What the line still has to deliver (``promises/remaining.py``)."""
        return remaining(self.quantity, self.quantity_received, self.quantity_cancelled)

    class Meta:
        table = "purchase_order_line"


class PurchaseOrderDateChange(Model):
    """Audit of every expected-date revision: who, when, why."""

    id = fields.IntField(primary_key=True)
    purchase_order: fields.ForeignKeyRelation[PurchaseOrder] = fields.ForeignKeyField(
        "models.PurchaseOrder", related_name="date_changes", db_index=True, on_delete=fields.CASCADE
    )
    purchase_order_id: int
    old_date = fields.DateField()
    new_date = fields.DateField()
    reason = fields.CharField(max_length=500)
    actor = fields.CharField(max_length=200)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "purchase_order_date_change"


class Receipt(Model):
    id = fields.IntField(primary_key=True)
    key = fields.CharField(max_length=100, unique=True)
    purchase_order: fields.ForeignKeyRelation[PurchaseOrder] = fields.ForeignKeyField(
        "models.PurchaseOrder", related_name="receipts", db_index=True, on_delete=fields.RESTRICT
    )
    purchase_order_id: int
    actor = fields.CharField(max_length=200)
    received_at = fields.DatetimeField()
    # DOMAIN.md rule 21: the expected date in force when the goods came (what the supplier last
    # confirmed) and how many days after it they came (negative: early). Null before 0006.
    confirmed_date = fields.DateField(null=True)
    slip_days = fields.IntField(null=True)

    class Meta:
        table = "receipt"


class ReceiptLine(Model):
    id = fields.IntField(primary_key=True)
    receipt: fields.ForeignKeyRelation[Receipt] = fields.ForeignKeyField(
        "models.Receipt", related_name="lines", db_index=True, on_delete=fields.CASCADE
    )
    receipt_id: int
    po_line: fields.ForeignKeyRelation[PurchaseOrderLine] = fields.ForeignKeyField(
        "models.PurchaseOrderLine",
        related_name="receipt_lines",
        db_index=True,
        on_delete=fields.RESTRICT,
    )
    po_line_id: int
    quantity = fields.IntField()
    to_queue = fields.IntField(default=0)
    to_stock = fields.IntField(default=0)

    class Meta:
        table = "receipt_line"


class SupplierProposal(Model):
    """A supplier's answer through its link that changes a line: another date or quantity.

    ``status``: ``pending`` (waits for staff when the store wants to approve), ``applied``,
    ``rejected``.
    """

    id = fields.IntField(primary_key=True)
    po_line: fields.ForeignKeyRelation[PurchaseOrderLine] = fields.ForeignKeyField(
        "models.PurchaseOrderLine",
        related_name="proposals",
        db_index=True,
        on_delete=fields.CASCADE,
    )
    po_line_id: int
    proposed_date = fields.DateField(null=True)
    proposed_quantity = fields.IntField(null=True)
    note = fields.CharField(max_length=500, default="")
    status = fields.CharField(max_length=16, default="pending")
    actor = fields.CharField(max_length=200)
    created_at = fields.DatetimeField()
    decided_by = fields.CharField(max_length=200, default="")
    decided_at = fields.DatetimeField(null=True)

    class Meta:
        table = "supplier_proposal"


class ReorderDraft(Model):
    """Rule 24: a draft PO suggested for one supplier. Staff edit it, send it or discard it.

    ``status``: ``draft``, ``sent`` (``purchase_order`` is the PO it became), ``discarded``.
    At most one draft per supplier at a time (kept by the services).
    """

    id = fields.IntField(primary_key=True)
    supplier: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Supplier", related_name="reorder_drafts", db_index=True, on_delete=fields.CASCADE
    )
    supplier_id: int
    status = fields.CharField(max_length=16, default="draft")
    expected_date = fields.DateField()
    purchase_order: fields.ForeignKeyNullableRelation[PurchaseOrder] = fields.ForeignKeyField(
        "models.PurchaseOrder",
        related_name="drafts",
        null=True,
        db_index=True,
        on_delete=fields.SET_NULL,
    )
    purchase_order_id: int | None
    computed_at = fields.DatetimeField()
    decided_by = fields.CharField(max_length=200, default="")

    class Meta:
        table = "reorder_draft"


class ReorderDraftLine(Model):
    """One product of a draft: the suggestion, the figures that explain it, and the quantity
    staff chose (``edited``: a recomputation keeps the staff's quantity)."""

    id = fields.IntField(primary_key=True)
    draft: fields.ForeignKeyRelation[ReorderDraft] = fields.ForeignKeyField(
        "models.ReorderDraft", related_name="lines", db_index=True, on_delete=fields.CASCADE
    )
    draft_id: int
    product: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Product", related_name="reorder_lines", db_index=True, on_delete=fields.CASCADE
    )
    product_id: int
    waiting = fields.IntField(default=0)
    on_order = fields.IntField(default=0)
    on_hand = fields.IntField(default=0)
    safety_stock = fields.IntField(default=0)
    waitlist = fields.IntField(default=0)
    min_order_qty = fields.IntField(default=1)
    pack_size = fields.IntField(default=1)
    suggested = fields.IntField(default=0)
    quantity = fields.IntField(default=0)
    edited = fields.BooleanField(default=False)

    class Meta:
        table = "reorder_draft_line"
        unique_together = (("draft", "product"),)


class WaitlistEntry(Model):
    """DOMAIN.md rule 26: an address waiting for a product that cannot be ordered.

    ``status``: ``pending`` (the confirmation link is not used yet), ``confirmed`` (waits, in
    order of ``confirmed_at``), ``told`` (supply made room and the address was emailed),
    ``left``. One row per address and product.
    """

    id = fields.IntField(primary_key=True)
    product: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Product", related_name="waitlist", db_index=True, on_delete=fields.CASCADE
    )
    product_id: int
    email = fields.CharField(max_length=254)
    token_salt = fields.CharField(max_length=32)
    status = fields.CharField(max_length=16, default="pending")
    created_at = fields.DatetimeField()
    confirmed_at = fields.DatetimeField(null=True)
    told_at = fields.DatetimeField(null=True)

    class Meta:
        table = "waitlist_entry"
        unique_together = (("product", "email"),)
