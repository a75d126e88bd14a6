"""Purchase orders: the list, creating one, an expected-date change previewed exactly before it
is confirmed, cancelling a line, and who did each, on the PO page."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

from domain.audit.models import AuditEntry
from domain.catalog.models import Product
from domain.ordering.models import DelayNotice, EtaChange, EtaEvent
from domain.outbox.models import OutboxMessage
from domain.purchasing.models import PurchaseOrder, PurchaseOrderDateChange, PurchaseOrderLine
from domain.supply.date_changes import change_expected_date
from portal.formatting import day
from tests import builders as b
from tests.portal.conftest import csrf_token
from tests.portal.staff.conftest import hidden, now_ctx, submit, text_of, today

pytestmark = pytest.mark.usefixtures("db")


async def _backordered_po(customers: int = 3, days: int = 10) -> tuple[PurchaseOrder, Product]:
    """A PO of 20 units due in ``days`` days, with ``customers`` orders of 2 waiting on it."""
    supplier = await b.supplier(name="CoolAir")
    product = await b.product(on_hand=0, supplier_=supplier, sku="AC-12")
    po = await b.purchase_order(
        supplier, today() + dt.timedelta(days=days), (product, 20), context=now_ctx()
    )
    for n in range(customers):
        await b.order((product, 2), context=now_ctx(), email=f"c{n}@example.com")
    return po, product


async def test_the_list_puts_overdue_purchase_orders_first(staff: httpx.AsyncClient) -> None:
    supplier = await b.supplier(name="Slow Ltd")
    product = await b.product(supplier_=supplier)
    past = b.ctx(now=dt.datetime.now(dt.UTC) - dt.timedelta(days=30))
    late = await b.purchase_order(
        supplier, today() - dt.timedelta(days=3), (product, 5), context=past
    )
    soon = await b.purchase_order(
        supplier, today() + dt.timedelta(days=1), (product, 5), context=now_ctx()
    )
    page = await staff.get("/staff/purchase-orders")
    assert page.status_code == 200
    assert page.text.index(late.number) < page.text.index(soon.number)
    assert "overdue" in page.text
    other = await staff.get(f"/staff/purchase-orders?status=closed&supplier={supplier.id}")
    assert late.number not in other.text and "No purchase orders match" in other.text


async def test_creating_a_purchase_order_from_the_form(staff: httpx.AsyncClient) -> None:
    supplier = await b.supplier(name="CoolAir")
    await b.product(sku="AC-12", supplier_=supplier)
    form = await staff.get("/staff/purchase-orders/new")
    data = {
        "csrf_token": csrf_token(form.text),
        "key": hidden(form.text, "key"),
        "supplier_id": str(supplier.id),
        "expected_date": (today() + dt.timedelta(days=20)).isoformat(),
        "sku_0": "AC-12",
        "quantity_0": "12",
    }
    created = await staff.post("/staff/purchase-orders/new", data=data)
    assert created.status_code == 303
    again = await staff.post("/staff/purchase-orders/new", data=data)  # a double click
    assert again.headers["location"] == created.headers["location"]
    assert await PurchaseOrder.all().count() == 1
    page = await staff.get(created.headers["location"])
    assert (
        "Purchase order created." in page.text and "Ada Admin &lt;ada@example.com&gt;" in page.text
    )
    assert (await PurchaseOrderLine.get()).quantity == 12


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"expected_date": "2001-01-01"}, "cannot be in the past"),
        ({"expected_date": "soon"}, "Enter a date"),
        ({"sku_0": "NO-SUCH"}, "No such product"),
        ({"quantity_0": "0"}, "at least 1"),
        ({"quantity_0": "lots"}, "Enter a whole number"),
        ({"quantity_0": "²"}, "Enter a whole number"),  # a digit to str.isdigit() only
        ({"quantity_0": "9" * 23}, "Enter a whole number"),
        ({"supplier_id": "²"}, "Enter a whole number"),
        ({"supplier_id": str(2**31)}, "Enter a whole number"),
        ({"sku_0": "", "quantity_0": ""}, "Add at least one line"),
        ({"supplier_id": ""}, "Enter a whole number"),
    ],
)
async def test_a_bad_purchase_order_form_is_shown_again_with_the_problem(
    staff: httpx.AsyncClient, change: dict[str, str], message: str
) -> None:
    supplier = await b.supplier(name="CoolAir")
    await b.product(sku="AC-12", supplier_=supplier)
    data = {
        "supplier_id": str(supplier.id),
        "expected_date": (today() + dt.timedelta(days=20)).isoformat(),
        "sku_0": "AC-12",
        "quantity_0": "12",
        "key": "k1",
        **change,
    }
    refused = await submit(staff, "/staff/purchase-orders/new", "/staff/purchase-orders/new", data)
    assert refused.status_code == 400
    assert message in refused.text
    assert await PurchaseOrder.all().count() == 0


async def test_the_preview_tells_exactly_who_a_date_change_touches_and_changes_nothing(
    staff: httpx.AsyncClient,
) -> None:
    po, _ = await _backordered_po(customers=3)
    url = f"/staff/purchase-orders/{po.id}"
    before = (
        await EtaChange.all().count(),
        await OutboxMessage.all().count(),
        await EtaEvent.all().count(),
    )
    new_date = today() + dt.timedelta(days=40)
    preview = await submit(
        staff,
        url,
        f"{url}/date/preview",
        {"new_date": new_date.isoformat(), "reason": "Factory fire"},
    )
    assert preview.status_code == 200
    words = text_of(preview.text)
    assert (
        "This moves 3 lines in 3 orders; 3 customers will be emailed; 3 lines pass their"
        " promised date and get a delay notice."
    ) in words
    assert words.count("delay notice") >= 3 and "c0@example.com" in words
    assert (
        await EtaChange.all().count(),
        await OutboxMessage.all().count(),
        await EtaEvent.all().count(),
    ) == before
    assert (await PurchaseOrder.get(id=po.id)).expected_date == po.expected_date
    assert await DelayNotice.all().count() == 0
    assert await PurchaseOrderDateChange.all().count() == 0


async def test_confirming_the_preview_does_what_it_said_and_records_who(
    staff: httpx.AsyncClient,
) -> None:
    po, _ = await _backordered_po(customers=3)
    url = f"/staff/purchase-orders/{po.id}"
    new_date = today() + dt.timedelta(days=40)
    preview = await submit(
        staff,
        url,
        f"{url}/date/preview",
        {"new_date": new_date.isoformat(), "reason": "Factory fire"},
    )
    confirmed = await staff.post(
        f"{url}/date",
        data={
            "csrf_token": csrf_token(preview.text),
            "new_date": new_date.isoformat(),
            "reason": "Factory fire",
        },
    )
    assert confirmed.status_code == 303 and "?event=" in confirmed.headers["location"]
    page = text_of((await staff.get(confirmed.headers["location"])).text)
    assert (
        "Moved 3 lines in 3 orders; 3 customers emailed (3 emails queued); 3 delay notices." in page
    )
    assert "by Ada Admin <ada@example.com>. “Factory fire”" in page
    old_date = today() + dt.timedelta(days=10)
    assert f"Done. {po.number} now expected {day(new_date)} (was {day(old_date)})" in page
    assert new_date.isoformat() not in page  # the banner writes dates like every other page
    assert await OutboxMessage.filter(kind="delay_notice").count() == 3
    change = await PurchaseOrderDateChange.get()
    assert change.actor.startswith("staff:") and change.new_date == new_date


async def test_a_preview_of_a_purchase_order_nobody_waits_on_says_so(
    staff: httpx.AsyncClient,
) -> None:
    po, _ = await _backordered_po(customers=0)
    url = f"/staff/purchase-orders/{po.id}"
    preview = await submit(
        staff,
        url,
        f"{url}/date/preview",
        {"new_date": (today() + dt.timedelta(days=40)).isoformat(), "reason": "Late"},
    )
    assert "moves no customer's date" in preview.text


@pytest.mark.parametrize(
    ("new_date", "reason", "message"),
    [
        ("2001-01-01", "Late", "cannot be in the past"),
        ("", "Late", "Enter a date"),
        ("same", "Late", "already the expected date"),
        ("later", "", "reason"),
    ],
)
async def test_a_bad_date_change_is_refused_before_any_preview(
    staff: httpx.AsyncClient, new_date: str, reason: str, message: str
) -> None:
    po, _ = await _backordered_po(customers=1)
    url = f"/staff/purchase-orders/{po.id}"
    value = {
        "same": po.expected_date.isoformat(),
        "later": (today() + dt.timedelta(days=30)).isoformat(),
    }.get(new_date, new_date)
    for action in (f"{url}/date/preview", f"{url}/date"):
        refused = await submit(staff, url, action, {"new_date": value, "reason": reason})
        assert refused.status_code == 400
        assert message in refused.text
    assert await PurchaseOrderDateChange.all().count() == 0


async def test_a_closed_purchase_order_cannot_be_moved(staff: httpx.AsyncClient) -> None:
    po, _ = await _backordered_po(customers=0)
    await PurchaseOrder.filter(id=po.id).update(status="closed")
    url = f"/staff/purchase-orders/{po.id}"
    refused = await submit(
        staff,
        url,
        f"{url}/date/preview",
        {"new_date": (today() + dt.timedelta(days=30)).isoformat(), "reason": "x"},
    )
    assert refused.status_code == 400 and "Only an open purchase order" in refused.text


async def test_cancelling_a_purchase_order_line_records_who_and_why(
    staff: httpx.AsyncClient,
) -> None:
    po, _ = await _backordered_po(customers=2)
    line = await PurchaseOrderLine.get(purchase_order_id=po.id)
    url = f"/staff/purchase-orders/{po.id}"
    done = await submit(staff, url, f"{url}/lines/{line.id}/cancel", {"reason": "Discontinued"})
    assert done.status_code == 303
    page = text_of((await staff.get(done.headers["location"])).text)
    assert "20 × AC-12 cancelled: Discontinued by Ada Admin <ada@example.com>" in page
    assert (await AuditEntry.get()).actor.startswith("staff:")
    again = await submit(staff, url, f"{url}/lines/{line.id}/cancel", {"reason": "Discontinued"})
    assert again.status_code == 400


async def test_cancelling_a_line_needs_a_reason_and_a_line_of_this_po(
    staff: httpx.AsyncClient,
) -> None:
    po, _ = await _backordered_po(customers=1)
    line = await PurchaseOrderLine.get(purchase_order_id=po.id)
    url = f"/staff/purchase-orders/{po.id}"
    no_reason = await submit(staff, url, f"{url}/lines/{line.id}/cancel", {"reason": " "})
    assert no_reason.status_code == 400
    elsewhere = await submit(staff, url, f"{url}/lines/{line.id + 99}/cancel", {"reason": "x"})
    assert elsewhere.status_code == 404
    assert (await PurchaseOrderLine.get(id=line.id)).quantity_cancelled == 0


async def test_an_unknown_purchase_order_is_not_found(staff: httpx.AsyncClient) -> None:
    assert (await staff.get("/staff/purchase-orders/999")).status_code == 404
    assert (await staff.get("/staff/purchase-orders/99999999999")).status_code == 404


async def test_the_done_line_of_another_purchase_orders_change_is_not_shown(
    staff: httpx.AsyncClient,
) -> None:
    po, _ = await _backordered_po(customers=1)
    await change_expected_date(po.id, today() + dt.timedelta(days=40), "Late", ctx=now_ctx())
    supplier = await b.supplier()
    other = await b.purchase_order(
        supplier,
        today() + dt.timedelta(days=9),
        (await b.product(supplier_=supplier), 1),
        context=now_ctx(),
    )
    event = await EtaEvent.filter(reason="po_date_changed").first()
    assert event is not None
    page = await staff.get(f"/staff/purchase-orders/{other.id}?event={event.id}")
    assert page.status_code == 200 and "Done." not in page.text
    mine = await staff.get(f"/staff/purchase-orders/{po.id}?event={event.id}")
    assert "Done." in mine.text
