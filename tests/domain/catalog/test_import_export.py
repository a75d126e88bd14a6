"""Bulk import and export as CSV: every row checked before anything is written, errors that
name the row and the column, upsert by SKU (the same file twice changes nothing), and cells
that cannot run as formulas when exported."""

from __future__ import annotations

import pytest

from domain.catalog.csvfiles import MAX_ROWS
from domain.catalog.models import CatalogChange, Product, Supplier
from domain.catalog_admin.importing import (
    PRODUCT_COLUMNS,
    export_products,
    export_stock,
    export_suppliers,
    import_products,
    import_stock,
    import_suppliers,
)
from tests import builders as b

pytestmark = pytest.mark.usefixtures("db")

HEADER = ",".join(PRODUCT_COLUMNS) + "\r\n"
GOOD = [
    "EB-1,E-bike,Fast,2499.00,stocked,cap,5,,,Nordic,2,yes",
    "PRE-1,Scooter,,399.00,preorder,unlimited,,2027-06-01,,Nordic,,yes",
    'SOFA-1,"Sofa, three seats","Line one\r\nline two",1299.00,made_to_order,none,,,42,,,',
]


def csv_of(*rows: str) -> bytes:
    return (HEADER + "".join(row + "\r\n" for row in rows)).encode("utf-8")


async def _nordic() -> None:
    report = await import_suppliers(
        b"name,email,lead_time_days,address\r\nNordic,po@nordic.example,12,1 Fjord Road\r\n",
        ctx=b.ctx(),
    )
    assert report.created == 1 and not report.errors


async def test_a_products_file_is_imported_and_importing_it_again_changes_nothing() -> None:
    await _nordic()
    first = await import_products(csv_of(*GOOD), ctx=b.ctx())
    assert (first.created, first.changed, first.errors) == (3, 0, [])
    sofa = await Product.get(sku="SOFA-1")
    assert (sofa.name, sofa.description, sofa.backorder_cap) == (
        "Sofa, three seats",
        "Line one\r\nline two",
        0,
    )
    audited = await CatalogChange.all().count()
    again = await import_products(csv_of(*GOOD), ctx=b.ctx())
    assert (again.created, again.changed, again.unchanged) == (0, 0, 3)
    assert await CatalogChange.all().count() == audited
    changed = await import_products(csv_of(GOOD[0].replace("2499.00", "2399.00")), ctx=b.ctx())
    assert (changed.created, changed.changed) == (0, 1)
    assert str((await Product.get(sku="EB-1")).price) == "2399.00"


async def test_every_row_is_checked_first_and_errors_name_row_and_column() -> None:
    await _nordic()
    report = await import_products(
        csv_of(
            GOOD[0],
            "BAD-1,Thing,,-4,stocked,unlimited,,,,,,yes",  # row 3: price
            "BAD-2,Thing,,4.00,stocked,cap,²,,,,,yes",  # row 4: cap
            "BAD-3,Thing,,4.00,stocked,unlimited,,,,Nobody,,yes",  # row 5: supplier
            GOOD[0],  # row 6: the SKU of row 2 again
        ),
        ctx=b.ctx(),
    )
    assert [(e.row, e.column) for e in report.errors] == [
        (3, "price"),
        (4, "cap"),
        (5, "supplier"),
        (6, "sku"),
    ]
    assert "row 2" in report.errors[3].message
    assert not report.written
    assert await Product.all().count() == 0
    assert "nothing was written" in report.summary()


async def test_a_dry_run_says_what_would_change_and_writes_nothing() -> None:
    await _nordic()
    report = await import_products(csv_of(*GOOD), ctx=b.ctx(), dry_run=True)
    assert (report.created, report.written) == (3, False)
    assert "would be created" in report.summary()
    assert await Product.all().count() == 0


async def test_a_cap_below_what_waits_is_refused_on_its_row() -> None:
    product = await b.product(sku="AC-1")
    await b.order((product, 4))
    report = await import_products(
        csv_of(f"AC-1,{product.name},,100.00,stocked,cap,2,,,,,yes"), ctx=b.ctx()
    )
    assert [(e.row, e.column) for e in report.errors] == [(2, "cap")]
    assert "4 units already wait" in report.errors[0].message


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"sku;name\r\nA;B\r\n", "Unknown column"),
        (HEADER.replace(",price", "").encode(), "missing"),
        ("sku,name,price,mode\r\nÉ-1,Café,1.00,stocked\r\n".encode("cp1252"), "CSV UTF-8"),
        (b"", "empty"),
        ((HEADER + "A,B\r\n").encode(), "cells"),
    ],
)
async def test_a_file_that_cannot_be_read_is_refused_whole(data: bytes, fragment: str) -> None:
    report = await import_products(data, ctx=b.ctx())
    assert report.errors and fragment in str(report.errors[0])
    assert await Product.all().count() == 0


async def test_an_excel_bom_and_a_huge_file_are_handled() -> None:
    with_bom = b"\xef\xbb\xbf" + csv_of("X-1,Thing,,1.00,stocked,unlimited,,,,,,yes")
    assert (await import_products(with_bom, ctx=b.ctx())).created == 1
    rows = "".join(f"H-{i},Thing,,1.00,stocked,unlimited,,,,,,yes\r\n" for i in range(MAX_ROWS + 1))
    report = await import_products((HEADER + rows).encode(), ctx=b.ctx())
    assert report.errors and "split it" in report.errors[0].message
    assert await Product.all().count() == 1


async def test_export_escapes_formulas_and_reads_back_unchanged() -> None:
    await _nordic()
    await import_products(csv_of(*GOOD), ctx=b.ctx())
    await Product.filter(sku="EB-1").update(name="=cmd|' /C calc'!A0", description="@SUM(1)")
    text = await export_products()
    assert "'=cmd|" in text and "'@SUM(1)" in text
    again = await import_products(text.encode(), ctx=b.ctx())
    assert (again.changed, again.unchanged, again.errors) == (0, 3, [])
    assert (await Product.get(sku="EB-1")).name == "=cmd|' /C calc'!A0"
    assert "Nordic" in await export_suppliers()


async def test_a_stock_file_counts_each_product_and_twice_changes_nothing() -> None:
    product = await b.product(sku="ST-1", on_hand=1)
    waiting = await b.product(sku="ST-2")
    await b.order((waiting, 2))
    data = b"sku,counted,note\r\nST-1,5,\r\nST-2,3,annual count\r\n"
    report = await import_stock(data, ctx=b.ctx())
    assert (report.changed, report.errors) == (2, [])
    assert (await Product.get(id=product.id)).on_hand == 5
    filled = await Product.get(id=waiting.id)
    assert (filled.on_hand, filled.waiting_units) == (1, 0)  # the queue was filled first
    again = await import_stock(data, ctx=b.ctx())
    assert (again.changed, again.unchanged) == (0, 2)
    bad = await import_stock(b"sku,counted\r\nST-1,5\r\nNOPE,1\r\nST-2,-1\r\n", ctx=b.ctx())
    assert [(e.row, e.column) for e in bad.errors] == [(3, "sku"), (4, "counted")]
    assert "ST-1,5" in (await export_stock()).replace("\r\n", "\n")
    assert await Supplier.all().count() >= 1
