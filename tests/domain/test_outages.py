"""Telling an outage from a bug, and failing fast while the database is away."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import asyncpg
import pytest
from tortoise.exceptions import IntegrityError, OperationalError
from tortoise.transactions import in_transaction

from domain.catalog.models import Product
from domain.db import DatabaseUnavailable, outage, with_retries
from tests.outage import database_down


def _wrapped(error: Exception) -> Exception:
    """As Tortoise raises it: its own error, raised while handling the driver's."""
    try:
        try:
            raise error
        except Exception as driver:
            raise OperationalError(driver) from driver
    except OperationalError as wrapped:
        return wrapped


OUTAGES = {
    "refused": ConnectionRefusedError(111, "Connect call failed"),
    "reset": ConnectionResetError(),
    "pool wait timed out": TimeoutError(),
    "server shutting down": asyncpg.exceptions.AdminShutdownError("terminating connection"),
    "server starting": asyncpg.exceptions.CannotConnectNowError("the database is starting up"),
    "connection lost": asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed"),
    "terminated mid-query": asyncpg.exceptions.InternalClientError(
        "cannot switch to state 12; another operation (2) is in progress"
    ),
    "too many connections": asyncpg.exceptions.TooManyConnectionsError("sorry"),
    "statement timeout": asyncpg.exceptions.QueryCanceledError("canceling statement"),
    "serialization past retries": asyncpg.exceptions.SerializationError("could not serialize"),
    "deadlock past retries": asyncpg.exceptions.DeadlockDetectedError("deadlock detected"),
    "sqlite locked": _wrapped(sqlite3.OperationalError("database is locked")),
    "sqlite cannot open": _wrapped(sqlite3.OperationalError("unable to open database file")),
}
BUGS = {
    "syntax": _wrapped(sqlite3.OperationalError('near "SELEC": syntax error')),
    "missing table": _wrapped(sqlite3.OperationalError("no such table: nothing")),
    "constraint": IntegrityError("UNIQUE constraint failed"),
    "plain bug": KeyError("missing"),
    "undefined column": asyncpg.exceptions.UndefinedColumnError("column x does not exist"),
}


@pytest.mark.parametrize("name", list(OUTAGES))
def test_driver_errors_of_an_unreachable_or_overloaded_database_are_outages(name: str) -> None:
    found = outage(OUTAGES[name])
    assert isinstance(found, DatabaseUnavailable)
    assert found.retry_after > 0


@pytest.mark.parametrize("name", list(BUGS))
def test_errors_of_a_wrong_statement_are_bugs_not_outages(name: str) -> None:
    assert outage(BUGS[name]) is None


async def test_a_unit_of_work_that_keeps_losing_its_database_ends_as_database_unavailable() -> None:
    attempts = 0

    async def work() -> None:
        nonlocal attempts
        attempts += 1
        raise ConnectionRefusedError(111, "Connect call failed")

    with pytest.raises(DatabaseUnavailable):
        await with_retries(work)
    assert attempts == 4


async def test_every_statement_fails_at_once_while_the_database_is_away_none_hangs(
    db: str, tmp_path: Path
) -> None:
    """Tortoise kept its lock (SQLite) when connecting failed: the next statement hung."""

    async def write() -> None:
        async with in_transaction():
            await Product.all().count()

    async with database_down(tmp_path):
        for _ in range(3):
            for statement in (Product.all().count, write):
                with pytest.raises(Exception) as failed:
                    await asyncio.wait_for(statement(), timeout=5)
                assert not isinstance(failed.value, TimeoutError), "the statement hung"
                assert outage(failed.value) is not None, repr(failed.value)
    assert await Product.all().count() == 0
