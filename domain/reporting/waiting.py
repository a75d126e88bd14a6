"""Waiting units by how long their orders have waited: one statement over the whole backlog."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from domain.db import connection, fetch, is_postgres

# (label, at least this many days, less than this many days)
AGE_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("under 1 week", 0, 7),
    ("1–2 weeks", 7, 14),
    ("2–4 weeks", 14, 28),
    ("4–8 weeks", 28, 56),
    ("8 weeks or more", 56, None),
)


@dataclass(frozen=True)
class AgeBucket:
    label: str
    units: int
    lines: int


def db_time(value: dt.datetime, postgres: bool) -> object:
    """A timestamp parameter. SQLite compares the text Tortoise stores: the same form here."""
    value = value.astimezone(dt.UTC)
    return value if postgres else value.isoformat(sep=" ")


async def waiting_by_age(*, now: dt.datetime) -> list[AgeBucket]:
    conn = connection()
    postgres = is_postgres(conn)
    ts = "CAST(? AS TIMESTAMPTZ)" if postgres else "?"
    columns: list[str] = []
    values: list[object] = []
    for index, (_, least, under) in enumerate(AGE_BUCKETS):
        # Placed at or before now - least, and after now - under.
        cond = f"placed_at <= {ts}"
        bounds = [db_time(now - dt.timedelta(days=least), postgres)]
        if under is not None:
            cond += f" AND placed_at > {ts}"
            bounds.append(db_time(now - dt.timedelta(days=under), postgres))
        columns.append(f"SUM(CASE WHEN {cond} THEN qty_waiting ELSE 0 END) AS u{index}")
        columns.append(f"SUM(CASE WHEN {cond} THEN 1 ELSE 0 END) AS l{index}")
        values += bounds + bounds
    row = (
        await fetch(
            conn, f"SELECT {', '.join(columns)} FROM order_line WHERE qty_waiting > 0", values
        )
    )[0]
    return [
        AgeBucket(label, int(row[f"u{i}"] or 0), int(row[f"l{i}"] or 0))
        for i, (label, _, _) in enumerate(AGE_BUCKETS)
    ]
