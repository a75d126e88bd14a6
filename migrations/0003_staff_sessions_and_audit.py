from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops

from domain.audit.models import AuditAction


class Migration(migrations.Migration):
    dependencies = [("models", "0002_quantity_checks")]

    initial = False

    operations = [
        ops.CreateModel(
            name="AuditEntry",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "action",
                    fields.CharEnumField(
                        description="ORDER_LINES_CANCELLED: order_lines_cancelled\nPRIORITY_CHANGED: priority_changed\nPO_LINE_CANCELLED: po_line_cancelled",
                        enum_type=AuditAction,
                        max_length=32,
                    ),
                ),
                (
                    "order",
                    fields.ForeignKeyField(
                        "models.Order",
                        source_field="order_id",
                        null=True,
                        db_index=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="audit_entries",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "purchase_order",
                    fields.ForeignKeyField(
                        "models.PurchaseOrder",
                        source_field="purchase_order_id",
                        null=True,
                        db_index=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="audit_entries",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("detail", fields.CharField(max_length=500)),
                ("actor", fields.CharField(max_length=200)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={"table": "audit_entry", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.AddField(
            model_name="StaffUser",
            name="session_version",
            field=fields.IntField(default=1, db_default=1),
        ),
    ]
