"""Custom-build requests with their chosen options and current quote (rule 14), batched."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from domain.customers.links import token_hash
from domain.db import connection, fetch
from domain.rows import as_datetime, as_decimal, chunks, day, marks, moment
from domain.vocabulary import BuildStatus

MAX_PAGE = 100


@dataclass(frozen=True)
class ChosenOption:
    choice_id: int
    group: str
    name: str
    price_delta: Decimal
    lead_time_delta_days: int


@dataclass(frozen=True)
class QuoteView:
    id: int
    price: Decimal
    lead_time_days: int
    valid_until: dt.date
    note: str
    created_at: dt.datetime
    accepted_at: dt.datetime | None


@dataclass(frozen=True)
class BuildView:
    id: int
    number: str
    status: BuildStatus
    sku: str
    product_name: str
    email: str
    shipping_name: str
    shipping_address: str
    notes: str
    created_at: dt.datetime
    order_id: int | None
    choices: list[ChosenOption]
    quote: QuoteView | None  # the newest quote is the current one


@dataclass(frozen=True)
class BuildPage:
    items: list[BuildView]
    has_next: bool


_BUILD = (
    "SELECT b.id, b.number, b.status, p.sku, p.name AS product_name, c.email, b.shipping_name,"
    " b.shipping_address, b.notes, b.created_at, b.order_id FROM build_request b"
    " JOIN product p ON p.id = b.product_id JOIN customer c ON c.id = b.customer_id"
)


async def builds_by_id(ids: Sequence[int]) -> dict[int, BuildView]:
    found: dict[int, BuildView] = {}
    for part in chunks(sorted(set(ids))):
        rows = await fetch(connection(), f"{_BUILD} WHERE b.id IN ({marks(part)})", part)
        found.update({view.id: view for view in await _assemble(rows)})
    return found


async def build_by_token(token: str) -> BuildView | None:
    """The request a quote link opens; None for an unknown or malformed link."""
    if not token or len(token) > 100:
        return None
    rows = await fetch(connection(), f"{_BUILD} WHERE b.token_hash = ?", [token_hash(token)])
    views = await _assemble(rows)
    return views[0] if views else None


async def build_page(
    *, status: BuildStatus | None = None, before_id: int | None = None, first: int = 20
) -> BuildPage:
    """Requests newest first, for staff to quote."""
    first = max(0, min(first, MAX_PAGE))
    clauses: list[str] = []
    values: list[object] = []
    if status is not None:
        clauses.append("b.status = ?")
        values.append(status.value)
    if before_id is not None:
        clauses.append("b.id < ?")
        values.append(before_id)
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    rows = await fetch(
        connection(), f"{_BUILD}{where} ORDER BY b.id DESC LIMIT ?", [*values, first + 1]
    )
    return BuildPage(await _assemble(rows[:first]), len(rows) > first)


async def _assemble(rows: list[dict[str, Any]]) -> list[BuildView]:
    if not rows:
        return []
    ids = [row["id"] for row in rows]
    choices: dict[int, list[ChosenOption]] = {i: [] for i in ids}
    for row in await fetch(
        connection(),
        "SELECT r.request_id, c.id, g.name AS grp, c.name, c.price_delta, c.lead_time_delta_days"
        " FROM build_request_choice r JOIN option_choice c ON c.id = r.choice_id"
        " JOIN option_group g ON g.id = c.group_id"
        f" WHERE r.request_id IN ({marks(ids)}) ORDER BY g.position, g.id",
        ids,
    ):
        choices[row["request_id"]].append(
            ChosenOption(
                row["id"],
                row["grp"],
                row["name"],
                as_decimal(row["price_delta"]),
                row["lead_time_delta_days"],
            )
        )
    quotes: dict[int, QuoteView] = {}
    for row in await fetch(
        connection(),
        "SELECT id, request_id, price, lead_time_days, valid_until, note, created_at, accepted_at"
        f" FROM build_quote WHERE request_id IN ({marks(ids)}) ORDER BY id",
        ids,
    ):
        quotes[row["request_id"]] = QuoteView(  # the last one wins: the newest
            row["id"],
            as_decimal(row["price"]),
            row["lead_time_days"],
            day(row["valid_until"]),
            row["note"],
            moment(row["created_at"]),
            as_datetime(row["accepted_at"]),
        )
    return [
        BuildView(
            row["id"],
            row["number"],
            BuildStatus(row["status"]),
            row["sku"],
            row["product_name"],
            row["email"],
            row["shipping_name"],
            row["shipping_address"],
            row["notes"],
            moment(row["created_at"]),
            row["order_id"],
            choices[row["id"]],
            quotes.get(row["id"]),
        )
        for row in rows
    ]
