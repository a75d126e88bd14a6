"""DOMAIN.md rule 21: each receipt records the date the supplier last confirmed and its slip.

Both columns are nullable: receipts applied before this migration have no recorded slip and
stay out of every supplier's history.
"""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0005_job_runs")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Receipt",
            name="confirmed_date",
            field=fields.DateField(null=True),
        ),
        ops.AddField(
            model_name="Receipt",
            name="slip_days",
            field=fields.IntField(null=True),
        ),
    ]
