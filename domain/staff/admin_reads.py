"""Staff-only lists that fit no other read model: API tokens, and a build's quote history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from domain.db import connection, fetch
from domain.rows import as_datetime, as_decimal, date_of, moment_of
from domain.validation import plain


@dataclass(frozen=True)
class TokenView:
    id: int
    name: str
    scopes: list[str]
    owner: str | None  # the staff member who created it
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


async def api_tokens() -> list[TokenView]:
    """Active tokens first, newest first. Never the secret: only its hash is stored."""
    rows = await fetch(
        connection(),
        "SELECT t.id, t.name, t.scopes, s.name AS owner, t.created_at, t.last_used_at,"
        " t.revoked_at FROM api_token t LEFT JOIN staff_user s ON s.id = t.staff_id"
        " ORDER BY CASE WHEN t.revoked_at IS NULL THEN 0 ELSE 1 END, t.id DESC",
    )
    return [
        TokenView(
            r["id"],
            r["name"],
            r["scopes"].split(),
            r["owner"],
            moment_of(r["created_at"]),
            as_datetime(r["last_used_at"]),
            as_datetime(r["revoked_at"]),
        )
        for r in rows
    ]


@dataclass(frozen=True)
class QuoteEntry:
    id: int
    price: Decimal
    lead_time_days: int
    valid_until: dt.date
    note: str
    actor: str
    created_at: dt.datetime
    accepted_at: dt.datetime | None


async def quote_history(request_id: int) -> list[QuoteEntry]:
    """Every quote of a custom build, newest first, with who made it."""
    rows = await fetch(
        connection(),
        "SELECT id, price, lead_time_days, valid_until, note, actor, created_at, accepted_at"
        " FROM build_quote WHERE request_id = ? ORDER BY id DESC",
        [request_id],
    )
    return [
        QuoteEntry(
            r["id"],
            as_decimal(r["price"]),
            r["lead_time_days"],
            date_of(r["valid_until"]),
            r["note"],
            r["actor"],
            moment_of(r["created_at"]),
            as_datetime(r["accepted_at"]),
        )
        for r in rows
    ]


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


async def product_choices() -> list[Choice]:
    """Active products that purchase orders can buy (not custom builds), by SKU."""
    rows = await fetch(
        connection(),
        "SELECT sku, name FROM product WHERE active = ? AND mode <> 'custom_build' ORDER BY sku",
        [True],
    )
    return [Choice(r["sku"], r["name"]) for r in rows]


async def supplier_choices() -> list[Choice]:
    rows = await fetch(connection(), "SELECT id, name FROM supplier ORDER BY name, id")
    return [Choice(str(r["id"]), r["name"]) for r in rows]


async def order_id_by_number(number: str) -> int | None:
    if not plain(number):
        return None  # no order number holds a control character (nor may PostgreSQL be sent one)
    rows = await fetch(
        connection(),
        "SELECT id FROM customer_order WHERE number = ?",
        [number.strip().upper()[:32]],
    )
    return int(rows[0]["id"]) if rows else None
