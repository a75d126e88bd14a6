"""Outgoing webhooks: subscriptions, and one delivery row per event and subscription."""

import functools
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0010_supply")]

    initial = False

    operations = [
        ops.CreateModel(
            name="WebhookSubscription",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("url", fields.CharField(max_length=2000)),
                ("description", fields.CharField(default="", max_length=200)),
                (
                    "events",
                    fields.JSONField(
                        default=list,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("secret", fields.CharField(max_length=200)),
                ("active", fields.BooleanField(default=True)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("updated_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={"table": "webhook_subscription", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="WebhookDelivery",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "subscription",
                    fields.ForeignKeyField(
                        "models.WebhookSubscription",
                        source_field="subscription_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="deliveries",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("event", fields.CharField(max_length=64)),
                ("webhook_id", fields.CharField(unique=True, max_length=64)),
                ("order_key", fields.CharField(null=True, max_length=64)),
                (
                    "payload",
                    fields.JSONField(
                        default=dict,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("status", fields.CharField(default="pending", max_length=16)),
                ("attempts", fields.IntField(default=0)),
                ("next_attempt_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "lease_until",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("age_from", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("sent_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("last_status_code", fields.IntField(null=True)),
                ("last_latency_ms", fields.IntField(null=True)),
                ("last_error", fields.CharField(default="", max_length=500)),
            ],
            options={
                "table": "webhook_delivery",
                "app": "models",
                "indexes": [
                    Index(fields=["status", "next_attempt_at"]),
                    Index(fields=["subscription_id", "order_key", "status"]),
                ],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
    ]
