"""Finding or creating the customer behind an email address."""

from __future__ import annotations

from tortoise import timezone
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from domain.context import Context
from domain.customers.models import Customer
from domain.db import Dialect, fetch
from domain.errors import InvalidInput
from domain.outbox.enqueue import enqueue
from domain.ratelimit.services import hit
from domain.validation import clean_email, clean_text
from domain.vocabulary import OutboxKind


async def customer_for(conn: BaseDBAsyncClient, email: str, name: str) -> Customer:
    """The customer with this email, created on first order. Emails compare case-insensitively.

    Read and written with raw statements (an order places one of each), the model built from
    the row as the ORM builds it: a later ``save()`` updates the row.
    """
    address = clean_email(email)
    display = clean_text(name, field="name", max_length=200)
    found = await _by_email(conn, address)
    if found:
        return found
    # Created concurrently? ON CONFLICT DO NOTHING waits for the other transaction and leaves
    # this one usable; a caught IntegrityError would leave a PostgreSQL transaction aborted.
    created_at = timezone.now()
    rows = await fetch(
        conn,
        "INSERT INTO customer (email, name, created_at)"
        f" VALUES (?, ?, {Dialect(conn).timestamp}) ON CONFLICT DO NOTHING RETURNING id",
        [address, display, created_at],
    )
    if rows:
        return Customer._init_from_db(
            id=rows[0]["id"], email=address, name=display, created_at=created_at
        )
    found = await _by_email(conn, address)
    if found is None:
        raise InvalidInput("This email address cannot be used.", field="email")
    return found


# The customer of a clean email address as the one row of ``c(id, email, name)``, created on
# first order, for a PostgreSQL statement that writes what the customer places with it (no
# round trip of its own). Created concurrently? ON CONFLICT waits for the other transaction
# and then returns its row: DO UPDATE sees a row the statement's snapshot does not, where DO
# NOTHING would leave ``c`` empty. Only that race writes a row that exists.
CUSTOMER_CTE = (
    "found AS (SELECT id, email, name FROM customer WHERE email = ?),"
    " created AS (INSERT INTO customer (email, name, created_at)"
    " SELECT CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TIMESTAMPTZ)"
    " WHERE NOT EXISTS (SELECT 1 FROM found)"
    " ON CONFLICT (email) DO UPDATE SET email = EXCLUDED.email RETURNING id, email, name),"
    " c AS (SELECT id, email, name FROM found UNION ALL SELECT id, email, name FROM created)"
)


def customer_cte_values(address: str, display: str) -> list[object]:
    """The values of ``CUSTOMER_CTE`` for an address and name as ``customer_for`` cleans them."""
    return [address, address, display, timezone.now()]


async def _by_email(conn: BaseDBAsyncClient, address: str) -> Customer | None:
    rows = await fetch(
        conn, "SELECT id, email, name, created_at FROM customer WHERE email = ? LIMIT 1", [address]
    )
    return Customer._init_from_db(**rows[0]) if rows else None


async def resend_order_links(email: str, *, ctx: Context) -> None:
    """Rule 15: queue an email with the customer's order links, if the address is known.

    The caller answers the same way either way; nothing here reveals whether it was known.
    An address asked for more often than its rate (``links_address``) is not written to again
    for a while, known or not, and the caller cannot tell: at most a few emails an hour reach
    anyone, however many strangers ask.
    """
    address = clean_email(email)
    if not (await hit("links_address", address.lower(), ctx=ctx)).allowed:
        return
    customer = await Customer.filter(email=address).first()
    if customer is None:
        return
    async with in_transaction() as conn:
        await enqueue(
            conn, ctx, OutboxKind.ORDER_LINKS, customer.email, payload={"customer_id": customer.id}
        )
