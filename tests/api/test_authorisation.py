"""Every staff operation: refused without a token, and with a token that lacks its scope."""

from __future__ import annotations

from typing import Any

import pytest

from domain.staff.services import SCOPES
from tests.api.helpers import Api, staff_token

pytestmark = pytest.mark.usefixtures("db")

X = "eHh4"  # any ID: permission is checked before anything is looked up

QUERIES = [
    ("read", "{ orders { edges { cursor } } }"),
    ("read", f'{{ order(id: "{X}") {{ id }} }}'),
    ("read", "{ suppliers { edges { cursor } } }"),
    ("read", "{ purchaseOrders { edges { cursor } } }"),
    ("read", f'{{ purchaseOrder(id: "{X}") {{ id }} }}'),
    ("read", "{ customBuilds { edges { cursor } } }"),
    ("read", "{ backorderReport { generatedOn } }"),
]
MUTATIONS = [
    ("orders", f'setOrderPriority(input: {{orderId: "{X}", priority: 1}})'),
    (
        "etas",
        f'updatePurchaseOrderExpectedDate(input: {{purchaseOrderId: "{X}",'
        ' expectedDate: "2030-01-01", reason: "r"})',
    ),
    (
        "purchasing",
        f'createPurchaseOrder(input: {{supplierId: "{X}", expectedDate: "2030-01-01",'
        ' lines: [{sku: "A", quantity: 1}]})',
    ),
    ("purchasing", f'cancelPurchaseOrderLine(input: {{purchaseOrderLineId: "{X}", reason: "r"}})'),
    (
        "receiving",
        f'receivePurchaseOrder(input: {{purchaseOrderId: "{X}", receiptKey: "k",'
        f' lines: [{{purchaseOrderLineId: "{X}", quantity: 1}}]}})',
    ),
    ("shipping", f'createShipment(input: {{orderId: "{X}"}})'),
    (
        "shipping",
        f'markShipmentShipped(input: {{shipmentId: "{X}", carrier: "c", trackingNumber: "t"}})',
    ),
    ("builds", f'quoteCustomBuild(input: {{customBuildId: "{X}", price: "1", leadTimeDays: 1}})'),
]


async def _tokens(scope: str) -> list[str | None]:
    """No token, a forged one, and a real one with every scope but the one needed."""
    others = sorted(SCOPES - {scope})
    return [None, "pot_forged", await staff_token(*others)]


@pytest.mark.parametrize(("scope", "query"), QUERIES)
async def test_staff_queries_are_refused_without_their_scope(
    api: Api, scope: str, query: str
) -> None:
    for token in await _tokens(scope):
        body = await api.post(query, token=token)
        assert body["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED", (token, body)
    assert "errors" not in await api.post(query, token=await staff_token(scope))


@pytest.mark.parametrize(("scope", "call"), MUTATIONS)
async def test_staff_mutations_are_refused_without_their_scope(
    api: Api, scope: str, call: str
) -> None:
    mutation = f"mutation {{ {call} {{ errors {{ code field message }} }} }}"
    for token in await _tokens(scope):
        payload: dict[str, Any] = await api.payload(mutation, token=token)
        assert [e["code"] for e in payload["errors"]] == ["PERMISSION_DENIED"], (token, payload)
    allowed = await api.payload(mutation, token=await staff_token(scope))
    assert all(e["code"] != "PERMISSION_DENIED" for e in allowed["errors"])
