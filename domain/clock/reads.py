"""What staff see of the clock: each daily job's last run, what it changed, and the next."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from domain.clock.jobs import DAILY
from domain.clock.models import JobRun


@dataclass(frozen=True)
class JobStatus:
    job: str
    what: str
    last_day: dt.date | None  # None: never ran
    finished_at: dt.datetime | None
    changed: tuple[tuple[str, Any], ...]  # ("lines moved", 3), ...
    runner: str
    next_day: dt.date  # today while today's run is still to come


@dataclass(frozen=True)
class ClockView:
    today: dt.date
    jobs: list[JobStatus]

    @property
    def caught_up(self) -> bool:
        return all(job.last_day == self.today for job in self.jobs)


async def clock_view(today: dt.date) -> ClockView:
    """One query: the newest run of each daily job."""
    names = [job.name for job in DAILY]
    newest: dict[str, dict[str, Any]] = {}
    for row in (
        await JobRun.filter(job__in=names)
        .order_by("-period", "-id")
        .limit(len(names) * 14)
        .values("job", "period", "finished_at", "summary", "runner")
    ):
        newest.setdefault(row["job"], row)
    jobs = []
    for job in DAILY:
        run: dict[str, Any] = newest.get(job.name) or {}
        last = dt.date.fromisoformat(run["period"]) if run else None
        summary = run["summary"] if run and isinstance(run["summary"], dict) else {}
        jobs.append(
            JobStatus(
                job=job.name,
                what=job.what,
                last_day=last,
                finished_at=run.get("finished_at"),
                changed=tuple(  # by name: PostgreSQL keeps JSON keys in its own order
                    (key.replace("_", " "), value) for key, value in sorted(summary.items())
                ),
                runner=run.get("runner", ""),
                next_day=today + dt.timedelta(days=1) if last and last >= today else today,
            )
        )
    return ClockView(today, jobs)
