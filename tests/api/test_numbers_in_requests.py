"""The API reads the numbers inside ids and cursors as ASCII digits within a 32-bit key: an id
that cannot name anything is not found, a cursor that cannot be a position is an INVALID error
on ``after``, an unknowable SKU is unknown. Never "Unexpected error."."""

from __future__ import annotations

import base64
import json

import pytest

from tests import builders as b
from tests.api.helpers import Api, codes, staff_token

HOSTILE = ["²", "٣", "99999999999999999999999", str(2**31), "-1"]


def gid(type_name: str, pk: str) -> str:
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


def cursor(*key: object) -> str:
    return base64.b64encode(f"cursor:{json.dumps(list(key))}".encode()).decode()


@pytest.mark.parametrize("pk", HOSTILE)
async def test_an_id_holding_no_storable_number_is_simply_not_found(api: Api, pk: str) -> None:
    token = await staff_token("read")
    data = await api.data(
        "query($o: ID!, $p: ID!) { order(id: $o) { id } purchaseOrder(id: $p) { id } }",
        {"o": gid("Order", pk), "p": gid("PurchaseOrder", pk)},
        token=token,
    )
    assert data == {"order": None, "purchaseOrder": None}


@pytest.mark.parametrize("pk", HOSTILE)
async def test_a_mutation_naming_an_id_holding_no_storable_number_answers_not_found(
    api: Api, pk: str
) -> None:
    token = await staff_token("orders")
    payload = await api.payload(
        "mutation($i: SetOrderPriorityInput!) { setOrderPriority(input: $i) {"
        " errors { code field } } }",
        {"i": {"orderId": gid("Order", pk), "priority": 1}},
        token=token,
    )
    assert [code for code, _ in codes(payload)] == ["NOT_FOUND"]


LISTS = {
    "products": cursor(10**22),
    "orders": cursor("²"),
    "customBuilds": cursor(2**31),
    "suppliers": cursor(-1),
    "purchaseOrders": cursor(1, "2027-01-01", 10**22),
}


@pytest.mark.parametrize(("field", "after"), LISTS.items(), ids=list(LISTS))
async def test_a_cursor_holding_no_storable_position_is_refused_on_after(
    api: Api, field: str, after: str
) -> None:
    token = await staff_token("read")
    body = await api.post(
        f"query($a: String) {{ {field}(after: $a) {{ pageInfo {{ hasNextPage }} }} }}",
        {"a": after},
        token=token,
    )
    error = body["errors"][0]
    assert error["message"] == "This cursor is not valid here."
    assert error["extensions"] == {"code": "INVALID", "field": "after"}


async def test_a_report_cursor_holding_a_huge_count_is_refused_on_after(api: Api) -> None:
    token = await staff_token("read")
    body = await api.post(
        "query($a: String) { backorderReport(after: $a) { generatedOn } }",
        {"a": cursor(10**22, 1)},
        token=token,
    )
    assert body["errors"][0]["extensions"] == {"code": "INVALID", "field": "after"}


@pytest.mark.parametrize("long_sku", ["X" * 10_000, "\x00", "HELMET\x00"])
async def test_an_sku_no_product_can_have_is_an_unknown_product(api: Api, long_sku: str) -> None:
    """Longer than the column, or with a NUL that PostgreSQL refuses in any text parameter."""
    await b.product(on_hand=2, sku="HELMET")
    data = await api.data("query($s: String!) { product(sku: $s) { sku } }", {"s": long_sku})
    assert data == {"product": None}
    payload = await api.payload(
        "mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { errors { code field } } }",
        {
            "i": {
                "email": "ada@example.com",
                "name": "Ada",
                "shippingAddress": "1 Way",
                "lines": [{"sku": long_sku, "quantity": 1}],
                "shipPreference": "SHIP_WHEN_READY",
            }
        },
    )
    assert codes(payload) == [("INVALID", "lines[0].sku")]


@pytest.mark.parametrize("length", ["²", "abc"])
async def test_a_body_declaring_a_size_that_is_no_number_is_a_400(api: Api, length: str) -> None:
    answer = await api.client.post(
        "/graphql",
        content=b'{"query": "{ __typename }"}',
        headers={b"content-type": b"application/json", b"content-length": length.encode()},
    )
    assert answer.status_code == 400
    assert answer.json() == {"errors": [{"message": "Content-Length is not valid."}]}
