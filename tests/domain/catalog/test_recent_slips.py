"""The catalogue's kept slip histories (rule 21, domain/promises/slip_histories.py): a page reuses
the last read only while no receipt came, whatever process recorded it."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt

import pytest

from domain.catalog.models import Supplier
from domain.catalog.reads import ProductFilter, page_snapshot
from domain.db import connection, execute
from domain.ordering.models import OrderLine
from domain.promises import slip_histories as history
from domain.promises.slip_histories import slip_histories
from domain.promises.slips import SlipHistory
from tests import builders as b
from tests.conftest import QueryCounter

DAY = dt.timedelta(days=1)
pytestmark = pytest.mark.usefixtures("db")


async def _receive_late(supplier: Supplier, days: int) -> None:
    """A receipt ``days`` after its PO's confirmed date (a fresh PO each time)."""
    product = await b.product(supplier_=supplier)
    po = await b.purchase_order(supplier, b.TODAY, (product, 1))
    await b.receipt(po, 1, context=b.later(b.ctx(), days=days))


async def _page_slips() -> dict[int, SlipHistory]:
    return dict((await page_snapshot(ProductFilter(), first=100)).slips)


async def _exact(suppliers: set[int]) -> dict[int, SlipHistory]:
    return await slip_histories(connection(), suppliers)


async def test_a_page_reads_the_slips_again_once_a_receipt_came() -> None:
    supplier = await b.supplier()
    await _receive_late(supplier, 2)
    before = await _page_slips()
    assert before[supplier.id].supplier == (2,)
    await _receive_late(supplier, 9)
    after = await _page_slips()
    assert after[supplier.id].supplier == (9, 2)
    assert after == await _exact(set(after))


async def test_an_unchanged_version_reuses_the_kept_slips_until_they_are_stale_after(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A slip the version cannot see (as a receipt committed out of id order would be) shows
    # at most STALE_AFTER seconds late: the documented bound.
    supplier = await b.supplier()
    await _receive_late(supplier, 2)
    assert (await _page_slips())[supplier.id].supplier == (2,)
    await execute(connection(), "UPDATE receipt SET slip_days = ?", [6])
    assert (await _page_slips())[supplier.id].supplier == (2,)  # same version, kept
    monkeypatch.setattr(history, "STALE_AFTER", 0.0)
    assert (await _page_slips())[supplier.id].supplier == (6,)


async def test_the_kept_slips_are_one_read_of_at_most_recent_receipts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(history, "RECENT", 3)
    suppliers = [await b.supplier() for _ in range(3)]
    for index, supplier in enumerate(suppliers):
        await _receive_late(supplier, index)
        await _receive_late(supplier, index + 10)
    slips = await _page_slips()
    kept = history._kept
    assert kept is not None
    assert len(kept.store) == 3 and sum(len(h.supplier) for h in kept.by_supplier.values()) == 3
    assert slips == await _exact(set(slips))
    assert slips[suppliers[0].id].supplier == ()  # its receipts are older than the last 3


async def test_racing_pages_and_a_receipt_show_the_receipt_to_every_page_read_after_it() -> None:
    # Readers race a receipt being recorded; every page that began after the receipt was
    # committed has the slip histories read with it, never the kept ones from before.
    supplier = await b.supplier()
    await _receive_late(supplier, 1)
    late_product = await b.product(supplier_=supplier)
    po = await b.purchase_order(supplier, b.TODAY, (late_product, 1))
    await _page_slips()  # kept: one receipt
    committed = asyncio.Event()
    seen: list[tuple[bool, tuple[int, ...]]] = []

    async def reader() -> None:
        after = 0
        for _ in range(1000):  # until three pages began after the receipt
            began_after = committed.is_set()
            after += began_after
            if after > 3:
                return
            slips = await _page_slips()
            seen.append((began_after, slips[supplier.id].supplier))
            await asyncio.sleep(0)

    async def receipt() -> None:
        await asyncio.sleep(0.01)
        await b.receipt(po, 1, context=b.later(b.ctx(), days=12))
        committed.set()

    await asyncio.gather(*(reader() for _ in range(8)), receipt())
    after = [slips for began_after, slips in seen if began_after]
    assert after, "no page was read after the receipt: the race did not happen"
    assert all(slips == (12, 1) for slips in after), after
    assert {slips for _, slips in seen} <= {(1,), (12, 1)}
    assert await _page_slips() == await _exact({supplier.id})


async def test_an_order_reads_the_slips_only_when_a_receipt_came_and_then_dates_by_them(
    sql: QueryCounter,
) -> None:
    supplier = await b.supplier()
    await _receive_late(supplier, 1)
    product = await b.product(supplier_=supplier)
    await b.purchase_order(supplier, b.TODAY + 30 * DAY, (product, 10))
    await b.order((product, 1))  # keeps the slips
    sql.statements.clear()
    await b.order((product, 1))
    assert not [s for s in sql.statements if "FROM receipt r" in s], sql.statements
    await _receive_late(supplier, 20)  # the supplier turns out late: rule 21 widens windows
    sql.statements.clear()
    placed = await b.order((product, 1))
    assert [s for s in sql.statements if "FROM receipt r" in s]
    line = await OrderLine.get(id=placed.order.lines[0].id)
    assert line.promised_latest is not None
    expected = await _exact({supplier.id})
    assert expected[supplier.id].supplier == (20, 1)
    # The window reaches past the PO date by the blend of the supplier's two slips.
    assert line.promised_latest > b.TODAY + (30 + 1 + b.POLICY.transit_days_max) * DAY


async def test_slips_kept_for_one_database_are_not_taken_for_another(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Another database (a simulation opens one after another in one process) may have the
    # same receipt ids: the kept read belongs to the client it was read through.
    supplier = await b.supplier()
    await _receive_late(supplier, 2)
    assert (await _page_slips())[supplier.id].supplier == (2,)
    kept = history._kept
    assert kept is not None
    monkeypatch.setattr(history, "_kept", dataclasses.replace(kept, database=object()))
    await execute(connection(), "UPDATE receipt SET slip_days = ?", [7])  # same version
    assert (await _page_slips())[supplier.id].supplier == (7,)
