"""A workshop slip: the build date staff record for a build line, and its ETA reason."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops

from domain.vocabulary import EtaReason

REASON_DESCRIPTION = (
    "ORDER_PLACED: order_placed\nPO_CREATED: po_created\nPO_DATE_CHANGED: po_date_changed\n"
    "PO_LINE_CANCELLED: po_line_cancelled\nRECEIPT: receipt\nORDER_CANCELLED: order_cancelled\n"
    "PRIORITY_CHANGED: priority_changed\nDAILY_REVIEW: daily_review\n"
    "PRODUCT_CHANGED: product_changed\nSUPPLIER_CHANGED: supplier_changed\n"
    "STOCK_ADJUSTED: stock_adjusted\nBUILD_SLIPPED: build_slipped"
)


class AlterDescription(ops.AlterField):
    """Only a column's comment changes (the ETA reasons gained ``build_slipped``).

    As in 0009: PostgreSQL sets the comment; on SQLite an AlterField would rebuild
    ``eta_event`` for a comment SQLite does not use, so it is skipped there.
    """

    async def database_forward(self, app_label, old_state, new_state, state_editor=None):  # type: ignore[no-untyped-def]
        if state_editor is not None and state_editor.DIALECT != "sqlite":
            await super().database_forward(app_label, old_state, new_state, state_editor)

    async def database_backward(self, app_label, old_state, new_state, state_editor=None):  # type: ignore[no-untyped-def]
        if state_editor is not None and state_editor.DIALECT != "sqlite":
            await super().database_backward(app_label, old_state, new_state, state_editor)


class Migration(migrations.Migration):
    dependencies = [("models", "0011_webhooks")]

    initial = False

    operations = [
        ops.AddField(
            model_name="OrderLine",
            name="build_ready_on",
            field=fields.DateField(null=True),
        ),
        AlterDescription(
            model_name="EtaEvent",
            name="reason",
            field=fields.CharEnumField(
                description=REASON_DESCRIPTION, enum_type=EtaReason, max_length=32
            ),
        ),
    ]
