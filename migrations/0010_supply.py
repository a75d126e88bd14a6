"""DOMAIN.md rules 24-25: reorder drafts, the supplier's link and answers, product supply fields.

Every added column is nullable or has a database default, so populated tables keep their rows.
"""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops

from domain.audit.models import AuditAction
from domain.vocabulary import OutboxKind


class AlterDescription(ops.AlterField):
    """Only a column's comment changes (the outbox gained supplier kinds); on SQLite any
    AlterField rebuilds the table for a comment SQLite does not use: skip it there."""

    async def database_forward(self, app_label, old_state, new_state, state_editor=None):  # type: ignore[no-untyped-def]
        if state_editor is not None and state_editor.DIALECT != "sqlite":
            await super().database_forward(app_label, old_state, new_state, state_editor)

    async def database_backward(self, app_label, old_state, new_state, state_editor=None):  # type: ignore[no-untyped-def]
        if state_editor is not None and state_editor.DIALECT != "sqlite":
            await super().database_backward(app_label, old_state, new_state, state_editor)


class Migration(migrations.Migration):
    dependencies = [("models", "0009_catalog")]

    initial = False

    operations = [
        ops.CreateModel(
            name="ReorderDraft",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "supplier",
                    fields.ForeignKeyField(
                        "models.Supplier",
                        source_field="supplier_id",
                        db_index=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="reorder_drafts",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("status", fields.CharField(default="draft", max_length=16)),
                ("expected_date", fields.DateField()),
                (
                    "purchase_order",
                    fields.ForeignKeyField(
                        "models.PurchaseOrder",
                        source_field="purchase_order_id",
                        null=True,
                        db_index=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="drafts",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("computed_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("decided_by", fields.CharField(default="", max_length=200)),
            ],
            options={
                "table": "reorder_draft",
                "app": "models",
                "pk_attr": "id",
                "table_description": "Rule 24: a draft PO suggested for one supplier. Staff edit it, send it or discard it.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ReorderDraftLine",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "draft",
                    fields.ForeignKeyField(
                        "models.ReorderDraft",
                        source_field="draft_id",
                        db_index=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="lines",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "product",
                    fields.ForeignKeyField(
                        "models.Product",
                        source_field="product_id",
                        db_index=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="reorder_lines",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("waiting", fields.IntField(default=0)),
                ("on_order", fields.IntField(default=0)),
                ("on_hand", fields.IntField(default=0)),
                ("safety_stock", fields.IntField(default=0)),
                ("waitlist", fields.IntField(default=0)),
                ("min_order_qty", fields.IntField(default=1)),
                ("pack_size", fields.IntField(default=1)),
                ("suggested", fields.IntField(default=0)),
                ("quantity", fields.IntField(default=0)),
                ("edited", fields.BooleanField(default=False)),
            ],
            options={
                "table": "reorder_draft_line",
                "app": "models",
                "unique_together": (("draft", "product"),),
                "pk_attr": "id",
                "table_description": "One product of a draft: the suggestion, the figures that explain it, and the quantity",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="SupplierProposal",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "po_line",
                    fields.ForeignKeyField(
                        "models.PurchaseOrderLine",
                        source_field="po_line_id",
                        db_index=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="proposals",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("proposed_date", fields.DateField(null=True)),
                ("proposed_quantity", fields.IntField(null=True)),
                ("note", fields.CharField(default="", max_length=500)),
                ("status", fields.CharField(default="pending", max_length=16)),
                ("actor", fields.CharField(max_length=200)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("decided_by", fields.CharField(default="", max_length=200)),
                ("decided_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "supplier_proposal",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A supplier's answer through its link that changes a line: another date or quantity.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="WaitlistEntry",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "product",
                    fields.ForeignKeyField(
                        "models.Product",
                        source_field="product_id",
                        db_index=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="waitlist",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("email", fields.CharField(max_length=254)),
                ("token_salt", fields.CharField(max_length=32)),
                ("status", fields.CharField(default="pending", max_length=16)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "confirmed_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("told_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "waitlist_entry",
                "app": "models",
                "unique_together": (("product", "email"),),
                "pk_attr": "id",
                "table_description": "DOMAIN.md rule 26: an address waiting for a product that cannot be ordered.",
            },
            bases=["Model"],
        ),
        AlterDescription(
            model_name="AuditEntry",
            name="action",
            field=fields.CharEnumField(
                description="ORDER_LINES_CANCELLED: order_lines_cancelled\nPRIORITY_CHANGED: priority_changed\nPO_LINE_CANCELLED: po_line_cancelled\nPO_SENT: po_sent\nSUPPLIER_ANSWERED: supplier_answered\nPROPOSAL_DECIDED: proposal_decided\nSUPPLIER_REMINDED: supplier_reminded",
                enum_type=AuditAction,
                max_length=32,
            ),
        ),
        AlterDescription(
            model_name="OutboxMessage",
            name="kind",
            field=fields.CharEnumField(
                description="ORDER_CONFIRMATION: order_confirmation\nETA_CHANGED: eta_changed\nDELAY_NOTICE: delay_notice\nSHIPMENT_SENT: shipment_sent\nBUILD_QUOTE_READY: build_quote_ready\nORDER_CANCELLED: order_cancelled\nORDER_LINKS: order_links\nPURCHASE_ORDER_SENT: purchase_order_sent\nSUPPLIER_REMINDER: supplier_reminder\nWAITLIST_CONFIRM: waitlist_confirm\nWAITLIST_OPENING: waitlist_opening",
                enum_type=OutboxKind,
                max_length=32,
            ),
        ),
        ops.AddField(
            model_name="Product",
            name="dropship",
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.AddField(
            model_name="Product",
            name="min_order_qty",
            field=fields.IntField(default=1, db_default=1),
        ),
        ops.AddField(
            model_name="Product",
            name="pack_size",
            field=fields.IntField(default=1, db_default=1),
        ),
        ops.AddField(
            model_name="Product",
            name="safety_stock",
            field=fields.IntField(default=0, db_default=0),
        ),
        ops.AddField(
            model_name="PurchaseOrder",
            name="last_reminder_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name="PurchaseOrder",
            name="link_expires",
            field=fields.DateField(null=True),
        ),
        ops.AddField(
            model_name="PurchaseOrder",
            name="link_salt",
            field=fields.CharField(default="", db_default="", max_length=32),
        ),
        ops.AddField(
            model_name="PurchaseOrder",
            name="sent_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name="PurchaseOrder",
            name="split_from_id",
            field=fields.IntField(null=True),
        ),
        ops.AddField(
            model_name="PurchaseOrderLine",
            name="confirmed_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name="PurchaseOrderLine",
            name="confirmed_date",
            field=fields.DateField(null=True),
        ),
    ]
