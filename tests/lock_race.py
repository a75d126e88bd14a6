"""Two transactions after the same row on PostgreSQL: the second waits for the first's lock."""

from __future__ import annotations

import asyncio

import asyncpg

HISTORY_COLUMNS = (
    "line_id",
    "event_id",
    "old_earliest",
    "old_latest",
    "old_basis",
    "new_earliest",
    "new_latest",
    "new_basis",
    "material",
)


def history_row_naming(column: str) -> str:
    """An INSERT of one history row, a copy of the first, naming ``$1`` in ``column`` (its line
    or its event): the write raced against that parent's delete."""
    values = ", ".join("$1" if c == column else c for c in HISTORY_COLUMNS)
    return (
        f"INSERT INTO eta_change ({', '.join(HISTORY_COLUMNS)}) SELECT {values}"
        " FROM eta_change WHERE id = (SELECT MIN(id) FROM eta_change)"
    )


async def second_after_first(
    database_url: str, first: str, second: str, *args: object
) -> asyncpg.PostgresError | None:
    """Run ``first`` in a transaction left open, then ``second`` on another connection; check
    that the second waits for the first's lock, commit the first, and return what the second
    raised (None when it went through)."""
    holder = await asyncpg.connect(database_url)
    waiter = await asyncpg.connect(database_url)
    try:
        holding = holder.transaction()
        await holding.start()
        await holder.execute(first, *args)
        waiting = asyncio.create_task(waiter.execute(second, *args))
        await asyncio.sleep(0.3)
        assert not waiting.done()  # waits for the first transaction's lock
        await holding.commit()
        try:
            await waiting
        except asyncpg.PostgresError as error:
            return error
        return None
    finally:
        await holder.close()
        await waiter.close()
