"""Reading raw rows the same way on SQLite and PostgreSQL.

Read models select with hand-written SQL for speed (no ORM objects per row). SQLite hands back
dates, timestamps and decimals as text and booleans as integers; PostgreSQL hands back Python
values. These converters make both look like PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any, TypeVar

T = TypeVar("T")
CHUNK = 500  # ids per IN list: well under both databases' parameter limits


def as_date(value: object) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def day(value: object) -> dt.date:
    """A date column that is never null."""
    found = as_date(value)
    if found is None:
        raise ValueError("a date was expected")
    return found


def as_datetime(value: object) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        moment = value
    else:
        moment = dt.datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment


def as_decimal(value: object) -> Decimal:
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value))


def cents(value: Any) -> Decimal:
    """An integer number of cents (summed in SQL) as money."""
    return (Decimal(int(value or 0)) / 100).quantize(Decimal("0.01"))


def moment(value: object) -> dt.datetime:
    """A timestamp column that is never null."""
    found = as_datetime(value)
    if found is None:
        raise ValueError("a timestamp was expected")
    return found


def as_bool(value: object) -> bool:
    return bool(value)


def marks(values: Sequence[object]) -> str:
    """``?, ?, ?`` for an IN list."""
    return ", ".join("?" for _ in values)


def chunks(values: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


# For NOT NULL columns: never None, so typed so.


def date_of(value: object) -> dt.date:
    found = as_date(value)
    if found is None:
        raise ValueError("a NOT NULL date column was NULL")
    return found


def moment_of(value: object) -> dt.datetime:
    found = as_datetime(value)
    if found is None:
        raise ValueError("a NOT NULL timestamp column was NULL")
    return found
