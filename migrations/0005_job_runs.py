import functools
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.migrations import operations as ops

from domain.vocabulary import EtaBasis

BASIS_DESCRIPTION = "IN_STOCK: in_stock\nPURCHASE_ORDER: purchase_order\nLATE_DELIVERY: late_delivery\nLEAD_TIME: lead_time\nRELEASE_DATE: release_date\nBUILD: build\nUNKNOWN: unknown"


class AlterDescription(ops.AlterField):
    """Only a column's comment changes (the enum gained ``late_delivery``).

    PostgreSQL sets the comment. On SQLite any AlterField rebuilds the whole table (here
    ``order_line`` and ``eta_change``, the largest), for a comment SQLite does not use: skip it
    there. The migration state changes on both, so models and migrations still agree.
    """

    async def database_forward(self, app_label, old_state, new_state, state_editor=None):  # type: ignore[no-untyped-def]
        if state_editor is not None and state_editor.DIALECT != "sqlite":
            await super().database_forward(app_label, old_state, new_state, state_editor)

    async def database_backward(self, app_label, old_state, new_state, state_editor=None):  # type: ignore[no-untyped-def]
        if state_editor is not None and state_editor.DIALECT != "sqlite":
            await super().database_backward(app_label, old_state, new_state, state_editor)


class Migration(migrations.Migration):
    dependencies = [("models", "0004_rate_limits")]

    initial = False

    operations = [
        ops.CreateModel(
            name="JobRun",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("job", fields.CharField(max_length=40)),
                ("period", fields.CharField(max_length=32)),
                ("started_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("finished_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "summary",
                    fields.JSONField(
                        default=dict,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("runner", fields.CharField(default="", max_length=200)),
            ],
            options={
                "table": "job_run",
                "app": "models",
                "unique_together": (("job", "period"),),
                "pk_attr": "id",
                "table_description": "One run of a scheduled job for one period.",
            },
            bases=["Model"],
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
