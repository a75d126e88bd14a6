"""The catalogue in the staff console: products, suppliers and stock, with messages next to the
fields, CSRF on every form, and the exact preview before a change that moves dates."""

from __future__ import annotations

import re

import httpx
import pytest

from domain.catalog.models import Product, StockAdjustment, Supplier
from domain.ordering.models import EtaEvent
from domain.purchasing.models import WaitlistEntry
from tests import builders as b
from tests.portal.conftest import csrf_token
from tests.portal.staff.conftest import now_ctx, submit, text_of

pytestmark = pytest.mark.usefixtures("db")

FORM = {
    "sku": "EB-7",
    "name": "E-bike Seven",
    "description": "Fast.",
    "price": "2499.00",
    "mode": "stocked",
    "backorders": "cap",
    "cap": "5",
    "release_date": "",
    "lead_time_days": "",
    "supplier_id": "",
    "per_order_limit": "2",
}


async def test_staff_create_a_supplier_and_a_product(staff: httpx.AsyncClient) -> None:
    made = await submit(
        staff,
        "/staff/suppliers/new",
        "/staff/suppliers/new",
        {"name": "Nordic", "email": "po@nordic.example", "lead_time_days": "12", "address": ""},
    )
    assert made.status_code == 303, made.text[:500]
    supplier = await Supplier.get(name="Nordic")
    created = await submit(
        staff,
        "/staff/products/new",
        "/staff/products/new",
        {**FORM, "supplier_id": str(supplier.id)},
    )
    assert created.status_code == 303, created.text[:2000]
    product = await Product.get(sku="EB-7")
    assert (product.backorder_cap, product.per_order_limit, product.supplier_id) == (
        5,
        2,
        supplier.id,
    )
    listing = await staff.get("/staff/products")
    assert "EB-7" in listing.text
    page = await staff.get(f"/staff/suppliers/{supplier.id}")
    assert "EB-7" not in page.text and "No purchase orders yet" in page.text


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("price", "-3", "Enter a price"),
        ("price", "١٢", "Enter a price"),
        ("cap", "9" * 30, "Enter a whole number"),
        ("name", "n" * 10_000, "at most 200"),
        ("sku", "has space", "letters, digits"),
    ],
)
async def test_a_bad_product_form_shows_the_message_and_saves_nothing(
    staff: httpx.AsyncClient, field: str, value: str, message: str
) -> None:
    refused = await submit(
        staff, "/staff/products/new", "/staff/products/new", {**FORM, field: value}
    )
    assert refused.status_code == 400
    assert message in text_of(refused.text)
    assert 'aria-invalid="true"' in refused.text
    assert await Product.all().count() == 0


async def test_a_form_without_its_csrf_token_is_refused(staff: httpx.AsyncClient) -> None:
    refused = await staff.post("/staff/products/new", data=FORM)
    assert refused.status_code == 403
    assert await Product.all().count() == 0


async def test_a_lead_time_change_is_previewed_then_confirmed(staff: httpx.AsyncClient) -> None:
    product = await b.product(lead_time_days=10, sku="MTO-2")
    await b.order((product, 1), context=now_ctx(), email="wait@example.com")
    form = {
        **FORM,
        "sku": "MTO-2",
        "name": product.name,
        "price": "100.00",
        "backorders": "unlimited",
        "cap": "",
        "per_order_limit": "",
        "supplier_id": str(product.supplier_id),
        "lead_time_days": "60",
        "reason": "Factory closed for a month",
    }
    page = f"/staff/products/{product.id}"
    preview = await submit(staff, page, f"{page}/save", form)
    assert preview.status_code == 200
    words = text_of(preview.text)
    assert "moves 1 line in 1 order; 1 customer will be emailed" in words
    assert "wait@example.com" in words
    assert (await Product.get(id=product.id)).lead_time_days == 10
    assert await EtaEvent.all().count() == 0  # the preview kept nothing
    done = await submit(staff, page, f"{page}/save", {**form, "confirmed": "yes"})
    assert done.status_code == 303
    assert (await Product.get(id=product.id)).lead_time_days == 60


async def test_a_cap_below_the_waiting_units_is_refused_on_the_page(
    staff: httpx.AsyncClient,
) -> None:
    product = await b.product(sku="AC-3")
    await b.order((product, 4), context=now_ctx())
    page = f"/staff/products/{product.id}"
    form = {**FORM, "sku": "AC-3", "name": product.name, "price": "100.00", "cap": "2"}
    form["supplier_id"] = str(product.supplier_id)
    refused = await submit(staff, page, f"{page}/save", form)
    assert refused.status_code == 400
    assert "4 units already wait" in text_of(refused.text)
    assert (await Product.get(id=product.id)).backorder_cap is None


async def test_stock_found_is_recorded_with_its_reason(staff: httpx.AsyncClient) -> None:
    product = await b.product(sku="ST-3", on_hand=1)
    page = f"/staff/products/{product.id}"
    done = await submit(
        staff, page, f"{page}/stock", {"stock_reason": "found", "quantity": "4", "note": "bin 3"}
    )
    assert done.status_code == 303
    assert (await Product.get(id=product.id)).on_hand == 5
    assert (await StockAdjustment.get(product_id=product.id)).note == "bin 3"
    bad = await submit(
        staff, page, f"{page}/stock", {"stock_reason": "found", "quantity": "x", "note": ""}
    )
    assert bad.status_code == 400 and "Enter a whole number" in text_of(bad.text)
    archived = await submit(staff, page, f"{page}/active", {"active": "no"})
    assert archived.status_code == 303
    assert not (await Product.get(id=product.id)).active


async def _upload(
    staff: httpx.AsyncClient, kind: str, data: bytes, *, dry_run: bool = False
) -> httpx.Response:
    page = await staff.get("/staff/catalogue/import")
    fields = {"csrf_token": csrf_token(page.text), "kind": kind}
    if dry_run:
        fields["dry_run"] = "yes"
    return await staff.post(
        "/staff/catalogue/import", data=fields, files={"file": (f"{kind}.csv", data, "text/csv")}
    )


async def test_a_csv_upload_with_a_bad_row_writes_nothing_then_the_fixed_file_imports(
    staff: httpx.AsyncClient,
) -> None:
    bad = b"sku,name,price,mode\r\nOK-1,Fine,10.00,stocked\r\nBAD-1,Broken,ten,stocked\r\n"
    refused = await _upload(staff, "products", bad)
    assert refused.status_code == 400
    words = text_of(refused.text)
    assert "1 errors: nothing was written" in words and "3 price" in words
    assert await Product.all().count() == 0
    fixed = bad.replace(b"ten", b"10.00")
    checked = await _upload(staff, "products", fixed, dry_run=True)
    assert "2 would be created" in text_of(checked.text)
    assert await Product.all().count() == 0
    done = await _upload(staff, "products", fixed)
    assert done.status_code == 200 and "2 were created" in text_of(done.text)
    assert await Product.all().count() == 2
    exported = await staff.get("/staff/catalogue/export/products.csv")
    assert exported.headers["content-type"].startswith("text/csv")
    assert "OK-1,Fine" in exported.text


async def test_an_upload_without_its_csrf_token_is_refused(staff: httpx.AsyncClient) -> None:
    refused = await staff.post(
        "/staff/catalogue/import",
        data={"kind": "products"},
        files={"file": ("p.csv", b"sku,name,price,mode\r\nA,B,1.00,stocked\r\n", "text/csv")},
    )
    assert refused.status_code == 403
    assert await Product.all().count() == 0


async def test_staff_add_option_groups_and_choices_to_a_custom_build(
    staff: httpx.AsyncClient,
) -> None:
    bike = await b.product(mode=b.AvailabilityMode.CUSTOM_BUILD, lead_time_days=30, sku="MOTO")
    page = f"/staff/products/{bike.id}"
    added = await submit(
        staff, page, f"{page}/options", {"group_name": "Engine", "required": "yes"}
    )
    assert added.status_code == 303
    opened = await staff.get(page)
    assert "Engine (required)" in text_of(opened.text)
    group = re.search(r'/options/(\d+)"', opened.text)
    assert group
    bad = await submit(
        staff,
        page,
        f"{page}/options/{group.group(1)}",
        {"choice_name": "V-twin", "price_delta": "lots", "lead_time_delta_days": "0"},
    )
    assert bad.status_code == 400 and "Enter an amount" in text_of(bad.text)
    good = await submit(
        staff,
        page,
        f"{page}/options/{group.group(1)}",
        {"choice_name": "V-twin", "price_delta": "1500.00", "lead_time_delta_days": "14"},
    )
    assert good.status_code == 303
    assert "V-twin: €1,500.00, 14 days" in text_of((await staff.get(page)).text)


async def test_the_product_list_finds_by_sku_or_name(staff: httpx.AsyncClient) -> None:
    await b.product(sku="FIND-ME")
    await b.product(sku="OTHER-1")
    found = text_of((await staff.get("/staff/products?q=find")).text)
    assert "FIND-ME" in found and "OTHER-1" not in found
    assert "2 products in the catalogue" in found
    nothing = await staff.get("/staff/products?q=%25_!")
    assert "No product matches" in text_of(nothing.text)


async def test_the_staff_product_page_counts_its_waitlist(staff: httpx.AsyncClient) -> None:
    # Rule 26: staff see who waits for a product that cannot be ordered, by status.
    product = await b.product(sku="WL-1", cap=0)
    now = now_ctx().now
    for n, status in enumerate(["confirmed", "confirmed", "pending", "told", "left"]):
        await WaitlistEntry.create(
            product_id=product.id,
            email=f"w{n}@example.com",
            token_salt=f"{n:032d}",
            status=status,
            created_at=now,
            confirmed_at=now if status != "pending" else None,
        )
    page = await staff.get(f"/staff/products/{product.id}")
    assert page.status_code == 200
    assert "Waitlist: 2 confirmed · 1 not yet confirmed · 1 told of an opening" in text_of(
        page.text
    )
