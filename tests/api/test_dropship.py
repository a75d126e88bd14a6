"""Dropship over GraphQL (rule 25): staff set who ships a product, a customer chooses per line
where the product allows both, the supplier records the parcel by its link's token, and the
customer's order shows the line shipped with its tracking; the normal webhook fires."""

from __future__ import annotations

import pytest

from api.ids import encode
from domain.catalog.models import Product, Supplier
from domain.purchasing.models import PurchaseOrder, PurchaseOrderLine
from domain.supply.link import supplier_token
from domain.webhooks.models import WebhookDelivery
from domain.webhooks.services import subscribe
from tests import builders as b
from tests.api.helpers import Api, codes, staff_token

pytestmark = pytest.mark.usefixtures("db")

CREATE = """mutation($input: ProductInput!) { createProduct(input: $input) {
  productId errors { code field message } } }"""
PRODUCT = """query($sku: String!) { product(sku: $sku) { shippedBy
  availability { eta { basis } makerEta { earliest latest basis } } } }"""
PLACE = """mutation($input: PlaceOrderInput!) { placeOrder(input: $input) {
  order { lines { id sku dropship quantities { allocated shipped } eta { basis } } }
  orderToken errors { code field message } } }"""
SUPPLIER_PO = """query($token: String!) { supplierPurchaseOrder(token: $token) {
  dropship lines { id sku shipTo expected } } }"""
RECORD = """mutation($input: RecordDropshipParcelInput!) { recordDropshipParcel(input: $input) {
  replayed purchaseOrder { lines { carrier trackingNumber } } errors { code field message } } }"""
ORDER = """query($token: String!) { order(token: $token) {
  lines { dropship quantities { shipped } } shipments { carrier trackingNumber } } }"""
STAFF_POS = "{ purchaseOrders { edges { node { number dropship } } } }"


async def _maker() -> Supplier:
    maker = await b.supplier(name="Lumen", lead_time_days=6)
    await Supplier.filter(id=maker.id).update(email="ship@lumen.example")
    return maker


def _place(sku: str, dropship: bool | None) -> dict:
    line: dict = {"sku": sku, "quantity": 1}
    if dropship is not None:
        line["dropship"] = dropship
    return {
        "input": {
            "email": "ada@example.com",
            "name": "Ada",
            "shippingAddress": "1 Analytical Way\nLondon",
            "lines": [line],
        }
    }


async def test_rule_25_over_the_api_staff_set_it_the_customer_chooses_the_supplier_ships(
    api: Api,
) -> None:
    maker = await _maker()
    await subscribe(
        "https://hooks.example.com/in", ["shipment.sent"], ctx=b.ctx(), production=False
    )
    token = await staff_token("catalog")
    made = await api.payload(
        CREATE,
        {
            "input": {
                "sku": "LAMP",
                "name": "Arc lamp",
                "price": "329.00",
                "mode": "STOCKED",
                "supplierId": encode("Supplier", maker.id),
                "shippedBy": "EITHER",
            }
        },
        token=token,
    )
    assert made["errors"] == []
    product = (await api.data(PRODUCT, {"sku": "LAMP"}))["product"]
    assert product["shippedBy"] == "EITHER"
    assert product["availability"]["makerEta"]["basis"] == "DROPSHIP"

    placed = await api.payload(PLACE, _place("LAMP", True))
    assert placed["errors"] == []
    [line] = placed["order"]["lines"]
    assert (line["dropship"], line["eta"]["basis"]) == (True, "DROPSHIP")
    po = await PurchaseOrder.get(dropship=True)
    assert po.link_expires is not None
    link = supplier_token(b.POLICY.secret_key, po.id, po.link_expires, po.link_salt)
    seen = (await api.data(SUPPLIER_PO, {"token": link}))["supplierPurchaseOrder"]
    assert seen["dropship"] is True
    assert seen["lines"][0]["shipTo"] == "Ada\n1 Analytical Way\nLondon"

    record = {
        "token": link,
        "purchaseOrderLineId": seen["lines"][0]["id"],
        "carrier": "DPD",
        "trackingNumber": "DPD-778899",
    }
    done = await api.payload(RECORD, {"input": record})
    assert done["errors"] == [] and done["replayed"] is False
    assert done["purchaseOrder"]["lines"][0]["trackingNumber"] == "DPD-778899"
    order = (await api.data(ORDER, {"token": placed["orderToken"]}))["order"]
    assert order["lines"][0]["quantities"]["shipped"] == 1
    assert order["shipments"] == [{"carrier": "DPD", "trackingNumber": "DPD-778899"}]
    assert await WebhookDelivery.filter(event="shipment.sent").count() == 1

    listed = await api.data(STAFF_POS, token=await staff_token("read"))
    assert {"number": po.number, "dropship": True} in [
        edge["node"] for edge in listed["purchaseOrders"]["edges"]
    ]


async def test_a_wrong_shipping_choice_or_a_hostile_parcel_names_the_field(api: Api) -> None:
    maker = await _maker()
    await b.product(on_hand=3, supplier_=maker, sku="SHOP-ONLY")
    refused = await api.payload(PLACE, _place("SHOP-ONLY", True))
    assert codes(refused) == [("INVALID", "lines[0].dropship")]
    made = await api.payload(
        CREATE,
        {
            "input": {
                "sku": "X",
                "name": "X",
                "price": "1.00",
                "mode": "STOCKED",
                "shippedBy": "MAKER",
            }
        },
        token=await staff_token("catalog"),
    )
    assert codes(made) == [("INVALID", "shippedBy")]  # a maker needs a supplier

    lamp = await b.product(on_hand=0, supplier_=maker, sku="LAMP-2")
    await Product.filter(id=lamp.id).update(dropship=True)
    assert (await api.payload(PLACE, _place("LAMP-2", None)))["errors"] == []
    po = await PurchaseOrder.get(dropship=True)
    assert po.link_expires is not None
    link = supplier_token(b.POLICY.secret_key, po.id, po.link_expires, po.link_salt)
    line = await PurchaseOrderLine.get(purchase_order_id=po.id)
    record = {
        "token": link,
        "purchaseOrderLineId": encode("PurchaseOrderLine", line.id),
        "carrier": "DPD\r\nBcc: x@example.com",
        "trackingNumber": "T" * 10_000,
    }
    done = await api.payload(RECORD, {"input": record})
    assert codes(done) == [("INVALID", "carrier")]
    tampered = dict(record, token=link[:-1] + ("A" if link[-1] != "A" else "B"), carrier="DPD")
    done = await api.payload(RECORD, {"input": tampered})
    assert codes(done)[0][0] == "PERMISSION_DENIED"
    assert await WebhookDelivery.filter(event="shipment.sent").count() == 0
