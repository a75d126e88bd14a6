"""Tortoise configuration, dialect-neutral raw SQL, and driver-error classification."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.exceptions import DBConnectionError

from domain import tortoise_fixes
from domain.errors import Unavailable

tortoise_fixes.apply()

MODEL_MODULES = [
    "domain.catalog.models",
    "domain.customers.models",
    "domain.ordering.models",
    "domain.purchasing.models",
    "domain.shipping.models",
    "domain.builds.models",
    "domain.outbox.models",
    "domain.ledger.models",
    "domain.staff.models",
    "domain.audit.models",
    "domain.ratelimit.models",
    "domain.clock.models",
    "domain.webhooks.models",
]

T = TypeVar("T")


async def keep_session(raw: Any) -> None:
    """What the pool does to a connection handed back, beyond rolling back a transaction left
    open (asyncpg does that first, whatever this does): nothing.

    asyncpg's default sends ``pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL`` on
    every check-in, and Tortoise checks a connection out per query: measured here, 270 us a
    query with it, 86 us without (README, "Running in production"). Nothing of the service
    keeps session state on a pooled connection: advisory locks are transaction-scoped (the
    clock's ``_xact_`` lock), nothing listens for notifications, no cursor outlives its
    transaction, no session setting is changed, and the timeouts are start-up parameters,
    which a reset would keep anyway.
    tests/ops/test_connection_reset.py holds the service to that.
    """


def tortoise_config(
    database_url: str, *, pool_size: int = 10, statement_timeout_ms: int = 15000
) -> dict[str, Any]:
    """Build the Tortoise config; PostgreSQL gets a bounded pool and server-side timeouts."""
    connection = expand_db_url(database_url)
    if connection["engine"] == "tortoise.backends.asyncpg":
        credentials = connection["credentials"]
        credentials["minsize"] = 1
        credentials["maxsize"] = pool_size
        credentials["timeout"] = 5  # connecting: a server that does not answer is down
        credentials["reset"] = keep_session  # see keep_session: no round trip per check-in
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
    return numbered(query) if is_postgres(conn) else query


def numbered(query: str) -> str:
    """``?`` placeholders as PostgreSQL's ``$1, $2, ...``."""
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

# SQLSTATEs that mean the server cannot serve now, whatever the request: connection
# exceptions (class 08), shutting down or starting up (57P01-57P03), too many connections,
# a statement or lock wait cut off by its timeout, and retryable conflicts that outlived
# their retries.
OUTAGE_SQLSTATES = RETRYABLE_SQLSTATES | {"53300", "57014", "55P03", "57P01", "57P02", "57P03"}
OUTAGE_TEXT = (
    "database is locked",
    "database table is locked",
    "unable to open database file",
    "disk i/o error",
    "connection is closed",
    "connection was closed",
    "pool is closing",
    "pool is closed",
    "deadlock detected",
    # asyncpg, when the server terminates a connection in the middle of a query (a shutdown):
    # the termination message arrives while the protocol is busy with the query.
    "cannot switch to state",
)


class DatabaseUnavailable(Exception):
    """The database could not serve the request (down, restarting, overloaded or locked):
    nothing about the request is wrong, and the same request may succeed shortly.

    Deliberately not a ``DomainError``: a door's ``except DomainError`` turns those into form
    or payload errors, and an outage is neither. It goes on up, and each door answers it once
    (GraphQL: ``UNAVAILABLE`` with 503; pages: the 503 page), both with ``Retry-After``.
    :func:`outage` is the one place that tells a driver error of this kind from a bug.
    """

    code = "unavailable"
    retry_after = 5  # seconds: a restart of the database takes about this long

    def __init__(
        self, message: str = "The store is temporarily unavailable; please try again shortly."
    ) -> None:
        super().__init__(message)
        self.message = message


def _chain(error: BaseException) -> list[BaseException]:
    """The error and the errors it was raised from or while handling, nearest first."""
    seen: list[BaseException] = []
    todo: list[BaseException | None] = [error]
    while todo and len(seen) < 16:
        current = todo.pop(0)
        if current is None or any(current is known for known in seen):
            continue
        seen.append(current)
        todo += [current.__cause__, current.__context__]
    return seen


def _is_outage(error: BaseException) -> bool:
    code = getattr(error, "sqlstate", None)
    if code and (str(code) in OUTAGE_SQLSTATES or str(code).startswith("08")):
        return True
    if isinstance(error, (OSError, TimeoutError, DBConnectionError)):
        return True  # refused, reset, unreachable; a connect or pool wait that timed out
    text = str(error).lower()
    return any(part in text for part in OUTAGE_TEXT)


def outage(error: BaseException) -> DatabaseUnavailable | None:
    """The outage behind ``error``, or None when it is not one (a bug stays a bug).

    Tortoise passes driver errors through raw or wraps them (``OperationalError`` from
    ``sqlite3.OperationalError``), so the whole chain of causes is read.
    """
    for candidate in _chain(error):
        if isinstance(candidate, DatabaseUnavailable):
            return candidate
        if _is_outage(candidate):
            unavailable = DatabaseUnavailable()
            unavailable.__cause__ = error
            return unavailable
    return None


def _sqlstate(error: BaseException) -> str | None:
    for candidate in _chain(error):
        code = getattr(candidate, "sqlstate", None)
        if code:
            return str(code)
    return None


def is_transient(error: BaseException) -> bool:
    """Worth running the whole unit of work again at once: a conflict, or a lost connection."""
    if isinstance(error, (Unavailable, DatabaseUnavailable)):
        return False  # already decided, e.g. by an inner retry loop
    return _sqlstate(error) in RETRYABLE_SQLSTATES or outage(error) is not None


async def with_retries(work: Callable[[], Awaitable[T]], *, attempts: int = 4) -> T:
    """Run a transactional unit of work again after a deadlock or serialization failure.

    Driver errors that persist become ``DatabaseUnavailable``; a client never sees them raw.
    """
    for attempt in range(1, attempts + 1):
        try:
            return await work()
        except Exception as error:  # noqa: BLE001 - classified below
            if not is_transient(error):
                raise
            if attempt == attempts:
                raise DatabaseUnavailable() from error
            await asyncio.sleep(0.01 * 2**attempt)
    raise AssertionError("unreachable")


MAX_PARAMETERS = 900  # per statement: far below SQLite's limit (32,766) and PostgreSQL's (32,767)


def packed(
    items: Sequence[T], cost: Callable[[T], int], budget: int = MAX_PARAMETERS
) -> list[list[T]]:
    """``items`` in order, in groups whose parameters (``cost`` each) stay within ``budget``.

    An item that alone costs more than the budget gets a group of its own.
    """
    groups: list[list[T]] = []
    used = budget
    for item in items:
        weight = cost(item)
        if used + weight > budget or not groups:
            groups.append([])
            used = 0
        groups[-1].append(item)
        used += weight
    return groups


class Dialect:
    """The few SQL spellings that differ between SQLite and PostgreSQL."""

    def __init__(self, conn: BaseDBAsyncClient) -> None:
        self.postgres = is_postgres(conn)

    @property
    def date(self) -> str:
        """A date parameter: PostgreSQL cannot infer its type inside CASE."""
        return "CAST(? AS DATE)" if self.postgres else "?"

    @property
    def integer(self) -> str:
        """An integer parameter whose type PostgreSQL cannot infer (in VALUES, in CASE)."""
        return "CAST(? AS BIGINT)" if self.postgres else "?"

    @property
    def text(self) -> str:
        return "CAST(? AS TEXT)" if self.postgres else "?"

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
