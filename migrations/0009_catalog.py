"""DOMAIN.md rule 23: staff keep the catalogue. A per-order limit on products, an address on
suppliers, and the audit of catalogue changes and stock adjustments."""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops

from domain.vocabulary import EtaReason

REASON_DESCRIPTION = (
    "ORDER_PLACED: order_placed\nPO_CREATED: po_created\nPO_DATE_CHANGED: po_date_changed\n"
    "PO_LINE_CANCELLED: po_line_cancelled\nRECEIPT: receipt\nORDER_CANCELLED: order_cancelled\n"
    "PRIORITY_CHANGED: priority_changed\nDAILY_REVIEW: daily_review\n"
    "PRODUCT_CHANGED: product_changed\nSUPPLIER_CHANGED: supplier_changed\n"
    "STOCK_ADJUSTED: stock_adjusted"
)


class AlterDescription(ops.AlterField):
    """Only a column's comment changes (the ETA reasons gained the catalogue's three).

    As in 0005: PostgreSQL sets the comment; on SQLite an AlterField would rebuild
    ``eta_event`` for a comment SQLite does not use, so it is skipped there.
    """

    async def database_forward(self, app_label, old_state, new_state, state_editor=None):  # type: ignore[no-untyped-def]
        if state_editor is not None and state_editor.DIALECT != "sqlite":
            await super().database_forward(app_label, old_state, new_state, state_editor)

    async def database_backward(self, app_label, old_state, new_state, state_editor=None):  # type: ignore[no-untyped-def]
        if state_editor is not None and state_editor.DIALECT != "sqlite":
            await super().database_backward(app_label, old_state, new_state, state_editor)


class Migration(migrations.Migration):
    dependencies = [("models", "0007_request_ids")]

    initial = False

    operations = [
        ops.CreateModel(
            name="CatalogChange",
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
                        null=True,
                        db_index=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="catalog_changes",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "supplier",
                    fields.ForeignKeyField(
                        "models.Supplier",
                        source_field="supplier_id",
                        null=True,
                        db_index=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="catalog_changes",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("action", fields.CharField(max_length=32)),
                ("detail", fields.TextField(unique=False)),
                ("actor", fields.CharField(max_length=200)),
                ("event_id", fields.IntField(null=True)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "catalog_change",
                "app": "models",
                "pk_attr": "id",
                "table_description": "Who changed what in the catalogue (DOMAIN.md rule 23): one row per saved change.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="StockAdjustment",
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
                        related_name="stock_adjustments",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("reason", fields.CharField(max_length=16)),
                ("delta", fields.IntField()),
                ("to_queue", fields.IntField(default=0)),
                ("taken_back", fields.IntField(default=0)),
                ("note", fields.CharField(default="", max_length=300)),
                ("actor", fields.CharField(max_length=200)),
                ("event_id", fields.IntField(null=True)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "stock_adjustment",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A counted or corrected stock level, with its reason: counts, damage, returns, finds.",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="Product",
            name="per_order_limit",
            field=fields.IntField(null=True),
        ),
        ops.AddField(
            model_name="Supplier",
            name="address",
            field=fields.TextField(default="", db_default="", unique=False),
        ),
        AlterDescription(
            model_name="EtaEvent",
            name="reason",
            field=fields.CharEnumField(
                description=REASON_DESCRIPTION, enum_type=EtaReason, max_length=32
            ),
        ),
        ops.CreateModel(
            name="ProductImage",
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
                        related_name="images",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("filename", fields.CharField(max_length=100)),
                ("thumbnail", fields.CharField(max_length=100)),
                ("alt_text", fields.CharField(max_length=300)),
                ("width", fields.IntField()),
                ("height", fields.IntField()),
                ("position", fields.IntField(default=0)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "product_image",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A product photo: a re-encoded WebP and its thumbnail under the media directory.",
            },
            bases=["Model"],
        ),
    ]
