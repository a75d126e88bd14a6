"""Receiving: the open purchase orders, recording a receipt, and the orders it filled."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

from domain.purchasing.models import PurchaseOrder, PurchaseOrderLine, Receipt
from tests import builders as b
from tests.portal.conftest import csrf_token
from tests.portal.staff.conftest import hidden, now_ctx, submit, text_of, today

pytestmark = pytest.mark.usefixtures("db")


async def _waiting() -> tuple[PurchaseOrder, PurchaseOrderLine, list[str]]:
    supplier = await b.supplier(name="CoolAir")
    product = await b.product(on_hand=0, supplier_=supplier, sku="AC-12")
    po = await b.purchase_order(
        supplier, today() + dt.timedelta(days=5), (product, 10), context=now_ctx()
    )
    numbers = []
    for n in range(3):
        placed = await b.order((product, 2), context=now_ctx(), email=f"c{n}@example.com")
        numbers.append(placed.order.number)
    return po, await PurchaseOrderLine.get(purchase_order_id=po.id), numbers


async def test_receiving_lists_open_purchase_orders(staff: httpx.AsyncClient) -> None:
    po, _, _ = await _waiting()
    page = await staff.get("/staff/receiving")
    assert page.status_code == 200 and po.number in page.text and "10 × Product" in page.text


async def test_a_receipt_fills_the_oldest_orders_first_and_shows_them(
    staff: httpx.AsyncClient,
) -> None:
    po, line, numbers = await _waiting()
    url = f"/staff/purchase-orders/{po.id}/receive"
    form = await staff.get(url)
    received = await staff.post(
        url,
        data={
            "csrf_token": csrf_token(form.text),
            "key": hidden(form.text, "key"),
            f"quantity_{line.id}": "3",
        },
    )
    assert received.status_code == 303
    page = text_of((await staff.get(received.headers["location"])).text)
    assert "Receipt recorded." in page and "by Ada Admin <ada@example.com>" in page
    assert f"{numbers[0]} c0@example.com AC-12 2" in page
    assert f"{numbers[1]} c1@example.com AC-12 1" in page
    assert numbers[2] not in page
    history = text_of((await staff.get(f"/staff/purchase-orders/{po.id}")).text)
    assert "received 3 units by Ada Admin <ada@example.com>, filling 2 order lines" in history


async def test_the_same_receipt_form_sent_twice_is_recorded_once(staff: httpx.AsyncClient) -> None:
    po, line, _ = await _waiting()
    url = f"/staff/purchase-orders/{po.id}/receive"
    form = await staff.get(url)
    data = {
        "csrf_token": csrf_token(form.text),
        "key": hidden(form.text, "key"),
        f"quantity_{line.id}": "3",
    }
    first = await staff.post(url, data=data)
    second = await staff.post(url, data=data)
    assert second.headers["location"].endswith("done=already")
    assert first.headers["location"].split("?")[0] == second.headers["location"].split("?")[0]
    assert await Receipt.all().count() == 1
    assert (await PurchaseOrderLine.get(id=line.id)).quantity_received == 3


async def test_a_delivery_note_already_recorded_with_other_goods_is_refused(
    staff: httpx.AsyncClient,
) -> None:
    po, line, _ = await _waiting()
    url = f"/staff/purchase-orders/{po.id}/receive"
    await submit(staff, url, url, {"key": "a", "delivery_note": "DN-7", f"quantity_{line.id}": "3"})
    refused = await submit(
        staff, url, url, {"key": "b", "delivery_note": "DN-7", f"quantity_{line.id}": "4"}
    )
    assert refused.status_code == 400 and "used for other goods" in refused.text
    assert (await PurchaseOrderLine.get(id=line.id)).quantity_received == 3


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("11", "Only 10 units are still expected"),
        ("", "Add at least one line"),
        ("0", "Add at least one line"),
        ("three", "Enter a whole number"),
        ("²", "Enter a whole number"),
        ("9" * 23, "Enter a whole number"),
    ],
)
async def test_a_bad_receipt_is_refused_with_the_reason(
    staff: httpx.AsyncClient, quantity: str, message: str
) -> None:
    po, line, _ = await _waiting()
    url = f"/staff/purchase-orders/{po.id}/receive"
    refused = await submit(staff, url, url, {"key": "k", f"quantity_{line.id}": quantity})
    assert refused.status_code == 400 and message in refused.text
    assert await Receipt.all().count() == 0


async def test_receiving_against_an_unknown_purchase_order_is_not_found(
    staff: httpx.AsyncClient,
) -> None:
    assert (await staff.get("/staff/purchase-orders/404/receive")).status_code == 404
    assert (await staff.get("/staff/receipts/404")).status_code == 404
