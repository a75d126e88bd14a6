"""Orders: search, the order with its ETA history and who changed what, priority, cancel."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

from domain.audit.models import AuditAction, AuditEntry
from domain.catalog.models import Product
from domain.ordering.models import Order, OrderLine
from domain.ordering.services import PlacedOrder
from domain.purchasing.models import PurchaseOrder
from domain.supply.purchase_orders import revise_expected_date
from tests import builders as b
from tests.portal.staff.conftest import now_ctx, submit, text_of, today

pytestmark = pytest.mark.usefixtures("db")


async def _two_waiting() -> tuple[PlacedOrder, PlacedOrder, Product]:
    supplier = await b.supplier(name="CoolAir")
    product = await b.product(on_hand=0, supplier_=supplier, sku="AC-12")
    await b.purchase_order(
        supplier, today() + dt.timedelta(days=10), (product, 3), context=now_ctx()
    )
    first = await b.order((product, 2), context=now_ctx(), email="first@example.com")
    second = await b.order((product, 2), context=now_ctx(), email="second@example.com")
    return first, second, product


async def test_searching_by_number_opens_the_order(staff: httpx.AsyncClient) -> None:
    first, _, _ = await _two_waiting()
    found = await staff.get(f"/staff/orders?number={first.order.number.lower()}")
    assert found.status_code == 303 and found.headers["location"].endswith(
        f"/staff/orders/{first.order.id}"
    )
    missing = await staff.get("/staff/orders?number=R-NOPE")
    assert missing.status_code == 400 and "No order has this number" in missing.text


async def test_searching_by_email_sku_and_lateness(staff: httpx.AsyncClient) -> None:
    first, second, _ = await _two_waiting()
    by_email = await staff.get("/staff/orders?email=second@example.com")
    assert second.order.number in by_email.text and first.order.number not in by_email.text
    by_sku = await staff.get("/staff/orders?sku=AC-12&waiting=yes")
    assert first.order.number in by_sku.text and second.order.number in by_sku.text
    on_time = await staff.get("/staff/orders?late=yes")
    assert first.order.number not in on_time.text and "No orders match" in on_time.text
    bad = await staff.get("/staff/orders?email=not-an-address")
    assert bad.status_code == 400 and 'id="email-error"' in bad.text


async def test_the_order_page_shows_eta_history_with_who_moved_it(staff: httpx.AsyncClient) -> None:
    first, _, _ = await _two_waiting()
    po = await PurchaseOrder.get()
    await revise_expected_date(po.id, today() + dt.timedelta(days=30), "Port strike", ctx=now_ctx())
    page = text_of((await staff.get(f"/staff/orders/{first.order.id}")).text)
    assert "Port strike" in page and "(purchase order date changed" in page
    assert "by staff (tester)" in page  # a non-numeric actor is shown as it is
    assert "late" in page


async def test_changing_priority_moves_the_queue_and_records_who(staff: httpx.AsyncClient) -> None:
    first, second, _ = await _two_waiting()
    url = f"/staff/orders/{second.order.id}"
    done = await submit(staff, url, f"{url}/priority", {"priority": "10"})
    assert done.status_code == 303
    assert (await Order.get(id=second.order.id)).priority == 10
    page = text_of((await staff.get(done.headers["location"])).text)
    assert "Priority saved" in page
    assert "priority 0 to 10, by Ada Admin <ada@example.com>" in page
    assert "(priority changed: " in page  # second now goes first: its date moved
    entry = await AuditEntry.get()
    assert entry.action == AuditAction.PRIORITY_CHANGED and entry.actor.startswith("staff:")


@pytest.mark.parametrize("value", ["101", "-101", "high", "", "1.5", "²", "-²", "9" * 23])
async def test_a_bad_priority_is_refused(staff: httpx.AsyncClient, value: str) -> None:
    first, _, _ = await _two_waiting()
    url = f"/staff/orders/{first.order.id}"
    refused = await submit(staff, url, f"{url}/priority", {"priority": value})
    assert (
        refused.status_code == 400 and "Priority is a whole number from -100 to 100" in refused.text
    )
    assert (await Order.get(id=first.order.id)).priority == 0


async def test_cancelling_lines_refunds_moves_the_queue_up_and_records_who(
    staff: httpx.AsyncClient,
) -> None:
    first, second, _ = await _two_waiting()
    line = await OrderLine.get(order_id=first.order.id)
    url = f"/staff/orders/{first.order.id}"
    done = await submit(
        staff, url, f"{url}/cancel", {"line_id": str(line.id), "quantity": "1", "reason": "asked"}
    )
    assert done.status_code == 303
    assert (await OrderLine.get(id=line.id)).qty_cancelled == 1
    page = text_of((await staff.get(done.headers["location"])).text)
    assert (
        "1 × Product" in page
        and "cancelled at the customer's request, by Ada Admin <ada@example.com>" in page
    )
    behind = text_of((await staff.get(f"/staff/orders/{second.order.id}")).text)
    assert "(an order cancelled: " in behind  # the next in line moved up


async def test_cancelling_the_last_waiting_line_is_audited_though_no_date_moves(
    staff: httpx.AsyncClient,
) -> None:
    _, second, _ = await _two_waiting()
    line = await OrderLine.get(order_id=second.order.id)
    url = f"/staff/orders/{second.order.id}"
    await submit(
        staff,
        url,
        f"{url}/cancel",
        {"line_id": str(line.id), "quantity": "", "reason": "duplicate"},
    )
    entry = await AuditEntry.get(order_id=second.order.id)
    assert entry.action == AuditAction.ORDER_LINES_CANCELLED and "2 × Product" in entry.detail


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"reason": ""}, "Choose why"),
        ({"quantity": "9"}, "can still be cancelled"),
        ({"quantity": "x"}, "Enter a whole number"),
        ({"quantity": "²"}, "Enter a whole number"),
        ({"line_id": "999999"}, "No such line"),
        ({"line_id": "²"}, "Enter a whole number"),
        ({"line_id": "9" * 23}, "Enter a whole number"),
    ],
)
async def test_a_bad_cancellation_is_refused(
    staff: httpx.AsyncClient, change: dict[str, str], message: str
) -> None:
    first, _, _ = await _two_waiting()
    line = await OrderLine.get(order_id=first.order.id)
    url = f"/staff/orders/{first.order.id}"
    data = {"line_id": str(line.id), "quantity": "1", "reason": "asked", **change}
    refused = await submit(staff, url, f"{url}/cancel", data)
    assert refused.status_code == 400 and message in refused.text
    assert (await OrderLine.get(id=line.id)).qty_cancelled == 0
    assert await AuditEntry.all().count() == 0


async def test_an_unknown_order_is_not_found(staff: httpx.AsyncClient) -> None:
    assert (await staff.get("/staff/orders/424242")).status_code == 404
