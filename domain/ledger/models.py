"""The ledger: bookings, cancellations, recognised revenue and refunds, per order line."""

from tortoise import fields
from tortoise.models import Model

from domain.vocabulary import LedgerKind


class LedgerEntry(Model):
    id = fields.IntField(primary_key=True)
    line: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.OrderLine", related_name="ledger_entries", db_index=True, on_delete=fields.RESTRICT
    )
    line_id: int
    kind = fields.CharEnumField(LedgerKind, max_length=32)
    quantity = fields.IntField()
    amount = fields.DecimalField(max_digits=14, decimal_places=2)
    created_at = fields.DatetimeField()

    class Meta:
        table = "ledger_entry"
