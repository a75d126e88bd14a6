"""Tortoise 1.1.9 keeps what it took when entering a connection or transaction fails.

- ``ConnectionWrapper`` and ``SqliteTransactionContext`` take the client's lock and then
  connect; when connecting fails (SQLite: "unable to open database file") the lock is never
  released, and every later statement of the process waits on it forever.
- ``TransactionContextPooled`` takes a pool connection and sets the context's connection, then
  sends BEGIN; when BEGIN fails (the server went away) the connection never returns to the
  pool, and after ``DB_POOL_SIZE`` such failures every request of the process waits forever.
- Its exit releases the connection and then restores the context's connection; when releasing
  a connection the server dropped raises, the context keeps the dead transaction, and the next
  transaction in the same task (a retry) nests in it: "connection has been released back to
  the pool".

A database outage must cost failed requests, never a hung process: each ``__aenter__`` is
wrapped so that, when it raises, what it took is given back.

One more, for speed: the SQLite transaction's ``begin()`` sends a COMMIT before its BEGIN, one
more trip to the driver's thread per transaction, though the connection is in autocommit mode
(``isolation_level=None``) and has nothing to commit. :func:`_sqlite_begin` commits only when
the driver says a transaction is still open. Applied once, at import of
``domain.db``.
"""

from __future__ import annotations

import contextlib
import sqlite3
from typing import Any

from tortoise.backends.base.client import ConnectionWrapper, TransactionContextPooled
from tortoise.backends.sqlite.client import SqliteTransactionContext
from tortoise.connection import get_connections
from tortoise.exceptions import TransactionManagementError


async def _connection_enter(self: Any) -> Any:
    await self._lock.acquire()
    try:
        await self.ensure_connection()
    except BaseException:
        self._lock.release()
        raise
    return self.connection


async def _sqlite_begin(wrapper: Any) -> None:
    """``SqliteTransactionWrapper.begin`` without the COMMIT of a connection that has nothing
    to commit (``in_transaction`` reads SQLite's autocommit flag, no trip to the thread)."""
    raw = wrapper._connection
    try:
        if raw.in_transaction:
            await raw.commit()
        await raw.execute("BEGIN")
    except sqlite3.OperationalError as exc:
        raise TransactionManagementError(exc) from exc


async def _sqlite_transaction_enter(self: Any) -> Any:
    await self._trxlock.acquire()
    try:
        await self.ensure_connection()
        self.token = get_connections().set(self.connection_name, self.connection)
        try:
            await _sqlite_begin(self.connection)
        except BaseException:
            get_connections().reset(self.token)
            raise
    except BaseException:
        self._trxlock.release()
        raise
    return self.connection


async def _pooled_transaction_enter(self: Any) -> Any:
    await self.ensure_connection()
    pool = self.client._parent._pool
    self.client._connection = await pool.acquire()
    self.token = get_connections().set(self.connection_name, self.client)
    try:
        await self.client.begin()
    except BaseException:
        get_connections().reset(self.token)
        with contextlib.suppress(Exception):
            await pool.release(self.client._connection)
        raise
    return self.client


async def _pooled_transaction_exit(self: Any, exc_type: Any, exc_val: Any, exc_tb: Any) -> None:
    try:
        if not self.client._finalized:
            if exc_type:
                # Can't rollback a transaction that already failed.
                if exc_type is not TransactionManagementError:
                    await self.client.rollback()
            else:
                await self.client.commit()
    finally:
        try:
            if self.client._parent._pool:
                await self.client._parent._pool.release(self.client._connection)
        finally:
            get_connections().reset(self.token)


def apply() -> None:
    """The upstream bodies (tortoise-orm 1.1.9), each with the release it lacks."""
    ConnectionWrapper.__aenter__ = _connection_enter  # type: ignore[method-assign]
    SqliteTransactionContext.__aenter__ = _sqlite_transaction_enter  # type: ignore[method-assign]
    TransactionContextPooled.__aenter__ = _pooled_transaction_enter  # type: ignore[method-assign]
    TransactionContextPooled.__aexit__ = _pooled_transaction_exit  # type: ignore[method-assign]
