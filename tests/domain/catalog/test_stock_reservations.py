"""Reserving several products in one guarded statement (domain/catalog/stock.py): each row's
guards decide for that row alone."""

from __future__ import annotations

import pytest

from domain.catalog import stock
from domain.catalog.models import Product
from domain.db import connection
from tests import builders as b

pytestmark = pytest.mark.usefixtures("db")


async def _levels(*products: Product) -> list[tuple[int, int]]:
    return [(p.on_hand, p.waiting_units) for p in [await Product.get(id=p.id) for p in products]]


async def test_a_row_whose_level_changed_is_left_and_the_others_reserved() -> None:

    plenty, scarce, capped = (
        await b.product(on_hand=5),
        await b.product(on_hand=3),
        await b.product(on_hand=0, cap=2),
    )
    done = await stock.reserve_many(
        connection(),
        [(plenty.id, 2, 0), (scarce.id, 4, 0), (capped.id, 0, 3)],  # 4 of 3, 3 past a cap of 2
    )
    assert done == {plenty.id: 0}
    assert await _levels(plenty, scarce, capped) == [(3, 0), (3, 0), (0, 0)]


async def test_stock_is_taken_partly_only_as_all_of_it_and_never_while_others_wait() -> None:

    exact, more, queued = (
        await b.product(on_hand=2),
        await b.product(on_hand=3),
        await b.product(on_hand=0),
    )
    await Product.filter(id=queued.id).update(on_hand=1, waiting_units=1)
    done = await stock.reserve_many(
        connection(),
        [(exact.id, 2, 1), (more.id, 2, 1), (queued.id, 1, 0)],  # invariant 7 refuses the last two
    )
    assert done == {exact.id: 1}
    assert await _levels(exact, more, queued) == [(0, 1), (3, 0), (1, 1)]


async def test_a_product_twice_in_one_statement_is_refused() -> None:
    with pytest.raises(ValueError, match="one reservation per product"):
        await stock.reserve_many(connection(), [(1, 1, 0), (1, 0, 1)])
