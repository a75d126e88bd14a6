"""What the service is doing, read at a metrics scrape: outbox depth and age by kind, dead
letters, the clock's runs, and this process's pool of database connections.

Read from the database (not counted in memory) so that one scrape of one web process sees the
work of every process: the worker's sending and the clock's runs included.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tortoise import connections

from domain.db import connection, fetch
from domain.rows import as_datetime


@dataclass(frozen=True)
class OutboxFigures:
    kind: str
    pending: int
    oldest_pending_age_seconds: float
    dead: int


@dataclass(frozen=True)
class ClockFigures:
    job: str
    runs: int
    last_duration_seconds: float
    last_finished_at: dt.datetime | None


@dataclass(frozen=True)
class PoolUse:
    size: int
    idle: int
    max_size: int

    @property
    def in_use(self) -> int:
        return self.size - self.idle


async def outbox_figures(now: dt.datetime) -> list[OutboxFigures]:
    rows = await fetch(
        connection(),
        "SELECT kind, SUM(CASE WHEN status = 'pending' THEN 1 ELSE 0 END) AS pending,"
        " MIN(CASE WHEN status = 'pending' THEN created_at END) AS oldest,"
        " SUM(CASE WHEN status = 'dead' THEN 1 ELSE 0 END) AS dead"
        " FROM outbox_message WHERE status IN ('pending', 'dead') GROUP BY kind ORDER BY kind",
    )
    figures = []
    for row in rows:
        oldest = as_datetime(row["oldest"])
        age = max(0.0, (now - oldest).total_seconds()) if oldest else 0.0
        figures.append(
            OutboxFigures(str(row["kind"]), int(row["pending"] or 0), age, int(row["dead"] or 0))
        )
    return figures


async def clock_figures() -> list[ClockFigures]:
    counts = await fetch(
        connection(), "SELECT job, COUNT(*) AS runs, MAX(id) AS last FROM job_run GROUP BY job"
    )
    if not counts:
        return []
    last_ids = [row["last"] for row in counts]
    marks = ", ".join("?" for _ in last_ids)
    last = {
        row["id"]: row
        for row in await fetch(
            connection(),
            f"SELECT id, started_at, finished_at FROM job_run WHERE id IN ({marks})",
            last_ids,
        )
    }
    figures = []
    for row in sorted(counts, key=lambda r: str(r["job"])):
        run = last.get(row["last"])
        started = as_datetime(run["started_at"]) if run else None
        finished = as_datetime(run["finished_at"]) if run else None
        duration = (finished - started).total_seconds() if started and finished else 0.0
        figures.append(ClockFigures(str(row["job"]), int(row["runs"]), duration, finished))
    return figures


def pool_use() -> PoolUse | None:
    """This process's PostgreSQL pool; None on SQLite (one connection) or before start-up."""
    try:
        client = connections.get("default")
    except Exception:  # noqa: BLE001 - the ORM is not initialised in this process
        return None
    pool = getattr(client, "_pool", None)
    if pool is None:
        return None
    return PoolUse(pool.get_size(), pool.get_idle_size(), pool.get_max_size())
