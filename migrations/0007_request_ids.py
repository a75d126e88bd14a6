"""Each outbox row keeps the id of the request (or scheduled run) that caused it.

Nullable: rows written before this migration, and rows written outside any request, have none.
"""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0006_slip_history")]

    initial = False

    operations = [
        ops.AddField(
            model_name="OutboxMessage",
            name="request_id",
            field=fields.CharField(max_length=64, null=True),
        ),
    ]
