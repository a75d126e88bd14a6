"""Customer journeys on orders: place, read by link, cancel, ship preference, delay answers."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from domain.ordering.models import DelayNotice, Order
from domain.outbox.models import OutboxMessage
from domain.supply.purchase_orders import revise_expected_date
from tests import builders as b
from tests.api.helpers import Api, codes, now_ctx, today
from tests.conftest import QueryCounter

pytestmark = pytest.mark.usefixtures("db")

ORDER_FIELDS = """
  id number email shipPreference total
  lines { id sku quantities { ordered allocated waiting shipped cancelled }
          promisedEta { earliest latest basis } eta { earliest latest basis }
          etaHistory { at reason detail actor previous { latest } eta { latest basis } } }
  shipments { id status carrier trackingNumber lines { lineId sku quantity } }
  openDelayNotices { id lineId deadline requiresAnswer eta { latest } reason }
"""
PLACE = (
    "mutation Place($input: PlaceOrderInput!) { placeOrder(input: $input) {"
    f" order {{ {ORDER_FIELDS} }} orderToken replayed errors {{ code field message available }}"
    " } }"
)
ORDER = f"query($token: String!) {{ order(token: $token) {{ {ORDER_FIELDS} }} }}"
CANCEL = """mutation($input: CancelOrderLinesInput!) { cancelOrderLines(input: $input) {
  order { lines { quantities { waiting cancelled } } } errors { code field message } } }"""
PREFERENCE = """mutation($input: SetShipPreferenceInput!) { setShipPreference(input: $input) {
  order { shipPreference } errors { code field message } } }"""
RESPOND = """mutation($input: RespondToDelayNoticeInput!) { respondToDelayNotice(input: $input) {
  order { lines { quantities { waiting cancelled } } openDelayNotices { id } }
  errors { code field message } } }"""


def order_input(*lines: tuple[str, int], **extra: Any) -> dict[str, Any]:
    return {
        "email": "ada@example.com",
        "name": "Ada Lovelace",
        "shippingAddress": "1 Analytical Way\nLondon",
        "lines": [{"sku": sku, "quantity": quantity} for sku, quantity in lines],
        **extra,
    }


async def test_place_order_returns_each_lines_split_and_eta(api: Api) -> None:
    product = await b.product(on_hand=3)
    payload = await api.payload(PLACE, {"input": order_input((product.sku, 5))})
    assert payload["errors"] == []
    line = payload["order"]["lines"][0]
    assert line["quantities"] == {
        "ordered": 5,
        "allocated": 3,
        "waiting": 2,
        "shipped": 0,
        "cancelled": 0,
    }
    assert line["eta"]["basis"] == "LEAD_TIME" and line["promisedEta"] == line["eta"]
    assert payload["orderToken"] and not payload["replayed"]
    assert payload["order"]["total"] == "500.00"


async def test_placing_past_the_backorder_cap_says_how_many_are_left(api: Api) -> None:
    product = await b.product(on_hand=1, cap=2)
    payload = await api.payload(PLACE, {"input": order_input((product.sku, 4))})
    assert payload["order"] is None
    assert codes(payload) == [("INSUFFICIENT_AVAILABILITY", "lines[0].quantity")]
    assert payload["errors"][0]["available"] == 3


async def test_invalid_input_names_the_field(api: Api) -> None:
    product = await b.product(on_hand=1)
    payload = await api.payload(PLACE, {"input": order_input((product.sku, 1), email="nope")})
    assert codes(payload) == [("INVALID", "email")]
    payload = await api.payload(PLACE, {"input": order_input(("UNKNOWN", 1))})
    assert codes(payload) == [("INVALID", "lines[0].sku")]


async def test_an_address_that_can_never_be_emailed_places_no_order(api: Api) -> None:
    product = await b.product(on_hand=1)
    typo = order_input((product.sku, 1), email="nora@example..com")
    payload = await api.payload(PLACE, {"input": typo})
    assert codes(payload) == [("INVALID", "email")] and payload["order"] is None
    assert await Order.all().count() == 0 and await OutboxMessage.all().count() == 0
    spaced = order_input((product.sku, 1), email=" Nora@Example.COM ")
    placed = await api.payload(PLACE, {"input": spaced})
    assert placed["errors"] == [] and placed["order"]["email"] == "nora@example.com"


async def test_an_idempotency_key_replays_and_refuses_other_input(api: Api) -> None:
    product = await b.product(on_hand=10)
    first = await api.payload(PLACE, {"input": order_input((product.sku, 2), idempotencyKey="k1")})
    again = await api.payload(PLACE, {"input": order_input((product.sku, 2), idempotencyKey="k1")})
    assert again["replayed"] and again["order"]["id"] == first["order"]["id"]
    assert again["orderToken"] == first["orderToken"]
    other = await api.payload(PLACE, {"input": order_input((product.sku, 3), idempotencyKey="k1")})
    assert codes(other) == [("IDEMPOTENCY_KEY_REUSED", "idempotencyKey")]


async def test_order_by_token_shows_lines_history_shipments_and_open_notice(api: Api) -> None:
    ctx = now_ctx()
    supplier = await b.supplier(lead_time_days=60)
    waits = await b.product(supplier_=supplier)
    ships = await b.product(on_hand=5)
    po = await b.purchase_order(supplier, today() + dt.timedelta(days=5), (waits, 5), context=ctx)
    placed = await b.order((ships, 2), (waits, 1), context=ctx)
    await b.shipped(placed.order.id, context=ctx)
    await revise_expected_date(po.id, today() + dt.timedelta(days=30), "strike", ctx=ctx)
    order = (await api.data(ORDER, {"token": placed.token}))["order"]
    assert order["number"] == placed.order.number
    shipped_line, waiting_line = order["lines"]
    assert shipped_line["quantities"]["shipped"] == 2
    assert order["shipments"][0]["carrier"] == "DHL"
    assert order["shipments"][0]["lines"] == [
        {"lineId": shipped_line["id"], "sku": ships.sku, "quantity": 2}
    ]
    history = waiting_line["etaHistory"]
    assert history[-1]["reason"] == "PO_DATE_CHANGED" and "strike" in history[-1]["detail"]
    assert history[-1]["actor"] is None  # who did it is for staff eyes
    notice = order["openDelayNotices"][0]
    assert notice["lineId"] == waiting_line["id"]
    assert notice["eta"]["latest"] == waiting_line["eta"]["latest"]


async def test_a_bad_token_reads_as_no_order(api: Api) -> None:
    assert (await api.data(ORDER, {"token": "not-a-token"}))["order"] is None
    body = await api.post("{ order { id } }")
    assert body["errors"][0]["extensions"]["code"] == "INVALID"


async def test_customer_cancels_waiting_units_with_the_orders_token(api: Api) -> None:
    product = await b.product()
    placed = await b.order((product, 3), context=now_ctx())
    order = (await api.data(ORDER, {"token": placed.token}))["order"]
    line_id = order["lines"][0]["id"]
    payload = await api.payload(
        CANCEL, {"input": {"token": placed.token, "lines": [{"lineId": line_id, "quantity": 2}]}}
    )
    assert payload["errors"] == []
    assert payload["order"]["lines"][0]["quantities"] == {"waiting": 1, "cancelled": 2}
    too_many = await api.payload(
        CANCEL, {"input": {"token": placed.token, "lines": [{"lineId": line_id, "quantity": 5}]}}
    )
    assert codes(too_many) == [("INVALID", "lines[0].quantity")]


async def test_cancelled_units_leave_the_total_and_show_the_refund_due(api: Api) -> None:
    product = await b.product(price="100.00")
    placed = await b.order((product, 3), context=now_ctx())
    read = f"query($token: String!) {{ order(token: $token) {{ total refundDue {ORDER_FIELDS} }} }}"
    before = (await api.data(read, {"token": placed.token}))["order"]
    assert (before["total"], before["refundDue"]) == ("300.00", "0.00")
    line_id = before["lines"][0]["id"]
    await api.payload(
        CANCEL, {"input": {"token": placed.token, "lines": [{"lineId": line_id, "quantity": 2}]}}
    )
    after = (await api.data(read, {"token": placed.token}))["order"]
    assert (after["total"], after["refundDue"]) == ("100.00", "200.00")


async def test_a_customer_token_cannot_touch_someone_elses_order(api: Api) -> None:
    product = await b.product()
    mine = await b.order((product, 1), context=now_ctx())
    theirs = await b.order((product, 1), context=now_ctx())
    their_line = (await api.data(ORDER, {"token": theirs.token}))["order"]["lines"][0]["id"]
    payload = await api.payload(
        CANCEL, {"input": {"token": mine.token, "lines": [{"lineId": their_line}]}}
    )
    unknown = await api.payload(
        CANCEL, {"input": {"token": mine.token, "lines": [{"lineId": "T3JkZXJMaW5lOjk5OTk="}]}}
    )
    assert codes(payload) == codes(unknown) == [("NOT_FOUND", "lines[0].lineId")]
    assert payload["errors"][0]["message"] == unknown["errors"][0]["message"]
    still = (await api.data(ORDER, {"token": theirs.token}))["order"]["lines"][0]
    assert still["quantities"]["cancelled"] == 0


async def test_a_wrong_token_is_not_found_on_every_order_mutation(api: Api) -> None:
    for query, extra in (
        (CANCEL, {"lines": [{"lineId": "x"}]}),
        (PREFERENCE, {"shipPreference": "SHIP_COMPLETE"}),
        (RESPOND, {"noticeId": "x", "keepWaiting": True}),
    ):
        payload = await api.payload(query, {"input": {"token": "forged", **extra}})
        assert codes(payload) == [("NOT_FOUND", "token")]


async def test_customer_changes_ship_preference(api: Api) -> None:
    product = await b.product()
    placed = await b.order((product, 2), context=now_ctx())
    payload = await api.payload(
        PREFERENCE, {"input": {"token": placed.token, "shipPreference": "SHIP_COMPLETE"}}
    )
    assert payload == {"order": {"shipPreference": "SHIP_COMPLETE"}, "errors": []}


async def test_ship_complete_shows_every_line_the_orders_latest_window(api: Api) -> None:
    ctx = now_ctx()
    supplier = await b.supplier()
    helmet = await b.product(on_hand=5)
    aircon = await b.product(supplier_=supplier)
    await b.purchase_order(supplier, today() + dt.timedelta(days=10), (aircon, 10), context=ctx)
    both = order_input((helmet.sku, 1), (aircon.sku, 2), shipPreference="SHIP_COMPLETE")
    placed = await api.payload(PLACE, {"input": both})
    helmet_line, aircon_line = placed["order"]["lines"]
    parcel = aircon_line["eta"]
    assert parcel["basis"] == "PURCHASE_ORDER"
    assert helmet_line["eta"] == parcel and helmet_line["promisedEta"] == parcel
    assert aircon_line["promisedEta"] == parcel
    token = placed["orderToken"]

    async def etas() -> list[dict[str, Any]]:
        order = (await api.data(ORDER, {"token": token}))["order"]
        return [line["eta"] for line in order["lines"]]

    assert await etas() == [parcel, parcel]
    await api.payload(PREFERENCE, {"input": {"token": token, "shipPreference": "SHIP_WHEN_READY"}})
    own = await etas()
    assert own[0]["basis"] == "IN_STOCK" and own[0]["latest"] < parcel["earliest"]
    assert own[1] == parcel
    await api.payload(PREFERENCE, {"input": {"token": token, "shipPreference": "SHIP_COMPLETE"}})
    assert await etas() == [parcel, parcel]


async def _delayed_order() -> tuple[str, int]:
    ctx = now_ctx()
    supplier = await b.supplier(lead_time_days=90)
    product = await b.product(supplier_=supplier)
    po = await b.purchase_order(supplier, today() + dt.timedelta(days=5), (product, 5), context=ctx)
    placed = await b.order((product, 2), context=ctx)
    await revise_expected_date(po.id, today() + dt.timedelta(days=40), "late ship", ctx=ctx)
    notice = await DelayNotice.get(order_id=placed.order.id)
    return placed.token, notice.id


async def test_customer_answers_a_delay_notice_by_cancelling(api: Api) -> None:
    token, _ = await _delayed_order()
    notice = (await api.data(ORDER, {"token": token}))["order"]["openDelayNotices"][0]
    payload = await api.payload(
        RESPOND, {"input": {"token": token, "noticeId": notice["id"], "keepWaiting": False}}
    )
    assert payload["errors"] == []
    assert payload["order"]["lines"][0]["quantities"] == {"waiting": 0, "cancelled": 2}
    assert payload["order"]["openDelayNotices"] == []
    again = await api.payload(
        RESPOND, {"input": {"token": token, "noticeId": notice["id"], "keepWaiting": True}}
    )
    assert codes(again) == [("CONFLICT", "noticeId")]


async def test_a_delay_notice_of_another_order_is_not_found(api: Api) -> None:
    token, _ = await _delayed_order()
    _, other_notice = await _delayed_order()
    from api.ids import encode

    payload = await api.payload(
        RESPOND,
        {
            "input": {
                "token": token,
                "noticeId": encode("DelayNotice", other_notice),
                "keepWaiting": True,
            }
        },
    )
    assert codes(payload) == [("NOT_FOUND", "noticeId")]


async def test_an_order_read_costs_the_same_queries_for_2_and_50_lines(
    api: Api, sql: QueryCounter
) -> None:
    ctx = now_ctx()
    supplier = await b.supplier()
    products = [await b.product(on_hand=1, supplier_=supplier) for _ in range(50)]
    for product in products[:25]:
        await b.purchase_order(supplier, today() + dt.timedelta(days=9), (product, 3), context=ctx)
    small = await b.order(*[(p, 2) for p in products[:2]], context=ctx)
    large = await b.order(*[(p, 2) for p in products], context=ctx)
    for placed in (small, large):
        await b.shipped(placed.order.id, context=ctx)
    counts = []
    for placed, size in ((small, 2), (large, 50)):
        sql.statements.clear()
        order = (await api.data(ORDER, {"token": placed.token}))["order"]
        assert len(order["lines"]) == size
        counts.append(len(sql.statements))
    assert counts[0] == counts[1] <= 7, sql.statements
