"""The backorder report for staff; resending order links without revealing addresses."""

from __future__ import annotations

import datetime as dt

import pytest

from domain.outbox.models import OutboxMessage
from domain.vocabulary import OutboxKind
from tests import builders as b
from tests.api.helpers import Api, codes, now_ctx, staff_token, today

pytestmark = pytest.mark.usefixtures("db")

REPORT = """query($first: Int, $after: String) { backorderReport(first: $first, after: $after) {
  generatedOn
  totals { waitingUnits waitingLines orders value booked recognised refundsDue }
  rows { edges { node { sku waitingUnits waitingLines orders value nextExpected
                        openPurchaseOrderUnits overduePurchaseOrderUnits oldestPlacedAt } }
         pageInfo { hasNextPage endCursor } } } }"""
RESEND = """mutation($email: String!) { resendOrderLinks(input: {email: $email}) {
  message errors { code field } } }"""


async def test_backorder_report_shows_queues_and_both_ledger_figures(api: Api) -> None:
    ctx = now_ctx()
    supplier = await b.supplier()
    big = await b.product(supplier_=supplier, price="10.00")
    small = await b.product(on_hand=1, supplier_=supplier, price="2.50")
    await b.purchase_order(supplier, today() + dt.timedelta(days=8), (big, 3), context=ctx)
    await b.order((big, 4), context=ctx)
    await b.order((big, 1), (small, 3), context=ctx)
    token = await staff_token("read")
    report = (await api.data(REPORT, {"first": 1}, token=token))["backorderReport"]
    assert report["generatedOn"] == today().isoformat()
    assert report["totals"] == {
        "waitingUnits": 7,
        "waitingLines": 3,
        "orders": 2,
        "value": "55.00",
        "booked": "57.50",
        "recognised": "0.00",
        "refundsDue": "0.00",
    }
    first = report["rows"]["edges"][0]["node"]
    assert (first["sku"], first["waitingUnits"], first["waitingLines"], first["orders"]) == (
        big.sku,
        5,
        2,
        2,
    )
    assert first["value"] == "50.00" and first["openPurchaseOrderUnits"] == 3
    assert first["nextExpected"] == (today() + dt.timedelta(days=8)).isoformat()
    rest = (
        await api.data(REPORT, {"after": report["rows"]["pageInfo"]["endCursor"]}, token=token)
    )["backorderReport"]
    assert [e["node"]["sku"] for e in rest["rows"]["edges"]] == [small.sku]


async def test_backorder_report_is_for_staff(api: Api) -> None:
    body = await api.post(REPORT, {})
    assert body["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"


async def test_resending_links_answers_the_same_for_known_and_unknown_addresses(api: Api) -> None:
    await b.order((await b.product(on_hand=1), 1), context=now_ctx(), email="known@example.com")
    before = await OutboxMessage.filter(kind=OutboxKind.ORDER_LINKS).count()
    known = await api.payload(RESEND, {"email": "known@example.com"})
    unknown = await api.payload(RESEND, {"email": "stranger@example.com"})
    assert known == unknown
    assert known["errors"] == [] and known["message"]
    sent = await OutboxMessage.filter(kind=OutboxKind.ORDER_LINKS).values_list(
        "recipient", flat=True
    )
    assert len(sent) == before + 1 and sent[-1] == "known@example.com"
    assert codes(await api.payload(RESEND, {"email": "not-an-address"})) == [("INVALID", "email")]
    typo = await api.payload(RESEND, {"email": "nora@example..com"})
    assert codes(typo) == [("INVALID", "email")] and typo["message"] is None
