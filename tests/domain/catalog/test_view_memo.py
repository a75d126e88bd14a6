"""Catalogue views are built once per rows (domain/catalog/reads.py ``_views``): the same view
while its rows and slip histories hold, a new one as soon as either changes."""

from __future__ import annotations

import asyncio

import pytest

from domain.catalog import reads
from domain.catalog.models import Product
from domain.catalog.reads import ProductFilter, product_page
from domain.promises.slip_histories import forget_recent_slips
from tests import builders as b

pytestmark = pytest.mark.usefixtures("db")


async def _page() -> list[reads.ProductView]:
    return (await product_page(ProductFilter(), first=100)).items


async def test_unchanged_rows_give_the_same_view_and_a_changed_row_a_new_one() -> None:
    first, second = await b.product(on_hand=3), await b.product(on_hand=4)
    before = await _page()
    again = await _page()
    assert all(a is b_ for a, b_ in zip(before, again, strict=True))
    await Product.filter(id=first.id).update(on_hand=9)
    after = await _page()
    assert after[0] is not before[0] and after[0].on_hand == 9
    assert after[1] is before[1] and after[1].id == second.id


async def test_a_receipt_gives_the_suppliers_products_new_views_with_its_slip() -> None:
    supplier = await b.supplier()
    product = await b.product(supplier_=supplier)
    await b.purchase_order(supplier, b.TODAY, (product, 2))
    before = (await _page())[0]
    assert before.terms.slips is None or before.terms.slips.supplier == ()
    received = await b.product(supplier_=supplier)
    po = await b.purchase_order(supplier, b.TODAY, (received, 1))
    await b.receipt(po, 1, context=b.later(b.ctx(), days=4))
    after = next(view for view in await _page() if view.id == product.id)
    assert after is not before
    assert after.terms.slips is not None and after.terms.slips.supplier == (4,)
    assert all(line.slips is after.terms.slips for line in after.supply)


async def test_the_kept_views_stay_bounded_and_right(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reads._memo, "bound", 2)
    made = [await b.product(on_hand=n) for n in range(5)]
    for _ in range(2):
        views = await _page()
        assert [(v.id, v.on_hand) for v in views] == [(p.id, p.on_hand) for p in made]
        assert len(reads._memo) <= 2


async def test_racing_readers_and_stock_changes_never_keep_a_stale_view() -> None:
    product = await b.product(on_hand=3)

    async def on_hand_read() -> int:
        return (await _page())[0].on_hand

    async def change() -> None:
        for on_hand in range(4, 10):
            await Product.filter(id=product.id).update(on_hand=on_hand)

    readers = [on_hand_read() for _ in range(16)]
    seen = await asyncio.gather(*readers[:8], change(), *readers[8:])
    assert {n for n in seen if n is not None} <= set(range(3, 10))
    final = await _page()
    assert final[0].on_hand == 9
    assert (await _page())[0] is final[0]


async def test_a_page_read_again_with_unchanged_rows_is_the_same_snapshot_and_views() -> None:
    """``_snapshot`` hands out the snapshot it built for equal rows and the same slip
    histories; a changed row, a receipt or histories read again make a new one."""
    supplier = await b.supplier()
    product = await b.product(supplier_=supplier, on_hand=3)
    await b.purchase_order(supplier, b.TODAY, (product, 2))
    first = await reads.page_snapshot(ProductFilter(), first=10)
    again = await reads.page_snapshot(ProductFilter(), first=10)
    assert again is first
    assert reads.views_of(again)[0] is reads.views_of(first)[0]
    await Product.filter(id=product.id).update(on_hand=5)
    changed = await reads.page_snapshot(ProductFilter(), first=10)
    assert changed is not first and changed.products[0][8] == 5
    received = await b.product(supplier_=supplier)
    po = await b.purchase_order(supplier, b.TODAY, (received, 1))
    await b.receipt(po, 1, context=b.later(b.ctx(), days=4))
    slipped = await reads.page_snapshot(ProductFilter(), first=1)
    assert dict(slipped.slips)[supplier.id].supplier == (4,)
    assert (await reads.page_snapshot(ProductFilter(), first=1)) is slipped
    forget_recent_slips()  # the histories read again: new objects, a new snapshot
    read_again = await reads.page_snapshot(ProductFilter(), first=1)
    assert read_again is not slipped and read_again == slipped


async def test_the_kept_pages_stay_bounded_and_right(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reads, "_PAGES_SIZE", 2)
    monkeypatch.setattr(reads._product_pages, "bound", 2)
    monkeypatch.setattr(reads._snapshot_views, "bound", 2)
    made = [await b.product(on_hand=n) for n in range(4)]
    for _ in range(2):
        for first in range(1, 5):
            page = await product_page(ProductFilter(), first=first)
            assert [(v.id, v.on_hand) for v in page.items] == [
                (p.id, p.on_hand) for p in made[:first]
            ]
            assert len(reads._pages) <= 2 and len(reads._snapshot_views) <= 2
