"""Webhook subscriptions and their deliveries: one delivery row per event and subscription,
written in the transaction of the change that caused it (``emit.py``), sent by ``sender.py``."""

from typing import Any

from tortoise import fields
from tortoise.models import Model


class WebhookSubscription(Model):
    id = fields.IntField(primary_key=True)
    url = fields.CharField(max_length=2000)
    description = fields.CharField(max_length=200, default="")
    # The event names wanted, e.g. ["order.placed", "purchase_order.date_changed"].
    events: fields.JSONField[list[str]] = fields.JSONField(default=list)
    secret = fields.CharField(max_length=200)
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "webhook_subscription"


class WebhookDelivery(Model):
    id = fields.BigIntField(primary_key=True)
    subscription: fields.ForeignKeyRelation[WebhookSubscription] = fields.ForeignKeyField(
        "models.WebhookSubscription",
        related_name="deliveries",
        db_index=False,  # the (subscription_id, order_key, status) index serves
        on_delete=fields.CASCADE,
    )
    subscription_id: int
    event = fields.CharField(max_length=64)
    # Stays the same across retries and replays: the receiver's key to drop duplicates.
    webhook_id = fields.CharField(max_length=64, unique=True)
    # Deliveries with the same key (e.g. "order:12") go out one at a time, oldest first.
    order_key = fields.CharField(max_length=64, null=True)
    payload: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    status = fields.CharField(max_length=16, default="pending")  # pending, sent, dead
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField()
    lease_until = fields.DatetimeField(null=True)
    # Age for the dead letter counts from here: the event's time, or the last replay.
    age_from = fields.DatetimeField()
    created_at = fields.DatetimeField()
    sent_at = fields.DatetimeField(null=True)
    last_status_code = fields.IntField(null=True)
    last_latency_ms = fields.IntField(null=True)
    last_error = fields.CharField(max_length=500, default="")

    class Meta:
        table = "webhook_delivery"
        indexes = (("status", "next_attempt_at"), ("subscription_id", "order_key", "status"))
