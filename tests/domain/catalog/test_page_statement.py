"""The catalogue read has two spellings (domain/catalog/reads.py): the portable join, and on
PostgreSQL a LATERAL look-up per product. Both must return the same rows, in the same order,
for every page and every shape of supply: no lines, several lines, lines received, cancelled
or partly so, closed and cancelled POs, POs shipped by the maker, inactive products."""

from __future__ import annotations

import datetime as dt

import pytest

from domain.catalog.models import Product
from domain.catalog.reads import (
    _COLUMNS,
    _PAGE,
    MAX_PAGE,
    ProductFilter,
    page_condition,
    page_statement,
)
from domain.db import connection, execute, fetch, numbered
from domain.vocabulary import AvailabilityMode
from tests import builders as b
from tests.conftest import on_postgres

pytestmark = [
    pytest.mark.usefixtures("db"),
    pytest.mark.skipif(not on_postgres(), reason="the LATERAL spelling is PostgreSQL's"),
]


async def _store() -> list[Product]:
    """Products with every shape of open and closed supply, and one without any."""
    supplier = await b.supplier()
    products = [await b.product(supplier_=supplier) for _ in range(9)]
    later = b.TODAY + dt.timedelta(days=20)
    shapes = [
        (0, b.TODAY, 5),  # one open line
        (1, b.TODAY, 4),  # two open lines on two POs
        (1, later, 6),
        (2, b.TODAY, 3),  # received in full
        (3, b.TODAY, 7),  # cancelled in full
        (4, b.TODAY, 8),  # partly received and partly cancelled: 2 left
        (5, b.TODAY, 2),  # on a closed PO
        (6, b.TODAY, 9),  # on a PO the maker ships
        (7, later, 1),  # on a PO cancelled as a whole
    ]
    for index, expected, quantity in shapes:
        await b.purchase_order(supplier, expected, (products[index], quantity))
    conn = connection()
    lines = "UPDATE purchase_order_line SET {} WHERE product_id = ?"
    await execute(conn, lines.format("quantity_received = quantity"), [products[2].id])
    await execute(conn, lines.format("quantity_cancelled = quantity"), [products[3].id])
    await execute(
        conn, lines.format("quantity_received = 3, quantity_cancelled = 3"), [products[4].id]
    )
    orders = (
        "UPDATE purchase_order SET {} WHERE id IN"
        " (SELECT purchase_order_id FROM purchase_order_line WHERE product_id = ?)"
    )
    await execute(conn, orders.format("status = 'closed'"), [products[5].id])
    await execute(conn, orders.format("dropship = TRUE"), [products[6].id])
    await execute(conn, orders.format("status = 'cancelled'"), [products[7].id])
    await execute(conn, "UPDATE product SET active = FALSE WHERE id = ?", [products[8].id])
    return products


async def _rows(statement: str, values: list[object]) -> list[tuple[object, ...]]:
    _, rows = await connection().execute_query(statement, values)
    return [tuple(row.values()) for row in rows]


async def test_the_lateral_page_reads_exactly_the_rows_of_the_portable_join() -> None:
    products = await _store()
    conditions = [
        page_condition(ProductFilter(), after, first)
        for after in [0, *(p.id for p in products)]
        for first in (1, 2, 3, 21)
    ]
    ids = [p.id for p in products]
    conditions.append((f"p.id IN ({', '.join('?' * len(ids))}) ORDER BY p.id", list(ids)))
    open_lines = 0
    for where, values in conditions:
        portable = await _rows(numbered(_PAGE.format(products=_COLUMNS, where=where)), values)
        lateral = await _rows(page_statement(True, where), values)
        assert lateral == portable, where
        open_lines += sum(1 for row in portable if row[14] is not None)
    # The store is read at all: some pages carry open lines, and the spent ones are left out.
    full = await _rows(page_statement(True, conditions[-1][0]), conditions[-1][1])
    assert [row[0] for row in full if row[14] is not None] == [ids[0], ids[1], ids[1], ids[4]]
    assert [row[16] for row in full if row[14] is not None] == [5, 4, 6, 2]
    assert open_lines > 0


async def _copies(product: Product, count: int) -> None:
    """``count`` copies of a product, then statistics: a store of the size where the plan made
    for the values first seen looked cheaper to PostgreSQL than one for any values."""
    conn = connection()
    rows = await fetch(
        conn,
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_name = 'product' AND column_name NOT IN ('id', 'sku')",
        [],
    )
    columns = ", ".join(row["column_name"] for row in rows)
    await execute(
        conn,
        f"INSERT INTO product (sku, {columns}) SELECT sku || '-' || n, {columns}"
        " FROM product, generate_series(1, ?) n WHERE id = ?",
        [count, product.id],
    )
    await execute(conn, "ANALYZE product", [])


@pytest.mark.parametrize(
    "filter_",
    [
        ProductFilter(),
        ProductFilter(modes=(AvailabilityMode.PREORDER, AvailabilityMode.STOCKED)),
    ],
    ids=["all", "modes"],
)
async def test_a_catalogue_page_is_planned_once_not_on_every_read(filter_: ProductFilter) -> None:
    """PostgreSQL keeps one plan for a prepared statement once its cost is known for any
    values; a page whose limit was a value got a plan made afresh on every read. (A text
    search still does: the words searched change its cost, and it scans every product.)"""
    template = (await _store())[0]
    await _copies(template, 2_000)
    for first in (1, 20, MAX_PAGE):
        where, values = page_condition(filter_, 0, first)
        statement = page_statement(True, where)
        async with connection().acquire_connection() as conn:
            prepared = await conn.prepare(statement)
            for _ in range(12):
                await prepared.fetch(*values)
            generic, custom = await conn.fetchrow(
                "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = $1",
                prepared.get_name(),
            )
        # Five plans for the values PostgreSQL first sees, then the one kept for any values.
        assert (generic, custom) == (7, 5), (first, generic, custom)
