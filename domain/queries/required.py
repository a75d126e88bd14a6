"""``rows.as_date`` / ``rows.as_datetime`` for NOT NULL columns: never None, so typed so."""

from __future__ import annotations

import datetime as dt

from domain.queries.rows import as_date, as_datetime


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
