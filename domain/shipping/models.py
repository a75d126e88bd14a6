"""Shipments (parcels) and what each carries."""

from tortoise import fields
from tortoise.models import Model

from domain.vocabulary import ShipmentStatus


class Shipment(Model):
    id = fields.IntField(primary_key=True)
    order: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Order", related_name="shipments", db_index=True, on_delete=fields.RESTRICT
    )
    order_id: int
    status = fields.CharEnumField(ShipmentStatus, max_length=16, default=ShipmentStatus.PLANNED)
    carrier = fields.CharField(max_length=100, default="")
    tracking_number = fields.CharField(max_length=100, default="")
    idempotency_key = fields.CharField(max_length=100, null=True, unique=True)
    created_by = fields.CharField(max_length=200)
    created_at = fields.DatetimeField()
    shipped_at = fields.DatetimeField(null=True)

    class Meta:
        table = "shipment"


class ShipmentLine(Model):
    id = fields.IntField(primary_key=True)
    shipment: fields.ForeignKeyRelation[Shipment] = fields.ForeignKeyField(
        "models.Shipment", related_name="lines", db_index=True, on_delete=fields.CASCADE
    )
    shipment_id: int
    line: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.OrderLine", related_name="shipment_lines", db_index=True, on_delete=fields.RESTRICT
    )
    line_id: int
    quantity = fields.IntField()

    class Meta:
        table = "shipment_line"
