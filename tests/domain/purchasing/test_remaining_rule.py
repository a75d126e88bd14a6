"""What a PO line still has to deliver has one home (``domain/promises/remaining.py``): its
Python and its SQL give the same answer on the same lines, and the model's property is the rule."""

from __future__ import annotations

import datetime as dt

import pytest

from domain.db import connection, fetch
from domain.promises.remaining import remaining, remaining_of, remaining_sql
from domain.purchasing.models import PurchaseOrderLine
from tests import builders as b

pytestmark = pytest.mark.usefixtures("db")

CASES = [(10, 0, 0), (10, 4, 0), (10, 4, 6), (10, 0, 10), (7, 3, 2), (1, 1, 0)]


async def test_the_sql_and_the_python_of_what_a_po_line_still_delivers_agree() -> None:
    supplier = await b.supplier()
    products = [await b.product(supplier_=supplier) for _ in CASES]
    po = await b.purchase_order(
        supplier,
        b.TODAY + dt.timedelta(days=30),
        *[(p, q) for p, (q, _, _) in zip(products, CASES, strict=True)],
    )
    lines = await PurchaseOrderLine.filter(purchase_order_id=po.id).order_by("id")
    for line, (_, received, cancelled) in zip(lines, CASES, strict=True):
        await PurchaseOrderLine.filter(id=line.id).update(
            quantity_received=received, quantity_cancelled=cancelled
        )
    rows = await fetch(
        connection(),
        f"SELECT l.id, l.quantity, l.quantity_received, l.quantity_cancelled,"
        f" {remaining_sql('l')} AS left_sql FROM purchase_order_line l"
        " WHERE l.purchase_order_id = ? ORDER BY l.id",
        [po.id],
    )
    expected = [remaining(*case) for case in CASES]
    assert [int(row["left_sql"]) for row in rows] == expected
    assert [remaining_of(row) for row in rows] == expected
    stored = await PurchaseOrderLine.filter(purchase_order_id=po.id).order_by("id")
    assert [line.remaining for line in stored] == expected
    assert expected == [10, 6, 0, 0, 2, 0]
