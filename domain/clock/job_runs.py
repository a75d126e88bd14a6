"""Each job once per period, whatever the number of processes (STACK.md, "Clock").

A run is one transaction: on PostgreSQL a transaction-scoped advisory lock keyed on
``job:period`` (a busy lock means another process is on this very period), then the job-run
row, then the work. The row is unique per job and period, so a period that already ran is
skipped, and a second writer that slipped past the lock (SQLite, several processes) fails on
the row and rolls its work back. A run that raises rolls back with its row: the period is
retried at the next tick.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from collections.abc import Awaitable, Callable
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from domain.clock.models import JobRun
from domain.db import fetch, is_postgres
from domain.request_ids import reset_request_id, set_request_id

Work = Callable[[], Awaitable[dict[str, Any]]]
RUNNER = f"{socket.gethostname()}:{os.getpid()}"


class _Taken(Exception):
    """Another process wrote this period's row first."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def run_once(job: str, period: str, work: Work) -> dict[str, Any] | None:
    """Run ``work`` for ``job`` and ``period`` unless it ran or is running; its summary, or
    None when this process did not run it."""
    try:
        async with in_transaction() as conn:
            if is_postgres(conn):
                locked = await fetch(
                    conn,
                    "SELECT pg_try_advisory_xact_lock(hashtextextended(?, 0)) AS ok",
                    [f"{job}:{period}"],
                )
                if not locked[0]["ok"]:
                    return None  # another process is on this period right now
            if await JobRun.filter(job=job, period=period).using_db(conn).exists():
                return None
            try:
                run = await JobRun.create(
                    job=job,
                    period=period,
                    started_at=_now(),
                    finished_at=_now(),
                    summary={},
                    runner=RUNNER,
                    using_db=conn,
                )
            except IntegrityError:
                raise _Taken from None
            token = set_request_id(f"clock:{job}:{period}"[:64])  # on the emails it causes
            try:
                summary = await work()
            finally:
                reset_request_id(token)
            run.summary = summary
            run.finished_at = _now()
            await run.save(using_db=conn, update_fields=["summary", "finished_at"])
            return summary
    except _Taken:
        return None


async def ran_all(period: str, jobs: list[str]) -> bool:
    """Whether every one of ``jobs`` has its row for ``period``."""
    return await JobRun.filter(period=period, job__in=jobs).count() == len(set(jobs))
