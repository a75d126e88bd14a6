"""The simulator's SQLite statements run on the event loop's own thread.

aiosqlite runs every statement on a worker thread and hands the result back through the event
loop: a queue put that wakes the worker, and a wake-up of the loop when it is done, so two
thread switches per statement. A store serving requests needs that (the loop keeps answering
while a statement runs). A simulated store does not: each policy runs in a process of its own,
with one connection and one coroutine, and nothing to do while a statement runs. Measured on
the default year's first 60 days (2 cores, other work running), the switches were more than
half of the wall-clock time: ``SimpleQueue.put_nowait`` alone 109 s of 345 s.

:func:`install` makes ``aiosqlite.connect`` return a connection that calls the sqlite3
function directly. The statements, their order, their transactions and every domain service
stay as they are; only where the driver runs them changes. It is installed only in the
simulator's policy processes (``simulation.run.run_in_process``): the app, the clock and the
tests keep aiosqlite's worker thread.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any

import aiosqlite


class InlineConnection(aiosqlite.Connection):
    """An ``aiosqlite.Connection`` whose worker thread is never started."""

    def __await__(self) -> Generator[Any, None, aiosqlite.Connection]:
        return self._connect().__await__()

    async def _connect(self) -> InlineConnection:
        if self._connection is None:
            self._connection = self._connector()
        return self

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        return fn(*args, **kwargs)

    def stop(self) -> None:
        self._running = False
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def connect(database: str | Path, *, iter_chunk_size: int = 64, **kwargs: Any) -> InlineConnection:
    """``aiosqlite.connect`` with the statements run inline."""

    def connector() -> sqlite3.Connection:
        return sqlite3.connect(str(database), **kwargs)

    return InlineConnection(connector, iter_chunk_size)


def install() -> None:
    """Every SQLite connection this process opens from now on runs its statements inline."""
    aiosqlite.connect = connect  # type: ignore[assignment]
