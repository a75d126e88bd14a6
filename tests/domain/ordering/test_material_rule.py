"""Rule 9's "is this move worth an email" lives as Python (``eta.is_material``, for pages and
the lines re-dated outside the queue) and as SQL (``queue.material_sql``, for the fan-out over
thousands of lines): on every case, known and unknown bounds and every threshold, they agree."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from domain.db import Dialect, connection, fetch
from domain.ordering.queue import material_sql
from domain.promises.eta import Window, is_material
from domain.vocabulary import EtaBasis

pytestmark = pytest.mark.usefixtures("db")

DAYS = (None, dt.date(2027, 3, 10), dt.date(2027, 3, 11), dt.date(2027, 3, 13))


def _window(earliest: dt.date | None, latest: dt.date | None) -> Window:
    basis = EtaBasis.UNKNOWN if earliest is None and latest is None else EtaBasis.PURCHASE_ORDER
    return Window(earliest, latest, basis)


async def test_rule_9_material_move_is_the_same_in_python_and_in_sql() -> None:
    conn = connection()
    d = Dialect(conn)
    query = (
        f"SELECT {material_sql(d, 't')} AS material FROM (SELECT {d.date} AS eta_earliest,"
        f" {d.date} AS eta_latest, {d.date} AS new_earliest, {d.date} AS new_latest) t"
    )
    checked = 0
    for old_e, old_l, new_e, new_l in itertools.product(DAYS, repeat=4):
        old, new = _window(old_e, old_l), _window(new_e, new_l)
        for threshold in (0, 1, 2, 3):
            rows = await fetch(conn, query, [threshold, threshold, old_e, old_l, new_e, new_l])
            in_sql = bool(rows[0]["material"])
            assert in_sql == is_material(old, new, threshold), (old, new, threshold)
            checked += 1
    assert checked == 4**4 * 4
