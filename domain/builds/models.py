"""Custom-build requests, the options chosen, and their quotes."""

from tortoise import fields
from tortoise.models import Model

from domain.vocabulary import BuildStatus


class BuildRequest(Model):
    id = fields.IntField(primary_key=True)
    number = fields.CharField(max_length=32, unique=True)
    customer: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Customer", related_name="build_requests", db_index=True, on_delete=fields.RESTRICT
    )
    customer_id: int
    product: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Product", related_name="build_requests", db_index=True, on_delete=fields.RESTRICT
    )
    product_id: int
    shipping_name = fields.CharField(max_length=200)
    shipping_address = fields.TextField()
    notes = fields.TextField(default="")
    status = fields.CharEnumField(BuildStatus, max_length=16, default=BuildStatus.REQUESTED)
    token_salt = fields.CharField(max_length=64)
    token_hash = fields.CharField(max_length=64, unique=True)
    idempotency_key = fields.CharField(max_length=100, null=True, unique=True)
    order: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Order",
        related_name="build_requests",
        db_index=True,
        null=True,
        on_delete=fields.SET_NULL,
    )
    order_id: int | None
    created_at = fields.DatetimeField()

    class Meta:
        table = "build_request"


class BuildRequestChoice(Model):
    id = fields.IntField(primary_key=True)
    request: fields.ForeignKeyRelation[BuildRequest] = fields.ForeignKeyField(
        "models.BuildRequest", related_name="choices", db_index=True, on_delete=fields.CASCADE
    )
    request_id: int
    choice: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.OptionChoice", related_name="requests", db_index=True, on_delete=fields.RESTRICT
    )
    choice_id: int

    class Meta:
        table = "build_request_choice"
        unique_together = (("request", "choice"),)


class BuildQuote(Model):
    """A priced offer. The newest one is current. Staff adjustments add a new quote."""

    id = fields.IntField(primary_key=True)
    request: fields.ForeignKeyRelation[BuildRequest] = fields.ForeignKeyField(
        "models.BuildRequest", related_name="quotes", db_index=True, on_delete=fields.CASCADE
    )
    request_id: int
    price = fields.DecimalField(max_digits=12, decimal_places=2)
    lead_time_days = fields.IntField()
    valid_until = fields.DateField()
    note = fields.CharField(max_length=500, default="")
    actor = fields.CharField(max_length=200)
    created_at = fields.DatetimeField()
    accepted_at = fields.DatetimeField(null=True)

    class Meta:
        table = "build_quote"
