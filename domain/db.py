"""Tortoise configuration, dialect-neutral raw SQL, and driver-error classification."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.backends.base.config_generator import expand_db_url

from domain.errors import Unavailable

MODEL_MODULES = [
    "domain.catalog.models",
    "domain.customers.models",
    "domain.ordering.models",
    "domain.purchasing.models",
    "domain.shipping.models",
    "domain.builds.models",
    "domain.notifications.models",
    "domain.reporting.models",
    "domain.staff.models",
    "domain.audit.models",
    "domain.ratelimit.models",
    "domain.clock.models",
]

T = TypeVar("T")


def tortoise_config(
    database_url: str, *, pool_size: int = 10, statement_timeout_ms: int = 15000
) -> dict[str, Any]:
    """Build the Tortoise config; PostgreSQL gets a bounded pool and server-side timeouts."""
    connection = expand_db_url(database_url)
    if connection["engine"] == "tortoise.backends.asyncpg":
        credentials = connection["credentials"]
        credentials["minsize"] = 1
        credentials["maxsize"] = pool_size
        credentials["server_settings"] = {
            "statement_timeout": str(statement_timeout_ms),
            "lock_timeout": str(statement_timeout_ms),
            "application_name": "preorder",
        }
    return {
        "connections": {"default": connection},
        "apps": {
            "models": {
                "models": MODEL_MODULES,
                "default_connection": "default",
                "migrations": "migrations",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def connection() -> BaseDBAsyncClient:
    return connections.get("default")


def is_postgres(conn: BaseDBAsyncClient | None = None) -> bool:
    return (conn or connection()).capabilities.dialect == "postgres"


def sql(conn: BaseDBAsyncClient, query: str) -> str:
    """Write queries with ``?`` placeholders; PostgreSQL gets ``$1, $2, ...``."""
    if not is_postgres(conn):
        return query
    parts = query.split("?")
    out = [parts[0]]
    for number, part in enumerate(parts[1:], start=1):
        out.append(f"${number}{part}")
    return "".join(out)


async def fetch(conn: BaseDBAsyncClient, query: str, values: Sequence[Any] = ()) -> list[dict]:
    return await conn.execute_query_dict(sql(conn, query), list(values))


async def execute(conn: BaseDBAsyncClient, query: str, values: Sequence[Any] = ()) -> int:
    """Run a data change and return its row count.

    On PostgreSQL the count is read from the command status itself ("INSERT 0 5",
    "UPDATE 3"); Tortoise misreads it for INSERT and for statements that start with WITH.
    """
    if is_postgres(conn):
        async with conn.acquire_connection() as raw:
            status = await raw.execute(sql(conn, query), *values)
        try:
            return int(status.rsplit(" ", 1)[-1])
        except ValueError:
            return 0
    rowcount, _ = await conn.execute_query(query, list(values))
    return int(rowcount)


RETRYABLE_SQLSTATES = {"40001", "40P01"}  # serialization failure, deadlock detected


def _sqlstate(error: BaseException) -> str | None:
    for candidate in (error, error.__cause__, error.__context__):
        code = getattr(candidate, "sqlstate", None)
        if code:
            return str(code)
    return None


def is_transient(error: BaseException) -> bool:
    if _sqlstate(error) in RETRYABLE_SQLSTATES:
        return True
    text = str(error).lower()
    return (
        "database is locked" in text
        or "deadlock detected" in text
        or isinstance(error, (ConnectionError, OSError))
    )


async def with_retries(work: Callable[[], Awaitable[T]], *, attempts: int = 4) -> T:
    """Run a transactional unit of work again after a deadlock or serialization failure.

    Driver errors that persist become ``Unavailable``; a client never sees them raw.
    """
    for attempt in range(1, attempts + 1):
        try:
            return await work()
        except Exception as error:  # noqa: BLE001 - classified below
            if not is_transient(error):
                raise
            if attempt == attempts:
                raise Unavailable("The store is busy; please try again.") from error
            await asyncio.sleep(0.01 * 2**attempt)
    raise AssertionError("unreachable")


class Dialect:
    """The few SQL spellings that differ between SQLite and PostgreSQL."""

    def __init__(self, conn: BaseDBAsyncClient) -> None:
        self.postgres = is_postgres(conn)

    @property
    def date(self) -> str:
        """A date parameter: PostgreSQL cannot infer its type inside CASE."""
        return "CAST(? AS DATE)" if self.postgres else "?"

    @property
    def timestamp(self) -> str:
        return "CAST(? AS TIMESTAMPTZ)" if self.postgres else "?"

    def least(self, a: str, b: str) -> str:
        return f"LEAST({a}, {b})" if self.postgres else f"MIN({a}, {b})"

    def days_between(self, later: str, earlier: str) -> str:
        if self.postgres:
            return f"({later} - {earlier})"
        return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"

    @property
    def random_hex(self) -> str:
        if self.postgres:
            return "replace(CAST(gen_random_uuid() AS TEXT), '-', '')"
        return "lower(hex(randomblob(16)))"

    @property
    def true(self) -> str:
        return "TRUE" if self.postgres else "1"
