"""Customers: identified by email, no passwords (DOMAIN.md rule 15)."""

from tortoise import fields
from tortoise.models import Model


class Customer(Model):
    id = fields.IntField(primary_key=True)
    email = fields.CharField(max_length=254, unique=True)
    name = fields.CharField(max_length=200)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "customer"
