from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0003_staff_sessions_and_audit")]

    initial = False

    operations = [
        ops.CreateModel(
            name="RateLimit",
            fields=[
                (
                    "bucket",
                    fields.CharField(primary_key=True, unique=True, db_index=True, max_length=100),
                ),
                ("tat", fields.FloatField()),
            ],
            options={"table": "rate_limit", "app": "models", "pk_attr": "bucket"},
            bases=["Model"],
        ),
    ]
