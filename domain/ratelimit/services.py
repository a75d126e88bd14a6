"""``hit(name, key)``: count one call against a rate, across every process on the database.

The generic cell rate algorithm in one statement per call. Each key keeps a "theoretical
arrival time" (``tat``): the moment its bucket would be empty again. A call is let through when
pushing ``tat`` one interval further still leaves it within one period of now; the upsert only
writes when it lets the call through, so a refused call changes nothing and returns no row.
One ``INSERT ... ON CONFLICT DO UPDATE ... WHERE ... RETURNING`` is atomic on PostgreSQL (the
row is locked) and on SQLite (one writer): parallel calls, from any number of processes,
let exactly ``limit`` through at once. Times are Unix seconds as floats, so the same arithmetic
runs on both databases.

Keys are stored hashed: the table holds no email address or IP address.
"""

from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass

from domain.context import Context
from domain.db import connection, execute, fetch
from domain.errors import RateLimited

SWEEP_ONE_IN = 200  # now and then, forget keys whose bucket is full again

_GCRA = (
    "INSERT INTO rate_limit AS r (bucket, tat) VALUES (?, ?)"
    " ON CONFLICT (bucket) DO UPDATE SET tat = (CASE WHEN r.tat > ? THEN r.tat ELSE ? END) + ?"
    " WHERE (CASE WHEN r.tat > ? THEN r.tat ELSE ? END) + ? <= ?"
    " RETURNING tat"
)


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int = 0  # whole seconds until a call would be let through


def bucket(name: str, key: str) -> str:
    return f"{name}:{hashlib.sha256(key.encode()).hexdigest()[:40]}"


async def hit(name: str, key: str, *, ctx: Context) -> Verdict:
    """Count one call of ``key`` against the rate ``name`` of ``ctx.policy.limits``."""
    rate = ctx.policy.limits.rate(name)
    if rate is None:
        return Verdict(True)
    conn = connection()
    now = ctx.now.timestamp()
    step = rate.interval
    row = bucket(name, key)
    values = [row, now + step, now, now, step, now, now, step, now + rate.period]
    rows = await fetch(conn, _GCRA, values)
    if rows:
        if random.randrange(SWEEP_ONE_IN) == 0:
            await execute(conn, "DELETE FROM rate_limit WHERE tat < ?", [now])
        return Verdict(True)
    held = await fetch(conn, "SELECT tat FROM rate_limit WHERE bucket = ?", [row])
    tat = float(held[0]["tat"]) if held else now
    return Verdict(False, max(1, math.ceil(tat + step - rate.period - now)))


async def check(name: str, key: str, *, ctx: Context) -> None:
    """Like ``hit``, but a refusal raises ``RateLimited`` (a DomainError, code ``rate_limited``)."""
    verdict = await hit(name, key, ctx=ctx)
    if not verdict.allowed:
        raise RateLimited(
            "Too many requests; please try again later.", retry_after=verdict.retry_after
        )
