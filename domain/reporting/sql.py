"""Calendar days of stored timestamps, in the store's time zone, on both databases.

PostgreSQL converts exactly (``AT TIME ZONE``). SQLite has no time zones: it shifts by the
zone's offset at ``now``, which is exact except around daylight-saving changes. With the
default ``UTC`` store both are exact.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from tortoise.backends.base.client import BaseDBAsyncClient

from domain.db import is_postgres

_CENTS = "CAST(ROUND({} * 100) AS BIGINT)"


def cents_of(column: str) -> str:
    """Money summed as whole cents: SQLite would sum decimals as floats."""
    return _CENTS.format(column)


class Days:
    def __init__(self, conn: BaseDBAsyncClient, zone: ZoneInfo, now: dt.datetime) -> None:
        self.postgres = is_postgres(conn)
        self.zone = zone
        offset = now.astimezone(zone).utcoffset() or dt.timedelta()
        self.minutes = int(offset.total_seconds() // 60)

    def day(self, column: str, plus_days: int = 0) -> tuple[str, list[object]]:
        """The store-local calendar day of a timestamp column, ``plus_days`` later."""
        if self.postgres:
            return (
                f"(CAST({column} AT TIME ZONE CAST(? AS TEXT) AS DATE) + CAST(? AS INTEGER))",
                [self.zone.key, plus_days],
            )
        return f"date({column}, ?, ?)", [f"{self.minutes:+d} minutes", f"{plus_days:+d} days"]

    @property
    def date(self) -> str:
        return "CAST(? AS DATE)" if self.postgres else "?"

    def timestamp(self, value: dt.datetime) -> object:
        value = value.astimezone(dt.UTC)
        return value if self.postgres else value.isoformat(sep=" ")

    @property
    def ts(self) -> str:
        return "CAST(? AS TIMESTAMPTZ)" if self.postgres else "?"
