"""Orders, lines, allocations, ETA history and delay notices.

A line's quantities always add up: ``quantity = allocated + waiting + shipped + cancelled``.
``priority`` and ``placed_at`` are copied from the order so that the queue of a product can be
read and recomputed from one table in allocation order.
"""

from tortoise import fields
from tortoise.migrations.constraints import CheckConstraint
from tortoise.models import Model

from domain.vocabulary import DelayNoticeStatus, EtaBasis, EtaReason, ShipPreference


class Order(Model):
    id = fields.IntField(primary_key=True)
    number = fields.CharField(max_length=32, unique=True)
    customer: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Customer", related_name="orders", db_index=True, on_delete=fields.RESTRICT
    )
    customer_id: int
    shipping_name = fields.CharField(max_length=200)
    shipping_address = fields.TextField()
    ship_preference = fields.CharEnumField(ShipPreference, max_length=20)
    priority = fields.IntField(default=0)
    placed_at = fields.DatetimeField()
    token_salt = fields.CharField(max_length=64)
    token_hash = fields.CharField(max_length=64, unique=True)
    idempotency_key = fields.CharField(max_length=100, null=True, unique=True)
    request_fingerprint = fields.CharField(max_length=64, default="")

    class Meta:
        table = "customer_order"


class OrderLine(Model):
    id = fields.IntField(primary_key=True)
    order: fields.ForeignKeyRelation[Order] = fields.ForeignKeyField(
        "models.Order", related_name="lines", db_index=True, on_delete=fields.CASCADE
    )
    order_id: int
    product: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Product", related_name="order_lines", db_index=True, on_delete=fields.RESTRICT
    )
    product_id: int
    build_request: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.BuildRequest",
        related_name="order_lines",
        db_index=True,
        null=True,
        on_delete=fields.SET_NULL,
    )
    build_request_id: int | None
    position = fields.IntField(default=0)
    quantity = fields.IntField()
    unit_price = fields.DecimalField(max_digits=12, decimal_places=2)
    qty_allocated = fields.IntField(default=0)
    qty_waiting = fields.IntField(default=0)
    qty_shipped = fields.IntField(default=0)
    qty_cancelled = fields.IntField(default=0)
    priority = fields.IntField(default=0)
    placed_at = fields.DatetimeField()
    promised_earliest = fields.DateField(null=True)
    promised_latest = fields.DateField(null=True)
    promised_basis = fields.CharEnumField(EtaBasis, max_length=20)
    eta_earliest = fields.DateField(null=True)
    eta_latest = fields.DateField(null=True)
    eta_basis = fields.CharEnumField(EtaBasis, max_length=20)
    consented_latest = fields.DateField(null=True)
    # The day the workshop last said a build line will be ready (a recorded slip); the daily
    # review dates the line from it instead of from the promise.
    build_ready_on = fields.DateField(null=True)
    pegged_po_line: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.PurchaseOrderLine",
        related_name="pegged_lines",
        db_index=True,
        null=True,
        on_delete=fields.SET_NULL,
    )
    pegged_po_line_id: int | None
    # DOMAIN.md rule 25: the maker ships this line from a dropship PO. Its units count as
    # allocated (by the supplier, not from our stock) until the supplier records the parcel;
    # they never enter the product's queue nor take its stock.
    dropship = fields.BooleanField(default=False, db_default=False)

    class Meta:
        table = "order_line"
        indexes = (("product_id", "qty_waiting", "priority", "placed_at", "id"),)
        constraints = (
            CheckConstraint(
                check="qty_allocated >= 0 AND qty_waiting >= 0 AND qty_shipped >= 0"
                " AND qty_cancelled >= 0",
                name="order_line_quantities_not_negative",
            ),
            CheckConstraint(
                check="quantity = qty_allocated + qty_waiting + qty_shipped + qty_cancelled",
                name="order_line_quantities_add_up",
            ),
        )


class Allocation(Model):
    """Stock given to (positive) or returned from (negative) a line."""

    id = fields.IntField(primary_key=True)
    line: fields.ForeignKeyRelation[OrderLine] = fields.ForeignKeyField(
        "models.OrderLine", related_name="allocations", db_index=True, on_delete=fields.CASCADE
    )
    line_id: int
    receipt: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Receipt",
        related_name="allocations",
        db_index=True,
        null=True,
        on_delete=fields.RESTRICT,
    )
    receipt_id: int | None
    quantity = fields.IntField()
    created_at = fields.DatetimeField()

    class Meta:
        table = "allocation"


class EtaEvent(Model):
    """One event that moved ETAs (DOMAIN.md rule 8): its reason and who caused it."""

    id = fields.IntField(primary_key=True)
    product: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Product",
        related_name="eta_events",
        db_index=True,
        null=True,
        on_delete=fields.RESTRICT,
    )
    product_id: int | None
    reason = fields.CharEnumField(EtaReason, max_length=32)
    detail = fields.CharField(max_length=500, default="")
    actor = fields.CharField(max_length=200)
    created_at = fields.DatetimeField()

    class Meta:
        table = "eta_event"


class EtaChange(Model):
    """The ETA history of a line: one row per change, with the event that caused it."""

    id = fields.IntField(primary_key=True)
    line: fields.ForeignKeyRelation[OrderLine] = fields.ForeignKeyField(
        "models.OrderLine", related_name="eta_changes", db_index=True, on_delete=fields.CASCADE
    )
    line_id: int
    event: fields.ForeignKeyRelation[EtaEvent] = fields.ForeignKeyField(
        "models.EtaEvent", related_name="changes", db_index=True, on_delete=fields.RESTRICT
    )
    event_id: int
    old_earliest = fields.DateField(null=True)
    old_latest = fields.DateField(null=True)
    old_basis = fields.CharEnumField(EtaBasis, max_length=20, null=True)
    new_earliest = fields.DateField(null=True)
    new_latest = fields.DateField(null=True)
    new_basis = fields.CharEnumField(EtaBasis, max_length=20)
    material = fields.BooleanField(default=False)

    class Meta:
        table = "eta_change"


class DelayNotice(Model):
    """DOMAIN.md rule 10: an ETA moved past the date the customer was promised or accepted."""

    id = fields.IntField(primary_key=True)
    order: fields.ForeignKeyRelation[Order] = fields.ForeignKeyField(
        "models.Order", related_name="delay_notices", db_index=True, on_delete=fields.CASCADE
    )
    order_id: int
    line: fields.ForeignKeyRelation[OrderLine] = fields.ForeignKeyField(
        "models.OrderLine", related_name="delay_notices", db_index=True, on_delete=fields.CASCADE
    )
    line_id: int
    event: fields.ForeignKeyRelation[EtaEvent] = fields.ForeignKeyField(
        "models.EtaEvent", related_name="delay_notices", db_index=True, on_delete=fields.RESTRICT
    )
    event_id: int
    previous_latest = fields.DateField(null=True)
    new_earliest = fields.DateField(null=True)
    new_latest = fields.DateField(null=True)
    requires_answer = fields.BooleanField(default=False)
    deadline = fields.DateField()
    status = fields.CharEnumField(DelayNoticeStatus, max_length=16, default=DelayNoticeStatus.OPEN)
    answered_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "delay_notice"
