"""Finding or creating the customer behind an email address."""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError

from domain.customers.models import Customer
from domain.errors import InvalidInput
from domain.validation import clean_email, clean_text


async def customer_for(conn: BaseDBAsyncClient, email: str, name: str) -> Customer:
    """The customer with this email, created on first order. Emails compare case-insensitively."""
    address = clean_email(email)
    display = clean_text(name, field="name", max_length=200)
    found = await Customer.filter(email=address).using_db(conn).first()
    if found:
        return found
    try:
        return await Customer.create(email=address, name=display, using_db=conn)
    except IntegrityError:  # created concurrently
        found = await Customer.filter(email=address).using_db(conn).first()
        if found is None:
            raise InvalidInput("This email address cannot be used.", field="email") from None
        return found
