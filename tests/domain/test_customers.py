"""Customers are found or created by email address, once (DOMAIN.md: customers)."""

from __future__ import annotations

import pytest
from tortoise.transactions import in_transaction

from domain.customers.models import Customer
from domain.customers.services import customer_for

pytestmark = pytest.mark.usefixtures("db")


async def test_a_new_customer_is_returned_as_stored_and_saves_as_an_update() -> None:
    async with in_transaction() as conn:
        created = await customer_for(conn, " Ada@Example.com ", "Ada Lovelace")
        created.name = "Ada King"
        await created.save(using_db=conn)
    stored = await Customer.get(email="ada@example.com")
    assert (stored.id, stored.name) == (created.id, "Ada King")
    assert stored.created_at == created.created_at
    assert await Customer.all().count() == 1
    async with in_transaction() as conn:
        again = await customer_for(conn, "ada@example.com", "Someone Else")
    assert (again.id, again.name) == (created.id, "Ada King")
