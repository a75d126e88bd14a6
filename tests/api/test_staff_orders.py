"""Staff order reads and priority: tokens, scopes, filters."""

from __future__ import annotations

import datetime as dt

import pytest

from api.ids import encode
from domain.staff.models import ApiToken
from domain.staff.services import revoke_api_token
from tests import builders as b
from tests.api.helpers import Api, codes, now_ctx, staff_token, today

pytestmark = pytest.mark.usefixtures("db")

ORDERS = """query($filter: OrderFilterInput, $first: Int, $after: String) {
  orders(filter: $filter, first: $first, after: $after) {
    edges { cursor node { id number email priority lines { sku quantities { waiting } } } }
    pageInfo { hasNextPage endCursor } } }"""
ORDER_BY_ID = "query($id: ID!) { order(id: $id) { number lines { etaHistory { actor } } } }"
PRIORITY = """mutation($input: SetOrderPriorityInput!) { setOrderPriority(input: $input) {
  order { priority lines { eta { earliest } } } errors { code field message } } }"""


async def test_staff_list_orders_newest_first_and_page_through(api: Api) -> None:
    token = await staff_token("read")
    product = await b.product(on_hand=10)
    placed = [await b.order((product, 1), context=now_ctx()) for _ in range(3)]
    page = (await api.data(ORDERS, {"first": 2}, token=token))["orders"]
    assert [e["node"]["number"] for e in page["edges"]] == [
        placed[2].order.number,
        placed[1].order.number,
    ]
    rest = (
        await api.data(ORDERS, {"first": 2, "after": page["pageInfo"]["endCursor"]}, token=token)
    )["orders"]
    assert [e["node"]["number"] for e in rest["edges"]] == [placed[0].order.number]
    assert not rest["pageInfo"]["hasNextPage"]


async def test_staff_filter_orders_by_waiting_product_customer_and_overdue(api: Api) -> None:
    token = await staff_token("read")
    ctx = now_ctx()
    supplier = await b.supplier(lead_time_days=40)
    stocked = await b.product(on_hand=10, supplier_=supplier)
    backordered = await b.product(supplier_=supplier)
    in_stock = await b.order((stocked, 1), context=ctx, email="sam@example.com")
    waiting = await b.order((backordered, 1), context=ctx, email="lena@example.com")
    late_ctx = b.later(ctx, days=-60)
    late = await b.order((backordered, 1), context=late_ctx, email="old@example.com")

    async def numbers(filter_: dict) -> list[str]:
        data = await api.data(ORDERS, {"filter": filter_}, token=token)
        return [e["node"]["number"] for e in data["orders"]["edges"]]

    assert await numbers({"waiting": True}) == [late.order.number, waiting.order.number]
    assert await numbers({"waiting": False}) == [in_stock.order.number]
    assert await numbers({"productSku": stocked.sku}) == [in_stock.order.number]
    assert await numbers({"customerEmail": "LENA@example.com"}) == [waiting.order.number]
    assert await numbers({"overdue": True}) == [late.order.number]
    body = await api.post(ORDERS, {"filter": {"customerEmail": "not an email"}}, token=token)
    assert body["errors"][0]["extensions"]["code"] == "INVALID"


async def test_staff_reads_one_order_by_id_and_sees_who_moved_etas(api: Api) -> None:
    token = await staff_token("read")
    product = await b.product()
    placed = await b.order((product, 1), context=now_ctx())
    data = await api.data(ORDER_BY_ID, {"id": encode("Order", placed.order.id)}, token=token)
    assert data["order"]["number"] == placed.order.number
    assert data["order"]["lines"][0]["etaHistory"] == []
    missing = await api.data(ORDER_BY_ID, {"id": encode("Order", 999)}, token=token)
    wrong_type = await api.data(
        ORDER_BY_ID, {"id": encode("Product", placed.order.id)}, token=token
    )
    assert missing["order"] is None and wrong_type["order"] is None


async def test_staff_reads_need_a_valid_token_with_the_read_scope(api: Api) -> None:
    product = await b.product()
    placed = await b.order((product, 1), context=now_ctx())
    variables = {"id": encode("Order", placed.order.id)}
    without = await api.post(ORDER_BY_ID, variables)
    forged = await api.post(ORDER_BY_ID, variables, token="pot_forged")
    narrow = await api.post(ORDER_BY_ID, variables, token=await staff_token("shipping"))
    for body in (without, forged, narrow):
        assert body["data"] is None or body["data"]["order"] is None
        assert body["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    assert "read" in narrow["errors"][0]["message"]
    listed = await api.post(ORDERS, {}, token=await staff_token("etas"))
    assert listed["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"


async def test_a_revoked_token_no_longer_works(api: Api) -> None:
    secret = await staff_token("read")
    assert "errors" not in await api.post(ORDERS, {}, token=secret)
    token = await ApiToken.filter(revoked_at=None).first()
    assert token is not None
    await revoke_api_token(token.id, ctx=now_ctx())
    body = await api.post(ORDERS, {}, token=secret)
    assert body["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"


async def test_staff_raise_an_orders_priority_and_its_eta_moves_up(api: Api) -> None:
    ctx = now_ctx()
    supplier = await b.supplier(lead_time_days=60)
    product = await b.product(supplier_=supplier)
    await b.purchase_order(supplier, today() + dt.timedelta(days=5), (product, 1), context=ctx)
    await b.order((product, 1), context=ctx)
    second = await b.order((product, 1), context=ctx)
    variables = {"input": {"orderId": encode("Order", second.order.id), "priority": 10}}
    payload = await api.payload(PRIORITY, variables, token=await staff_token("orders"))
    assert payload["errors"] == []
    assert payload["order"]["priority"] == 10
    assert (
        payload["order"]["lines"][0]["eta"]["earliest"]
        == (today() + dt.timedelta(days=7)).isoformat()
    )
    refused = await api.payload(PRIORITY, variables, token=await staff_token("read"))
    assert codes(refused) == [("PERMISSION_DENIED", None)]
    unknown = await api.payload(
        PRIORITY, {"input": {"orderId": "bogus", "priority": 1}}, token=await staff_token("orders")
    )
    assert codes(unknown) == [("NOT_FOUND", "orderId")]
    out_of_range = await api.payload(
        PRIORITY,
        {"input": {"orderId": variables["input"]["orderId"], "priority": 1000}},
        token=await staff_token("orders"),
    )
    assert codes(out_of_range) == [("INVALID", "priority")]
