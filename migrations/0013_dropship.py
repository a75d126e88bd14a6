"""Dropship (DOMAIN.md rule 25): products the maker ships, dropship POs and their lines.

Only columns are added (no SQLite table rebuild): the product's "customer chooses" flag, the
order line's and the PO's dropship flags, and on a PO line the order line it ships, the address
and the parcel. The ETA bases gained ``dropship``: only the columns' comments change.
"""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops

from domain.vocabulary import EtaBasis

BASIS_DESCRIPTION = "IN_STOCK: in_stock\nPURCHASE_ORDER: purchase_order\nLATE_DELIVERY: late_delivery\nLEAD_TIME: lead_time\nRELEASE_DATE: release_date\nBUILD: build\nUNKNOWN: unknown\nDROPSHIP: dropship"


class AlterDescription(ops.AlterField):
    """Only a column's comment changes; as in 0005, skipped on SQLite (a rebuild for nothing)."""

    async def database_forward(self, app_label, old_state, new_state, state_editor=None):  # type: ignore[no-untyped-def]
        if state_editor is not None and state_editor.DIALECT != "sqlite":
            await super().database_forward(app_label, old_state, new_state, state_editor)

    async def database_backward(self, app_label, old_state, new_state, state_editor=None):  # type: ignore[no-untyped-def]
        if state_editor is not None and state_editor.DIALECT != "sqlite":
            await super().database_backward(app_label, old_state, new_state, state_editor)


class Migration(migrations.Migration):
    dependencies = [("models", "0012_build_slip")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Product",
            name="dropship_optional",
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.AddField(
            model_name="OrderLine",
            name="dropship",
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.AddField(
            model_name="PurchaseOrder",
            name="dropship",
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.AddField(
            model_name="PurchaseOrderLine",
            name="order_line_id",
            field=fields.IntField(null=True, db_index=True),
        ),
        ops.AddField(
            model_name="PurchaseOrderLine",
            name="ship_to",
            field=fields.TextField(default="", db_default=""),
        ),
        ops.AddField(
            model_name="PurchaseOrderLine",
            name="shipment_id",
            field=fields.IntField(null=True),
        ),
        AlterDescription(
            model_name="EtaChange",
            name="new_basis",
            field=fields.CharEnumField(
                description=BASIS_DESCRIPTION, enum_type=EtaBasis, max_length=20
            ),
        ),
        AlterDescription(
            model_name="EtaChange",
            name="old_basis",
            field=fields.CharEnumField(
                null=True, description=BASIS_DESCRIPTION, enum_type=EtaBasis, max_length=20
            ),
        ),
        AlterDescription(
            model_name="OrderLine",
            name="eta_basis",
            field=fields.CharEnumField(
                description=BASIS_DESCRIPTION, enum_type=EtaBasis, max_length=20
            ),
        ),
        AlterDescription(
            model_name="OrderLine",
            name="promised_basis",
            field=fields.CharEnumField(
                description=BASIS_DESCRIPTION, enum_type=EtaBasis, max_length=20
            ),
        ),
    ]
