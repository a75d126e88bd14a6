"""Rule 23: staff keep the catalogue. Products and suppliers through one service, every field
checked by name, every change that can move ETAs an ETA event with the PO date change's
exact preview."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from domain.catalog.checks import ProductData
from domain.catalog.models import CatalogChange, Product, Supplier
from domain.catalog_admin.services import (
    create_product,
    create_supplier,
    preview_product_change,
    preview_supplier_change,
    set_product_active,
    update_product,
    update_supplier,
)
from domain.errors import Conflict, InvalidInput, NotFound
from domain.notifications.composing.words import reason as reason_words
from domain.ordering.models import DelayNotice, EtaChange, EtaEvent, OrderLine
from domain.outbox.models import OutboxMessage
from domain.vocabulary import EtaReason
from tests import builders as b

pytestmark = pytest.mark.usefixtures("db")


def data(**changes: object) -> ProductData:
    values: dict[str, object] = {
        "sku": "EB-1",
        "name": "E-bike",
        "price": "2499.00",
        "mode": "stocked",
        "description": "A bike.",
        "backorders": "unlimited",
    }
    values.update(changes)
    return ProductData(**values)  # type: ignore[arg-type]


async def _rows() -> tuple[int, ...]:
    return (
        await EtaEvent.all().count(),
        await EtaChange.all().count(),
        await OutboxMessage.all().count(),
        await DelayNotice.all().count(),
        await CatalogChange.all().count(),
    )


async def test_a_product_is_created_with_every_field_and_audited() -> None:
    supplier = await b.supplier(lead_time_days=20)
    product_id = await create_product(
        data(backorders="cap", cap="5", supplier_id=supplier.id, per_order_limit="2"),
        ctx=b.ctx(),
    )
    product = await Product.get(id=product_id)
    assert (product.sku, product.price, product.backorder_cap, product.per_order_limit) == (
        "EB-1",
        Decimal("2499.00"),
        5,
        2,
    )
    assert await CatalogChange.filter(product_id=product_id, action="product_created").exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"sku": ""}, "sku"),
        ({"sku": "A B"}, "sku"),
        ({"sku": "X" * 10_000}, "sku"),
        ({"name": "N" * 10_000}, "name"),
        ({"description": "D" * 10_000}, "description"),
        ({"price": "-1"}, "price"),
        ({"price": "0"}, "price"),
        ({"price": "9" * 40}, "price"),
        ({"price": "١٢٣"}, "price"),  # Arabic-Indic digits: Decimal would read 123
        ({"price": "1e3"}, "price"),
        ({"mode": "teleported"}, "mode"),
        ({"backorders": "maybe"}, "backorderPolicy"),
        ({"backorders": "cap", "cap": ""}, "backorderCap"),
        ({"backorders": "cap", "cap": "²"}, "backorderCap"),
        ({"backorders": "cap", "cap": "99999999999999999999"}, "backorderCap"),
        ({"backorders": "cap", "cap": "-3"}, "backorderCap"),
        ({"mode": "preorder"}, "releaseDate"),
        ({"release_date": "2027-02-30"}, "releaseDate"),
        ({"lead_time_days": "٣"}, "leadTimeDays"),
        ({"per_order_limit": "0"}, "perOrderLimit"),
        ({"supplier_id": 999}, "supplierId"),
    ],
)
async def test_bad_product_input_names_its_field_and_saves_nothing(
    changes: dict[str, object], field: str
) -> None:
    with pytest.raises((InvalidInput, NotFound)) as refused:
        await create_product(data(**changes), ctx=b.ctx())
    assert refused.value.field == field
    assert await Product.all().count() == 0
    assert await CatalogChange.all().count() == 0


async def test_a_duplicate_sku_is_refused() -> None:
    await create_product(data(), ctx=b.ctx())
    with pytest.raises(Conflict) as refused:
        await create_product(data(name="Other"), ctx=b.ctx())
    assert refused.value.field == "sku"
    other = await create_product(data(sku="EB-2"), ctx=b.ctx())
    with pytest.raises(Conflict):
        await update_product(other, data(sku="EB-1"), ctx=b.ctx())


async def test_rule_23_a_cap_lowered_below_what_waits_is_refused_with_that_number() -> None:
    product = await b.product(on_hand=0, sku="AC-1")
    await b.order((product, 3))
    await b.order((product, 4))
    before = await _rows()
    with pytest.raises(Conflict) as refused:
        await update_product(
            product.id,
            data(sku="AC-1", name=product.name, backorders="cap", cap="5", supplier_id=None),
            "smaller",
            ctx=b.ctx(),
        )
    assert refused.value.field == "backorderCap"
    assert "7 units already wait" in refused.value.message
    assert refused.value.details["waiting"] == 7
    assert await _rows() == before
    assert (await Product.get(id=product.id)).backorder_cap is None


async def test_rule_23_a_release_date_moved_later_emails_everyone_waiting_with_the_reason() -> None:
    release = b.TODAY + dt.timedelta(days=20)
    product = await b.product(mode=b.AvailabilityMode.PREORDER, release_date=release, sku="PRE")
    await b.order((product, 1), email="a@example.com")
    await b.order((product, 2), email="b@example.com")
    await OutboxMessage.all().delete()
    later = release + dt.timedelta(days=30)
    change = data(
        sku="PRE",
        name=product.name,
        price="100.00",
        mode="preorder",
        release_date=later.isoformat(),
        supplier_id=product.supplier_id,
        description="",
    )
    before = await _rows()
    preview = await preview_product_change(product.id, change, "Certification", ctx=b.ctx())
    assert await _rows() == before
    saved = await update_product(product.id, change, "Certification", ctx=b.ctx())
    assert (
        (preview.lines_moved, preview.orders_moved, preview.emails_queued, preview.delay_notices)
        == (
            saved.impact.lines_moved,
            saved.impact.orders_moved,
            saved.impact.emails_queued,
            saved.impact.delay_notices,
        )
        == (2, 2, 2, 2)
    )
    assert preview.customers_emailed == 2
    assert {m.recipient for m in await OutboxMessage.all()} == {"a@example.com", "b@example.com"}
    event = await EtaEvent.get(id=saved.impact.event_id)
    assert event.reason == EtaReason.PRODUCT_CHANGED
    assert "Certification" in reason_words(event.reason, event.detail)
    assert all(line.eta_latest and line.eta_latest >= later for line in await OrderLine.all())


async def test_a_date_moving_change_needs_a_reason_and_keeps_nothing_without_one() -> None:
    product = await b.product(lead_time_days=10, sku="MTO")
    await b.order((product, 1))
    before = await _rows()
    change = data(sku="MTO", name=product.name, price="100.00", lead_time_days="40")
    change = ProductData(**{**change.__dict__, "supplier_id": product.supplier_id})
    with pytest.raises(InvalidInput) as refused:
        await update_product(product.id, change, "", ctx=b.ctx())
    assert refused.value.field == "reason"
    assert await _rows() == before
    assert (await Product.get(id=product.id)).lead_time_days == 10


async def test_an_archived_product_stops_selling_and_keeps_its_orders() -> None:
    product = await b.product(on_hand=5)
    placed = await b.order((product, 1))
    await set_product_active(product.id, False, ctx=b.ctx())
    with pytest.raises(InvalidInput) as refused:
        await b.order((product, 1))
    assert refused.value.field == "lines[0].sku"
    assert await OrderLine.filter(order_id=placed.order.id).count() == 1
    await set_product_active(product.id, True, ctx=b.ctx())
    await b.order((product, 1))


async def test_the_per_order_limit_refuses_a_larger_line() -> None:
    product_id = await create_product(data(per_order_limit="2"), ctx=b.ctx())
    product = await Product.get(id=product_id)
    with pytest.raises(InvalidInput) as refused:
        await b.order((product, 3))
    assert refused.value.field == "lines[0].quantity"
    await b.order((product, 2))


async def test_suppliers_are_created_edited_and_a_new_lead_time_moves_their_products() -> None:
    supplier_id = await create_supplier(
        "Sofa Works", "orders@sofa.example", "14", "1 Mill Lane", ctx=b.ctx()
    )
    with pytest.raises(Conflict):
        await create_supplier("Sofa Works", "", "3", ctx=b.ctx())
    with pytest.raises(InvalidInput) as refused:
        await create_supplier("Other", "not-an-address", "3", ctx=b.ctx())
    assert refused.value.field == "email"
    with pytest.raises(InvalidInput) as refused:
        await create_supplier("Other", "", "٣", ctx=b.ctx())
    assert refused.value.field == "leadTimeDays"
    supplier = await Supplier.get(id=supplier_id)
    product = await b.product(supplier_=supplier)
    await b.order((product, 1))
    preview = await preview_supplier_change(
        supplier_id, "Sofa Works", "orders@sofa.example", "40", "1 Mill Lane", "Busy", ctx=b.ctx()
    )
    done = await update_supplier(
        supplier_id, "Sofa Works", "orders@sofa.example", "40", "1 Mill Lane", "Busy", ctx=b.ctx()
    )
    assert preview.lines_moved == done.lines_moved == 1
    assert (await Supplier.get(id=supplier_id)).lead_time_days == 40
