"""Re-dating lines outside the queue's fan-out (a workshop slip, the daily review of builds):
each moved line gets its new ETA and one ``eta_change`` row of its ETA event, the old window read
from the line as it stood, and whether the move is material (rule 9, ``eta.is_material``)."""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient

from domain.db import Dialect, execute, packed
from domain.promises.eta import Window, is_material

Move = tuple[int, Window, Window]  # line id, the window it had, the window it gets


async def redate(
    conn: BaseDBAsyncClient, event_id: int, moves: list[Move], threshold_days: int
) -> None:
    """Record ``moves`` as changes of event ``event_id`` and give each line its new window."""
    d = Dialect(conn)
    row = f"({d.integer}, {d.date}, {d.date}, {d.text}, {d.integer})"
    for group in packed(moves, lambda _: 5):
        values: list[object] = []
        for line_id, old, new in group:
            material = is_material(old, new, threshold_days)
            values += [line_id, new.earliest, new.latest, new.basis.value, int(material)]
        table = (
            f"t(id, earliest, latest, basis, material) AS (VALUES {', '.join([row] * len(group))})"
        )
        await execute(
            conn,
            f"WITH {table} INSERT INTO eta_change (line_id, event_id, old_earliest, old_latest,"
            " old_basis, new_earliest, new_latest, new_basis, material)"
            " SELECT l.id, ?, l.eta_earliest, l.eta_latest, l.eta_basis, t.earliest, t.latest,"
            " t.basis, t.material = 1 FROM t JOIN order_line l ON l.id = t.id",
            [*values, event_id],
        )
        await execute(
            conn,
            f"WITH {table} UPDATE order_line SET eta_earliest = t.earliest,"
            " eta_latest = t.latest, eta_basis = t.basis FROM t WHERE order_line.id = t.id",
            values,
        )
