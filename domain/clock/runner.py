"""The clock's loop: at each tick, run today's jobs that have not run.

The period is the store day. A day missed while no clock ran is never run late: the next
tick runs *today*, whose dates are computed from today, so a downtime of three days is caught
up once (rule 18). ``preorder serve`` runs the loop beside the app (``CLOCK=app``, the
default); deployments with several app processes may run it as ``preorder clock`` instead,
and any number of clocks still run each job once a day.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import logging
import signal
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from domain.clock.job_runs import ran_all, run_once
from domain.clock.jobs import DAILY, day_context, store_day
from domain.context import Policy

log = logging.getLogger("preorder.clock")


@dataclass(frozen=True)
class Outcome:
    job: str
    period: str
    summary: dict[str, Any] | None  # None: it ran before, or another process is on it
    error: str = ""

    @property
    def ran(self) -> bool:
        return self.summary is not None


async def run_day(day: dt.date, policy: Policy, *, now: dt.datetime | None = None) -> list[Outcome]:
    """Run each daily job for ``day`` unless it ran already. A failing job is logged and left
    for the next tick; the jobs after it still run."""
    ctx = day_context(day, policy, now)
    period = day.isoformat()
    if await ran_all(period, [job.name for job in DAILY]):
        return [Outcome(job.name, period, None) for job in DAILY]  # one query a tick
    outcomes = []
    for job in DAILY:
        try:
            summary = await run_once(job.name, period, functools.partial(job.run, ctx))
        except Exception as error:  # noqa: BLE001 - one job's failure must not stop the clock
            log.exception("clock: %s for %s failed; it will be retried", job.name, period)
            outcomes.append(Outcome(job.name, period, None, f"{type(error).__name__}: {error}"))
            continue
        if summary is not None:
            log.info("clock: %s for %s: %s", job.name, period, summary)
        outcomes.append(Outcome(job.name, period, summary))
    return outcomes


async def run_clock(policy: Policy, stop: asyncio.Event, *, poll_seconds: float = 60.0) -> None:
    """Tick until ``stop``: each tick runs what today still needs."""
    while not stop.is_set():
        try:
            await run_day(store_day(policy), policy)
        except Exception:  # noqa: BLE001 - the loop must survive a database outage
            log.exception("clock: the tick failed; trying again in %.0f s", poll_seconds)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=poll_seconds)


@contextlib.asynccontextmanager
async def running_clock(policy: Policy, *, poll_seconds: float = 60.0) -> AsyncIterator[None]:
    """The clock as a task beside the app; stopped (its current job finished) on the way out."""
    stop = asyncio.Event()
    task = asyncio.create_task(run_clock(policy, stop, poll_seconds=poll_seconds), name="clock")
    try:
        yield
    finally:
        stop.set()
        await task


async def serve_clock(database_url: str, policy: Policy, poll_seconds: float) -> None:
    """``preorder clock``: only the clock, until SIGINT or SIGTERM."""
    from tortoise import Tortoise

    from domain.db import tortoise_config

    await Tortoise.init(config=tortoise_config(database_url), _enable_global_fallback=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        log.info("clock running for the store day in %s; stop with Ctrl-C", policy.store_timezone)
        await run_clock(policy, stop, poll_seconds=poll_seconds)
    finally:
        await Tortoise.close_connections()
