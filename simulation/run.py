"""Run the world under one policy in a database of its own, and measure its promises.

Each policy gets a fresh database (a SQLite file, or a PostgreSQL database named after the
one given), migrated as ``preorder migrate`` does; the figures come from
:func:`domain.reporting.promises.promise_rows` and :mod:`domain.reporting.promise_figures`,
the code behind the staff reports and ``promiseReport``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from tortoise import Tortoise

from domain.context import Context, Policy
from domain.db import tortoise_config
from domain.migrate import migrate
from domain.reporting.promise_figures import PromiseReport, promise_report
from domain.reporting.promises import promise_rows
from simulation import inline_sqlite
from simulation.days import Counts, Simulation
from simulation.store import Dice, build_catalogue
from simulation.world import World

FACE_VALUE = "face-value"
LEARNED = "learned"
POLICIES = (FACE_VALUE, LEARNED)


def policy_for(name: str, learned: Policy) -> Policy:
    """``learned`` is the store's policy (rule 21, its settings); ``face-value`` takes each
    supplier's date at its word."""
    base = dataclasses.replace(learned, secret_key="simulation", store_timezone="UTC")
    if name == LEARNED:
        return base
    return dataclasses.replace(base, slip_learning=False)


@dataclass(frozen=True)
class Outcome:
    policy: str
    report: PromiseReport
    counts: Counts
    seconds: float  # wall-clock, migration included
    cpu_seconds: float  # this process's CPU (the driver's threads included)
    database: str


def database_for(base_url: str | None, folder: Path, policy: str) -> str:
    """Where ``policy`` runs: ``<folder>/<policy>.db``, or ``<database>_<policy>`` on the
    PostgreSQL server of ``base_url``."""
    if not base_url:
        # A throwaway file: no fsync at each commit (the simulation measures promises, not disks).
        return f"sqlite://{folder / (policy + '.db')}?journal_mode=WAL&synchronous=OFF"
    parts = urlsplit(base_url)
    name = parts.path.lstrip("/") or "preorder"
    return urlunsplit(parts._replace(path=f"/{name}_{policy.replace('-', '_')}"))


async def fresh_postgres(url: str, *, create: bool = True) -> None:
    """Drop (and create again, unless ``create`` is False) the policy's own database."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    server = urlunsplit(parts._replace(path="/postgres", scheme="postgresql"))
    conn = await asyncpg.connect(server)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if create:
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def prepare(url: str) -> None:
    """A fresh, migrated database at ``url``."""
    if url.startswith("sqlite://"):
        Path(urlsplit(url).path).unlink(missing_ok=True)
    else:
        await fresh_postgres(url)
    await migrate(url)


async def run_policy(
    world: World, seed: int, days: int, name: str, policy: Policy, url: str, *, fresh: bool = True
) -> Outcome:
    """The world under ``policy`` for ``days`` days in the database at ``url`` (made fresh
    unless ``fresh`` is False: then it must be migrated and empty)."""
    started, cpu = time.perf_counter(), time.process_time()
    if fresh:
        await prepare(url)
    await Tortoise.init(config=tortoise_config(url), _enable_global_fallback=True)
    try:
        dice = Dice(seed)
        catalogue = await build_catalogue(world, dice)
        sim = Simulation(world, dice, catalogue, policy)
        first = world.store.start
        for offset in range(days):
            await sim.day(first + dt.timedelta(days=offset))
        last = first + dt.timedelta(days=max(days - 1, 0))
        ctx = Context.system(policy, dt.datetime.combine(last, dt.time(23, 59), tzinfo=dt.UTC))
        lines, notices = await promise_rows(ctx, since=first)
        report = promise_report(lines, notices, first=first, last=last)
    finally:
        await Tortoise.close_connections()
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    return Outcome(name, report, sim.counts, wall, cpu, url)


def run_in_process(
    world: World, seed: int, days: int, name: str, policy: Policy, url: str, fresh: bool
) -> Outcome:
    """:func:`run_policy` in a process of its own (one per policy, side by side), its SQLite
    statements run inline (:mod:`simulation.inline_sqlite`)."""
    inline_sqlite.install()
    return asyncio.run(run_policy(world, seed, days, name, policy, url, fresh=fresh))
