"""``python -m bench.pool [DATABASE_URL]``: what asyncpg's reset on check-in costs.

Tortoise checks a pooled connection out for each query. Three ways to run ``SELECT 1``,
interleaved in rounds (this machine is shared; the minimum is the figure, the median beside
it): a pool that resets each connection handed back (asyncpg's default), the pool the service
builds (``domain.db.keep_session``: no reset beyond rolling back an open transaction), and the
FLOOR, one connection and no pool at all.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time

import asyncpg

from domain.db import keep_session

ROUNDS, QUERIES = 8, 1000


async def _pooled(pool: asyncpg.Pool) -> float:
    started = time.perf_counter()
    for _ in range(QUERIES):
        async with pool.acquire() as conn:
            await conn.fetch("SELECT 1")
    return (time.perf_counter() - started) / QUERIES * 1e6


async def _floor(conn: asyncpg.Connection) -> float:
    started = time.perf_counter()
    for _ in range(QUERIES):
        await conn.fetch("SELECT 1")
    return (time.perf_counter() - started) / QUERIES * 1e6


async def run(url: str) -> dict[str, list[float]]:
    url = url.replace("postgresql://", "postgres://", 1)
    reset = await asyncpg.create_pool(url, min_size=1, max_size=4)
    kept = await asyncpg.create_pool(url, min_size=1, max_size=4, reset=keep_session)
    raw = await asyncpg.connect(url)
    figures: dict[str, list[float]] = {
        "reset on check-in": [],
        "service (no reset)": [],
        "FLOOR": [],
    }
    try:
        for _ in range(ROUNDS):
            figures["reset on check-in"].append(await _pooled(reset))
            figures["service (no reset)"].append(await _pooled(kept))
            figures["FLOOR"].append(await _floor(raw))
    finally:
        await reset.close()
        await kept.close()
        await raw.close()
    return figures


def main() -> None:
    url = sys.argv[1] if len(sys.argv) > 1 else "postgres://postgres@127.0.0.1:5432/postgres"
    figures = asyncio.run(run(url))
    print(f"SELECT 1 through a pool, {ROUNDS} rounds of {QUERIES}, us per query:")
    for name, values in figures.items():
        print(f"  {name:20} min {min(values):7.1f}   median {statistics.median(values):7.1f}")


if __name__ == "__main__":
    main()
