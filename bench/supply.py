"""``preorder bench`` (e): reorder suggestions (DOMAIN.md rule 24) over the whole bench store.

Before measuring, every product gets a safety stock, a minimum order and a pack size derived
from its id, so that many suppliers have something to suggest. The service,
``recompute_suggestions``, reads every product's demand in one statement, applies the pure rule
per product in Python and writes one draft per supplier with its lines.

The FLOOR is the same answer by hand-written SQL alone: one ``INSERT ... SELECT`` computing
need, minimum and packs in SQL into a table, one row per product, no drafts. It is what any
implementation must at least pay to read the demand and write the result. Between runs the
drafts and the floor's rows are deleted, so both start from the same store.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from domain.context import Context
from domain.db import connection, execute, fetch
from domain.supply.suggestions import DEMAND_SQL, recompute_suggestions

FLOOR_TABLE = "bench_reorder_floor"


async def prepare() -> None:
    conn = connection()
    await execute(
        conn,
        "UPDATE product SET safety_stock = id % 7, min_order_qty = 1 + id % 25,"
        " pack_size = 1 + id % 6",
    )
    await execute(conn, f"DROP TABLE IF EXISTS {FLOOR_TABLE}")
    await execute(
        conn,
        f"CREATE TABLE {FLOOR_TABLE} (product_id INTEGER, supplier_id INTEGER, quantity INTEGER)",
    )


async def _clear() -> None:
    conn = connection()
    await execute(conn, "DELETE FROM reorder_draft_line")
    await execute(conn, "DELETE FROM reorder_draft")
    await execute(conn, f"DELETE FROM {FLOOR_TABLE}")


async def floor() -> int:
    """The suggestions by SQL alone; how many product lines."""
    need = "(d.waiting_units + d.waitlist + d.safety_stock - d.on_hand - d.on_order)"
    wanted = f"CASE WHEN {need} > d.min_order_qty THEN {need} ELSE d.min_order_qty END"
    return await execute(
        connection(),
        f"INSERT INTO {FLOOR_TABLE} (product_id, supplier_id, quantity)"
        f" SELECT d.id, d.supplier_id, (({wanted}) + d.pack_size - 1) / d.pack_size * d.pack_size"
        f" FROM ({DEMAND_SQL}) d",
        [True],
    )


async def bench_reorder(
    ctx_factory: Callable[[], Context], reps: int
) -> tuple[float, float, int, int]:
    """Median seconds of the service and of its floor, and the lines each wrote."""
    await prepare()
    times_m, times_f = [], []
    lines_m = lines_f = 0
    for rep in range(reps):
        await _clear()
        t0 = time.perf_counter()
        done = await recompute_suggestions(ctx=ctx_factory())
        times_m.append(time.perf_counter() - t0)
        lines_m = int(
            (await fetch(connection(), "SELECT COUNT(*) AS n FROM reorder_draft_line"))[0]["n"]
        )
        await _clear()
        t0 = time.perf_counter()
        lines_f = await floor()
        times_f.append(time.perf_counter() - t0)
        print(
            f"  run {rep + 1}: suggestions {times_m[-1] * 1000:,.0f} ms"
            f" ({done.drafts:,} drafts), floor {times_f[-1] * 1000:,.0f} ms",
            flush=True,
        )
    await _clear()
    return statistics.median(times_m), statistics.median(times_f), lines_m, lines_f
