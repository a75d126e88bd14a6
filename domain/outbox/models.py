"""The outbox: one row per logical email, written in the transaction that caused it."""

from typing import Any

from tortoise import fields
from tortoise.models import Model

from domain.vocabulary import OutboxKind, OutboxStatus


class OutboxMessage(Model):
    id = fields.IntField(primary_key=True)
    kind = fields.CharEnumField(OutboxKind, max_length=32)
    recipient = fields.CharField(max_length=254)
    order: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Order", related_name="outbox", db_index=True, null=True, on_delete=fields.CASCADE
    )
    order_id: int | None
    event: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.EtaEvent",
        related_name="outbox",
        db_index=True,
        null=True,
        on_delete=fields.RESTRICT,
    )
    event_id: int | None
    shipment: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Shipment", related_name="outbox", db_index=True, null=True, on_delete=fields.CASCADE
    )
    shipment_id: int | None
    build_request: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.BuildRequest",
        related_name="outbox",
        db_index=True,
        null=True,
        on_delete=fields.CASCADE,
    )
    build_request_id: int | None
    payload: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    message_id = fields.CharField(max_length=200, unique=True)
    status = fields.CharEnumField(OutboxStatus, max_length=16, default=OutboxStatus.PENDING)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField()
    lease_until = fields.DatetimeField(null=True)
    last_error = fields.TextField(default="")
    created_at = fields.DatetimeField()
    sent_at = fields.DatetimeField(null=True)
    # The request (or scheduled run) that caused it: the same id as its log line and the
    # X-Request-Id header of the email (domain/request_ids.py).
    request_id = fields.CharField(max_length=64, null=True)

    class Meta:
        table = "outbox_message"
        indexes = (("status", "next_attempt_at"),)
