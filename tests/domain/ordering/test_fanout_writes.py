"""An ETA event writes little for each line it moves (PostgreSQL; migration 0014).

The windows of a line are in no index; PostgreSQL then writes the line's new version beside
the old one (a heap-only tuple: no index entry) when the page has room. ``order_line`` keeps
room on each page (fill factor 80), so a PO date change over a long queue writes its lines
without an entry in each of the table's six indexes for each line. And the outbox row of each
order it emails takes no entry in the shipment and build indexes it has no value for.
"""

from __future__ import annotations

import datetime as dt

import pytest

from domain.db import connection, fetch
from domain.supply.purchase_orders import revise_expected_date
from tests import builders as b
from tests.conftest import on_postgres

pytestmark = [
    pytest.mark.usefixtures("db"),
    pytest.mark.skipif(not on_postgres(), reason="pages and fill factors are PostgreSQL's"),
]

LINES = 120


async def _pages(product_id: int) -> dict[int, int]:
    """Each line of the product and the page (block) its current version is on."""
    rows = await fetch(
        connection(),
        "SELECT id, (ctid::text::point)[0] AS page FROM order_line WHERE product_id = ?",
        [product_id],
    )
    return {row["id"]: int(row["page"]) for row in rows}


async def test_order_line_pages_keep_room_for_a_fifth_more() -> None:
    rows = await fetch(connection(), "SELECT reloptions FROM pg_class WHERE relname = 'order_line'")
    assert "fillfactor=80" in list(rows[0]["reloptions"] or [])


async def test_a_po_date_change_rewrites_moved_lines_beside_their_old_versions() -> None:
    supplier = await b.supplier(lead_time_days=60)
    product = await b.product(on_hand=0, supplier_=supplier)
    po = await b.purchase_order(supplier, b.TODAY + dt.timedelta(days=10), (product, LINES))
    for _ in range(LINES):
        await b.order((product, 1))
    before = await _pages(product.id)

    moved = await revise_expected_date(
        po.id, b.TODAY + dt.timedelta(days=24), "Slipped", ctx=b.ctx()
    )

    after = await _pages(product.id)
    assert moved.lines_moved == LINES
    stayed = sum(1 for line, page in before.items() if after[line] == page)
    # A full page (fill factor 100) has no room: the new versions would all go elsewhere.
    assert stayed >= LINES // 5, (stayed, sorted(set(before.values())))


async def test_an_eta_email_takes_no_entry_in_the_shipment_and_build_indexes() -> None:
    supplier = await b.supplier(lead_time_days=60)
    product = await b.product(on_hand=0, supplier_=supplier)
    po = await b.purchase_order(supplier, b.TODAY + dt.timedelta(days=10), (product, 5))
    for _ in range(5):
        await b.order((product, 1))

    moved = await revise_expected_date(
        po.id, b.TODAY + dt.timedelta(days=24), "Slipped", ctx=b.ctx()
    )

    assert moved.emails_queued == 5
    counted = await fetch(
        connection(),
        "SELECT COUNT(*) AS n FROM outbox_message WHERE shipment_id IS NULL"
        " AND build_request_id IS NULL AND event_id = ?",
        [moved.event_id],
    )
    assert counted[0]["n"] == 5
    definitions = await fetch(
        connection(),
        "SELECT indexdef FROM pg_indexes WHERE tablename = 'outbox_message'"
        " AND (indexdef LIKE '%(shipment_id)%' OR indexdef LIKE '%(build_request_id)%')",
    )
    assert sorted(row["indexdef"].rsplit(" WHERE ", 1)[1] for row in definitions) == [
        "(build_request_id IS NOT NULL)",
        "(shipment_id IS NOT NULL)",
    ]
