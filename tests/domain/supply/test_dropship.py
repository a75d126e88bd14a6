"""Rule 25 end to end in the domain: a dropship order line goes on the supplier's PO of the
day with the customer's address, the supplier records the parcel through its link, which
ships the line (rule 12), recognises its revenue (rule 4) and emails the customer the tracking.
Emails go through a real SMTP server; races are run racing."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest

from domain.audit.models import AuditEntry
from domain.catalog.models import Product, Supplier
from domain.errors import Conflict, InvalidInput, NotFound
from domain.ledger.models import LedgerEntry
from domain.ordering.changes import CancelRequest, cancel_order_lines
from domain.ordering.models import OrderLine
from domain.ordering.services import LineRequest, OrderRequest, place_order
from domain.purchasing.models import PurchaseOrder, PurchaseOrderLine
from domain.shipping.models import Shipment
from domain.supply.answers import LinkRefused, holder_of
from domain.supply.dropship import record_dropship_parcel
from domain.supply.link import supplier_token
from domain.supply.purchase_orders import ReceiptLineRequest, receive
from domain.supply.reads import supplier_po
from domain.vocabulary import EtaBasis, LedgerKind, ShipmentStatus
from tests import builders as b
from tests.domain.notifications.conftest import SmtpServer, send_all

pytestmark = pytest.mark.usefixtures("db")


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


async def _maker(name: str = "Sofa Makers", email: str = "parcels@sofas.example") -> Supplier:
    supplier = await b.supplier(name=name, lead_time_days=10)
    supplier.email = email
    await supplier.save()
    return supplier


async def _dropship_product(maker: Supplier, *, optional: bool = False) -> Product:
    product = await b.product(on_hand=5, supplier_=maker, price="250.00")
    await Product.filter(id=product.id).update(dropship=True, dropship_optional=optional)
    return await Product.get(id=product.id)


async def _order(*lines: tuple[Product, int, bool | None], email: str = "ada@example.com"):
    return await place_order(
        OrderRequest(
            email=email,
            name="Ada Lovelace",
            shipping_address="1 Analytical Way\nLondon",
            lines=[LineRequest(p.sku, q, dropship=d) for p, q, d in lines],
        ),
        ctx=b.ctx(),
    )


async def _token(po_id: int) -> str:
    po = await PurchaseOrder.get(id=po_id)
    assert po.link_expires is not None
    return supplier_token(b.POLICY.secret_key, po.id, po.link_expires, po.link_salt)


async def test_rule_25_a_dropship_line_is_shipped_by_its_supplier_to_the_customer(
    smtp: SmtpServer,
) -> None:
    maker = await _maker()
    sofa = await _dropship_product(maker)
    placed = await _order((sofa, 2, None))
    [line] = placed.order.lines
    # Shop stock is untouched and no queue is joined; the ETA is the maker's lead time + transit.
    assert (await Product.get(id=sofa.id)).on_hand == 5
    assert (await Product.get(id=sofa.id)).waiting_units == 0
    assert line.eta.basis == EtaBasis.DROPSHIP
    assert line.eta.earliest == b.TODAY + dt.timedelta(days=10 + b.POLICY.transit_days_min)
    assert line.eta.latest == b.TODAY + dt.timedelta(days=10 + b.POLICY.transit_days_max)
    [po] = await PurchaseOrder.filter(dropship=True)
    [po_line] = await PurchaseOrderLine.filter(purchase_order_id=po.id)
    assert (po.supplier_id, po_line.quantity, po_line.order_line_id) == (maker.id, 2, line.id)
    assert po_line.ship_to == "Ada Lovelace\n1 Analytical Way\nLondon"
    assert (await OrderLine.get(id=line.id)).pegged_po_line_id == po_line.id

    await send_all(smtp)
    [to_maker] = [m for m in smtp.inbox.received if m.rcpt_tos == ["parcels@sofas.example"]]
    token = await _token(po.id)
    assert f"/supplier/po/{token}" in to_maker.text
    assert "1 Analytical Way" in to_maker.text and "parcels to send" in to_maker.subject
    [confirmation] = [m for m in smtp.inbox.received if m.rcpt_tos == ["ada@example.com"]]
    assert "shipped by the maker" in confirmation.text

    sent = await record_dropship_parcel(token, po_line.id, "DPD", "DPD-123456", ctx=b.ctx())
    shipment = await Shipment.get(id=sent.shipment_id)
    assert (shipment.status, shipment.carrier, shipment.tracking_number) == (
        ShipmentStatus.SHIPPED,
        "DPD",
        "DPD-123456",
    )
    assert shipment.created_by == f"supplier:{maker.id}"
    shipped = await OrderLine.get(id=line.id)
    assert (shipped.qty_allocated, shipped.qty_shipped) == (0, 2)
    revenue = await LedgerEntry.filter(line_id=line.id, kind=LedgerKind.REVENUE_RECOGNISED)
    assert [(r.quantity, r.amount) for r in revenue] == [(2, Decimal("500.00"))]
    assert await AuditEntry.filter(actor=f"supplier:{maker.id}", purchase_order_id=po.id).exists()
    assert (await PurchaseOrder.get(id=po.id)).status == "closed"  # nothing left to send
    await send_all(smtp)
    [tracking] = [m for m in smtp.inbox.received if "on its way" in m.subject]
    assert tracking.rcpt_tos == ["ada@example.com"]
    assert "DPD-123456" in tracking.text and "DPD-123456" in tracking.html
    assert "shipped by the maker" in tracking.text
    # The same answer again (a double click) changes nothing.
    again = await record_dropship_parcel(token, po_line.id, "DPD", "DPD-123456", ctx=b.ctx())
    assert again.replayed and await Shipment.all().count() == 1


async def test_rule_25_dropship_lines_take_no_stock_and_receipts_never_fill_them() -> None:
    maker = await _maker()
    sofa = await _dropship_product(maker, optional=True)
    placed = await _order((sofa, 1, True), (sofa, 2, False))
    by_maker, from_shop = sorted(placed.order.lines, key=lambda line: line.quantity)
    assert by_maker.dropship and not from_shop.dropship
    assert (from_shop.allocated, from_shop.eta.basis) == (2, EtaBasis.IN_STOCK)
    assert (await Product.get(id=sofa.id)).on_hand == 3  # only the shop's line took stock
    [po] = await PurchaseOrder.filter(dropship=True)
    with pytest.raises(Conflict) as refused:
        await receive(
            po.id,
            "r-1",
            [ReceiptLineRequest((await PurchaseOrderLine.get(purchase_order_id=po.id)).id, 1)],
            ctx=b.ctx(),
        )
    assert refused.value.field == "purchaseOrderId"


async def test_a_product_says_who_ships_it_and_a_wrong_choice_names_the_field() -> None:
    maker = await _maker()
    only_maker = await _dropship_product(maker)
    shop_only = await b.product(on_hand=3, supplier_=maker)
    with pytest.raises(InvalidInput) as error:
        await _order((shop_only, 1, True))
    assert error.value.field == "lines[0].dropship"
    with pytest.raises(InvalidInput) as error:
        await _order((only_maker, 1, False))
    assert error.value.field == "lines[0].dropship"
    assert await PurchaseOrder.all().count() == 0


async def test_two_orders_the_same_day_for_one_supplier_share_one_dropship_po() -> None:
    maker = await _maker()
    sofa, chair = await _dropship_product(maker), await _dropship_product(maker)
    await _order((sofa, 1, None), email="ada@example.com")
    await _order((chair, 1, None), (sofa, 1, None), email="bob@example.com")
    [po] = await PurchaseOrder.filter(dropship=True)
    lines = await PurchaseOrderLine.filter(purchase_order_id=po.id)
    assert len(lines) == 3 and len({line.order_line_id for line in lines}) == 3
    # The next store day opens a new one.
    tomorrow = b.later(b.ctx(), days=1)
    await place_order(
        OrderRequest("cy@example.com", "Cy", "2 Road", [LineRequest(sofa.sku, 1)]), ctx=tomorrow
    )
    assert await PurchaseOrder.filter(dropship=True).count() == 2


async def test_two_orders_racing_to_open_the_days_dropship_po_make_exactly_one() -> None:
    maker = await _maker()
    sofa = await _dropship_product(maker)
    placed = await asyncio.gather(
        *(_order((sofa, 1, None), email=f"c{n}@example.com") for n in range(6))
    )
    assert len(placed) == 6
    [po] = await PurchaseOrder.filter(dropship=True)
    assert await PurchaseOrderLine.filter(purchase_order_id=po.id).count() == 6


async def test_two_suppliers_links_never_see_each_others_dropship_pos() -> None:
    sofas, lamps = await _maker(), await _maker("Lamp Works", "ship@lamps.example")
    sofa, lamp = await _dropship_product(sofas), await _dropship_product(lamps)
    await _order((sofa, 1, None), (lamp, 1, None))
    po_sofa = await PurchaseOrder.get(supplier_id=sofas.id)
    po_lamp = await PurchaseOrder.get(supplier_id=lamps.id)
    sofa_token, lamp_token = await _token(po_sofa.id), await _token(po_lamp.id)
    view = await supplier_po(await holder_of(sofa_token, ctx=b.ctx()))
    assert [line.sku for line in view.lines] == [sofa.sku]
    lamp_line = await PurchaseOrderLine.get(purchase_order_id=po_lamp.id)
    with pytest.raises(NotFound):
        await record_dropship_parcel(sofa_token, lamp_line.id, "DPD", "X1", ctx=b.ctx())
    assert await Shipment.all().count() == 0
    view = await supplier_po(await holder_of(lamp_token, ctx=b.ctx()))
    assert [line.sku for line in view.lines] == [lamp.sku]


async def test_a_tampered_or_expired_link_is_refused_and_changes_nothing() -> None:
    maker = await _maker()
    sofa = await _dropship_product(maker)
    await _order((sofa, 1, None))
    po = await PurchaseOrder.get(dropship=True)
    line = await PurchaseOrderLine.get(purchase_order_id=po.id)
    token = await _token(po.id)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert po.link_expires is not None
    expired = b.later(b.ctx(), days=(po.link_expires - b.TODAY).days + 1)
    with pytest.raises(LinkRefused):
        await record_dropship_parcel(tampered, line.id, "DPD", "X1", ctx=b.ctx())
    with pytest.raises(LinkRefused):
        await record_dropship_parcel(token, line.id, "DPD", "X1", ctx=expired)
    assert await Shipment.all().count() == 0
    assert (await OrderLine.get(id=line.order_line_id)).qty_shipped == 0


@pytest.mark.parametrize(
    ("carrier", "tracking", "field"),
    [
        ("<b>DPD</b>", "X1", "carrier"),
        ("DPD", "<script>alert(1)</script>", "trackingNumber"),
        ("D" * 10_000, "X1", "carrier"),
        ("DPD", "X" * 10_000, "trackingNumber"),
        ("DPD\r\nBcc: victim@example.com", "X1", "carrier"),
        ("DPD", "X1\nSubject: hi", "trackingNumber"),
        ("=?utf-8?q?DPD=0D=0ABcc:_a@example.com?=", "X1", "carrier"),
        ("DPD", "", "trackingNumber"),
    ],
)
async def test_hostile_carrier_or_tracking_is_refused_naming_the_field(
    carrier: str, tracking: str, field: str
) -> None:
    maker = await _maker()
    sofa = await _dropship_product(maker)
    await _order((sofa, 1, None))
    po = await PurchaseOrder.get(dropship=True)
    line = await PurchaseOrderLine.get(purchase_order_id=po.id)
    with pytest.raises(InvalidInput) as error:
        await record_dropship_parcel(await _token(po.id), line.id, carrier, tracking, ctx=b.ctx())
    assert error.value.field == field
    assert await Shipment.all().count() == 0


async def test_cancelling_a_dropship_line_before_it_ships_cancels_its_po_line_and_tells_the_maker(
    smtp: SmtpServer,
) -> None:
    maker = await _maker()
    sofa = await _dropship_product(maker)
    placed = await _order((sofa, 3, None))
    [line] = placed.order.lines
    await send_all(smtp)
    smtp.inbox.received.clear()
    await cancel_order_lines(placed.order.id, [CancelRequest(line.id, 1)], ctx=b.ctx())
    po_line = await PurchaseOrderLine.get(order_line_id=line.id)
    assert (po_line.quantity, po_line.quantity_cancelled) == (3, 1)
    assert (await Product.get(id=sofa.id)).on_hand == 5  # nothing came back to our stock
    await send_all(smtp)
    [notice] = [m for m in smtp.inbox.received if m.rcpt_tos == ["parcels@sofas.example"]]
    assert "do not send" in notice.subject.lower() and sofa.sku in notice.text
    assert "1 x" in notice.text
    # The supplier then ships what is left: two units.
    token = await _token(po_line.purchase_order_id)
    await record_dropship_parcel(token, po_line.id, "DPD", "X1", ctx=b.ctx())
    shipped = await OrderLine.get(id=line.id)
    assert (shipped.qty_shipped, shipped.qty_cancelled, shipped.qty_allocated) == (2, 1, 0)


async def test_after_the_supplier_shipped_cancelling_is_refused_with_a_clear_message() -> None:
    maker = await _maker()
    sofa = await _dropship_product(maker)
    placed = await _order((sofa, 1, None))
    [line] = placed.order.lines
    po_line = await PurchaseOrderLine.get(order_line_id=line.id)
    await record_dropship_parcel(
        await _token(po_line.purchase_order_id), po_line.id, "DPD", "X1", ctx=b.ctx()
    )
    with pytest.raises(Conflict) as refused:
        await cancel_order_lines(placed.order.id, [CancelRequest(line.id)], ctx=b.ctx())
    assert "already shipped" in refused.value.message
    assert (await OrderLine.get(id=line.id)).qty_cancelled == 0


async def test_cancel_and_parcel_racing_for_one_line_exactly_one_wins() -> None:
    maker = await _maker()
    sofa = await _dropship_product(maker)
    for n in range(4):
        placed = await _order((sofa, 1, None), email=f"r{n}@example.com")
        [line] = placed.order.lines
        po_line = await PurchaseOrderLine.get(order_line_id=line.id)
        token = await _token(po_line.purchase_order_id)
        outcome = await asyncio.gather(
            cancel_order_lines(placed.order.id, [CancelRequest(line.id)], ctx=b.ctx()),
            record_dropship_parcel(token, po_line.id, "DPD", f"T{n}", ctx=b.ctx()),
            return_exceptions=True,
        )
        failures = [o for o in outcome if isinstance(o, BaseException)]
        assert len(failures) == 1 and isinstance(failures[0], Conflict), outcome
        final = await OrderLine.get(id=line.id)
        assert (final.qty_shipped, final.qty_cancelled) in ((1, 0), (0, 1))
        po_after = await PurchaseOrderLine.get(id=po_line.id)
        assert (po_after.shipment_id is not None) == (final.qty_shipped == 1)
        assert po_after.quantity_cancelled == final.qty_cancelled
