"""A delay notice's line belongs to its order (PostgreSQL; migrations 0015 and 0017).

The notice's order and line are one key, ``(order_id, line_id)`` to the line's
``(order_id, id)``: a notice can name no line of another order, and each notice the fan-out
writes is checked by one look-up instead of one for the order and one for the line. Since 0017
the key is checked per statement by triggers (test_line_references.py).
"""

from __future__ import annotations

import datetime as dt

import asyncpg
import pytest

from domain.db import connection, execute, fetch
from domain.supply.purchase_orders import revise_expected_date
from tests import builders as b
from tests.conftest import on_postgres

pytestmark = [
    pytest.mark.usefixtures("db"),
    pytest.mark.skipif(not on_postgres(), reason="the composite key is PostgreSQL's"),
]


async def _notices_of_a_slip() -> tuple[list[dict[str, int]], int]:
    """Two orders waiting on one PO that slips past their promises: their notices, and a third
    order's id."""
    supplier = await b.supplier(lead_time_days=60)
    product = await b.product(on_hand=0, supplier_=supplier)
    po = await b.purchase_order(supplier, b.TODAY + dt.timedelta(days=10), (product, 2))
    await b.order((product, 1))
    await b.order((product, 1))
    other = await b.order((await b.product(on_hand=5), 1))
    moved = await revise_expected_date(
        po.id, b.TODAY + dt.timedelta(days=24), "Slipped", ctx=b.ctx()
    )
    assert moved.delay_notices == 2
    rows = await fetch(
        connection(),
        "SELECT id, order_id, line_id FROM delay_notice WHERE event_id = ?",
        [moved.event_id],
    )
    return [dict(row) for row in rows], other.order.id


async def test_a_delay_notice_cannot_name_a_line_of_another_order() -> None:
    notices, other_order = await _notices_of_a_slip()

    with pytest.raises(asyncpg.ForeignKeyViolationError):
        await execute(
            connection(),
            "UPDATE delay_notice SET order_id = ? WHERE id = ?",
            [other_order, notices[0]["id"]],
        )


async def test_a_delay_notice_cannot_take_the_line_of_another_order() -> None:
    notices, _ = await _notices_of_a_slip()
    first, second = notices

    with pytest.raises(asyncpg.ForeignKeyViolationError):
        await execute(
            connection(),
            "UPDATE delay_notice SET line_id = ? WHERE id = ?",
            [second["line_id"], first["id"]],
        )


async def test_a_notices_order_and_line_are_checked_by_one_key() -> None:
    keys = await fetch(
        connection(),
        "SELECT conname FROM pg_constraint WHERE conrelid = 'delay_notice'::regclass"
        " AND contype = 'f'",
    )
    triggers = await fetch(
        connection(),
        "SELECT tgname FROM pg_trigger WHERE tgrelid = 'delay_notice'::regclass"
        " AND NOT tgisinternal ORDER BY 1",
    )
    # The event (0016) and the line of the order (0017) are checked per statement.
    assert keys == []
    assert [row["tgname"] for row in triggers] == [
        "delay_notice_event_changed",
        "delay_notice_event_written",
        "delay_notice_line_of_order_changed",
        "delay_notice_line_of_order_written",
    ]
