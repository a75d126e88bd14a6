"""Purchase orders, their lines and the receipts against them."""

from tortoise import fields
from tortoise.models import Model

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
