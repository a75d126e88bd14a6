"""Staff purchasing: suppliers, purchase orders (overdue first), dates, cancellations, receipts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from api.ids import encode
from domain.purchasing.models import PurchaseOrder, PurchaseOrderLine
from tests import builders as b
from tests.api.helpers import Api, codes, now_ctx, staff_token, today
from tests.domain.builds import test_build_supply as builds

pytestmark = pytest.mark.usefixtures("db")

SUPPLIERS = "{ suppliers(first: 10) { edges { node { id name leadTimeDays } } } }"
POS = """query($first: Int, $after: String) { purchaseOrders(first: $first, after: $after) {
  edges { node { number overdue expectedDate status supplier { name }
                 lines { sku quantity remaining waitingPegged } } }
  pageInfo { hasNextPage endCursor } } }"""
CREATE = """mutation($input: CreatePurchaseOrderInput!) { createPurchaseOrder(input: $input) {
  purchaseOrder { id number expectedDate lines { id sku quantity } }
  errors { code field message } } }"""
REVISE = """mutation($input: UpdatePurchaseOrderExpectedDateInput!) {
  updatePurchaseOrderExpectedDate(input: $input) {
    linesMoved ordersMoved emailsQueued delayNotices
    purchaseOrder { expectedDate } errors { code field message } } }"""
CANCEL_LINE = """mutation($input: CancelPurchaseOrderLineInput!) {
  cancelPurchaseOrderLine(input: $input) {
  linesMoved ordersMoved purchaseOrder { status lines { cancelled } } errors { code field } } }"""
RECEIVE = """mutation($input: ReceivePurchaseOrderInput!) { receivePurchaseOrder(input: $input) {
  applied unitsToBackorders unitsToStock linesMoved ordersMoved
  purchaseOrder { status lines { received } } errors { code field message } } }"""


async def test_staff_list_suppliers(api: Api) -> None:
    await b.supplier(lead_time_days=12, name="Nordic Ride")
    data = await api.data(SUPPLIERS, token=await staff_token("read"))
    assert [e["node"]["name"] for e in data["suppliers"]["edges"]] == ["Nordic Ride"]
    body = await api.post(SUPPLIERS)
    assert body["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"


async def test_purchase_orders_list_overdue_first(api: Api) -> None:
    ctx = now_ctx()
    supplier = await b.supplier(name="CoolAir")
    product = await b.product(supplier_=supplier)
    soon = await b.purchase_order(
        supplier, today() + dt.timedelta(days=3), (product, 5), context=ctx
    )
    later_ = await b.purchase_order(
        supplier, today() + dt.timedelta(days=9), (product, 5), context=ctx
    )
    past = b.later(ctx, days=-20)
    overdue = await b.purchase_order(
        supplier, today() - dt.timedelta(days=2), (product, 5), context=past
    )
    await b.order((product, 5), context=ctx)
    await b.order((product, 2), context=ctx)
    token = await staff_token("read")
    page = (await api.data(POS, {"first": 2}, token=token))["purchaseOrders"]
    nodes = [e["node"] for e in page["edges"]]
    assert [n["number"] for n in nodes] == [overdue.number, soon.number]
    assert [n["overdue"] for n in nodes] == [True, False]
    assert nodes[0]["supplier"] == {"name": "CoolAir"}
    assert [n["lines"][0]["waitingPegged"] for n in nodes] == [5, 2]
    rest = await api.data(POS, {"after": page["pageInfo"]["endCursor"]}, token=token)
    assert [e["node"]["number"] for e in rest["purchaseOrders"]["edges"]] == [later_.number]


async def _create(api: Api, token: str, **extra: Any) -> dict[str, Any]:
    supplier = extra.pop("supplier")
    return await api.payload(
        CREATE,
        {
            "input": {
                "supplierId": encode("Supplier", supplier.id),
                "expectedDate": (today() + dt.timedelta(days=10)).isoformat(),
                **extra,
            }
        },
        token=token,
    )


async def test_create_purchase_order_with_idempotency_key(api: Api) -> None:
    token = await staff_token("purchasing")
    supplier = await b.supplier()
    product = await b.product(supplier_=supplier)
    lines = [{"sku": product.sku, "quantity": 20}]
    first = await _create(api, token, supplier=supplier, lines=lines, idempotencyKey="po-1")
    assert first["errors"] == [] and first["purchaseOrder"]["lines"][0]["quantity"] == 20
    again = await _create(api, token, supplier=supplier, lines=lines, idempotencyKey="po-1")
    assert again["purchaseOrder"]["id"] == first["purchaseOrder"]["id"]
    assert await PurchaseOrder.all().count() == 1
    other = await _create(
        api,
        token,
        supplier=supplier,
        idempotencyKey="po-1",
        lines=[{"sku": product.sku, "quantity": 21}],
    )
    assert codes(other) == [("IDEMPOTENCY_KEY_REUSED", "idempotencyKey")]


async def test_create_purchase_order_errors_and_scope(api: Api) -> None:
    supplier = await b.supplier()
    product = await b.product(supplier_=supplier)
    token = await staff_token("purchasing")
    unknown = await _create(api, token, supplier=supplier, lines=[{"sku": "NOPE", "quantity": 1}])
    assert codes(unknown) == [("INVALID", "lines[0].sku")]
    past = await api.payload(
        CREATE,
        {
            "input": {
                "supplierId": encode("Supplier", supplier.id),
                "expectedDate": "2000-01-01",
                "lines": [{"sku": product.sku, "quantity": 1}],
            }
        },
        token=token,
    )
    assert codes(past) == [("INVALID", "expectedDate")]
    refused = await _create(
        api,
        await staff_token("read", "receiving"),
        supplier=supplier,
        lines=[{"sku": product.sku, "quantity": 1}],
    )
    assert codes(refused) == [("PERMISSION_DENIED", None)]
    assert await PurchaseOrder.all().count() == 0


async def test_revising_the_expected_date_reports_what_moved(api: Api) -> None:
    ctx = now_ctx()
    supplier = await b.supplier(lead_time_days=90)
    product = await b.product(supplier_=supplier)
    po = await b.purchase_order(
        supplier, today() + dt.timedelta(days=5), (product, 10), context=ctx
    )
    for _ in range(3):
        await b.order((product, 2), context=ctx)
    new_date = (today() + dt.timedelta(days=25)).isoformat()
    variables = {
        "input": {
            "purchaseOrderId": encode("PurchaseOrder", po.id),
            "expectedDate": new_date,
            "reason": "port strike",
        }
    }
    refused = await api.payload(REVISE, variables, token=await staff_token("purchasing"))
    assert codes(refused) == [("PERMISSION_DENIED", None)]
    payload = await api.payload(REVISE, variables, token=await staff_token("etas"))
    assert payload["errors"] == []
    assert (payload["linesMoved"], payload["ordersMoved"], payload["emailsQueued"]) == (3, 3, 3)
    assert payload["delayNotices"] == 3
    assert payload["purchaseOrder"] == {"expectedDate": new_date}
    missing = await api.payload(
        REVISE,
        {
            "input": {
                **variables["input"],
                "purchaseOrderId": "x",
            }
        },
        token=await staff_token("etas"),
    )
    assert codes(missing) == [("NOT_FOUND", "purchaseOrderId")]
    no_reason = await api.payload(
        REVISE, {"input": {**variables["input"], "reason": " "}}, token=await staff_token("etas")
    )
    assert codes(no_reason) == [("INVALID", "reason")]


async def test_a_past_expected_date_is_refused_as_the_console_refuses_it(api: Api) -> None:
    ctx = now_ctx()
    supplier = await b.supplier(lead_time_days=90)
    product = await b.product(supplier_=supplier)
    due = today() + dt.timedelta(days=5)
    po = await b.purchase_order(supplier, due, (product, 10), context=ctx)
    await b.order((product, 2), context=ctx)
    payload = await api.payload(
        REVISE,
        {
            "input": {
                "purchaseOrderId": encode("PurchaseOrder", po.id),
                "expectedDate": "2001-01-01",
                "reason": "typo",
            }
        },
        token=await staff_token("etas"),
    )
    assert codes(payload) == [("INVALID", "expectedDate")]
    assert payload["linesMoved"] == 0 and payload["purchaseOrder"] is None
    assert (await PurchaseOrder.get(id=po.id)).expected_date == due


async def test_cancel_a_purchase_order_line(api: Api) -> None:
    ctx = now_ctx()
    supplier = await b.supplier(lead_time_days=50)
    product = await b.product(supplier_=supplier)
    po = await b.purchase_order(supplier, today() + dt.timedelta(days=5), (product, 4), context=ctx)
    await b.order((product, 2), context=ctx)
    line = await PurchaseOrderLine.get(purchase_order_id=po.id)
    variables = {
        "input": {
            "purchaseOrderLineId": encode("PurchaseOrderLine", line.id),
            "reason": "discontinued",
        }
    }
    payload = await api.payload(CANCEL_LINE, variables, token=await staff_token("purchasing"))
    assert payload["errors"] == [] and payload["linesMoved"] == 1
    assert payload["purchaseOrder"] == {"status": "CLOSED", "lines": [{"cancelled": 4}]}
    again = await api.payload(CANCEL_LINE, variables, token=await staff_token("purchasing"))
    assert codes(again) == [("CONFLICT", "purchaseOrderLineId")]


async def test_receive_fills_the_queue_once_per_receipt_key(api: Api) -> None:
    ctx = now_ctx()
    supplier = await b.supplier()
    product = await b.product(supplier_=supplier)
    po = await b.purchase_order(
        supplier, today() + dt.timedelta(days=5), (product, 10), context=ctx
    )
    await b.order((product, 3), context=ctx)
    line = await PurchaseOrderLine.get(purchase_order_id=po.id)
    token = await staff_token("receiving")

    def receipt(quantity: int, key: str = "dn-1") -> dict[str, Any]:
        return {
            "input": {
                "purchaseOrderId": encode("PurchaseOrder", po.id),
                "receiptKey": key,
                "lines": [
                    {
                        "purchaseOrderLineId": encode("PurchaseOrderLine", line.id),
                        "quantity": quantity,
                    }
                ],
            }
        }

    first = await api.payload(RECEIVE, receipt(4), token=token)
    assert first["errors"] == []
    assert (first["applied"], first["unitsToBackorders"], first["unitsToStock"]) == (True, 3, 1)
    replay = await api.payload(RECEIVE, receipt(4), token=token)
    assert (replay["applied"], replay["unitsToBackorders"], replay["unitsToStock"]) == (False, 3, 1)
    reused = await api.payload(RECEIVE, receipt(5), token=token)
    assert codes(reused) == [("IDEMPOTENCY_KEY_REUSED", "receiptKey")]
    too_many = await api.payload(RECEIVE, receipt(50, key="dn-2"), token=token)
    assert codes(too_many) == [("INVALID", "lines[0].quantity")]
    foreign = await api.payload(
        RECEIVE,
        {
            "input": {
                **receipt(1, key="dn-3")["input"],
                "lines": [{"purchaseOrderLineId": encode("PurchaseOrderLine", 999), "quantity": 1}],
            }
        },
        token=token,
    )
    assert codes(foreign) == [("INVALID", "lines[0].purchaseOrderLineId")]
    refused = await api.payload(RECEIVE, receipt(1, key="dn-4"), token=await staff_token("read"))
    assert codes(refused) == [("PERMISSION_DENIED", None)]


async def test_a_unit_ordered_for_a_custom_build_fills_that_build_only(api: Api) -> None:
    motorcycle, ada, bea = await builds.two_builds()
    supplier = await b.supplier()
    bea_build = encode("CustomBuild", bea.build_request_id or 0)

    async def create(custom_build_id: str) -> dict[str, Any]:
        line = {"sku": motorcycle.sku, "quantity": 1, "customBuildId": custom_build_id}
        return await api.payload(
            CREATE,
            {
                "input": {
                    "supplierId": encode("Supplier", supplier.id),
                    "expectedDate": (today() + dt.timedelta(days=20)).isoformat(),
                    "lines": [line],
                }
            },
            token=await staff_token("purchasing"),
        )

    assert codes(await create("forged")) == [("NOT_FOUND", "lines[0].customBuildId")]
    created = await create(bea_build)
    assert created["errors"] == []
    po = created["purchaseOrder"]
    received = await api.payload(
        RECEIVE,
        {
            "input": {
                "purchaseOrderId": po["id"],
                "receiptKey": "bike-for-bea",
                "lines": [{"purchaseOrderLineId": po["lines"][0]["id"], "quantity": 1}],
            }
        },
        token=await staff_token("receiving"),
    )
    assert received["errors"] == []
    assert (received["unitsToBackorders"], received["unitsToStock"]) == (1, 0)
    assert await builds.quantities(bea) == (0, 1, 0)
    assert await builds.quantities(ada) == (1, 0, 0)
