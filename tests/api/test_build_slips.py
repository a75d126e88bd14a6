"""A workshop slip through the API: `slipMadeToOrderBuilds` (scope `catalog`) and
`slipCustomBuild` (scope `builds`) preview exactly with ``dryRun``; bad dates are payload
errors naming the field and change nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from api.ids import encode
from domain.builds.services import accept_quote
from domain.ordering.models import EtaEvent, OrderLine
from domain.vocabulary import AvailabilityMode, EtaReason
from tests import builders as b
from tests.api.helpers import Api, codes, now_ctx, staff_token, today

pytestmark = pytest.mark.usefixtures("db")

PRODUCT = """mutation($id: ID!, $date: String!, $reason: String!, $dry: Boolean!) {
  slipMadeToOrderBuilds(productId: $id, buildDate: $date, reason: $reason, dryRun: $dry) {
  dryRun linesMoved ordersMoved emailsQueued customersEmailed delayNotices
  errors { code field message } } }"""
BUILD = """mutation($id: ID!, $date: String!, $reason: String!, $dry: Boolean!) {
  slipCustomBuild(customBuildId: $id, buildDate: $date, reason: $reason, dryRun: $dry) {
  dryRun linesMoved ordersMoved emailsQueued customersEmailed delayNotices
  errors { code field message } } }"""


def later(days: int) -> str:
    return (today() + dt.timedelta(days=days)).isoformat()


async def _made_to_order() -> int:
    ctx = now_ctx()
    product = await b.product(mode=AvailabilityMode.MADE_TO_ORDER, lead_time_days=10)
    await b.order((product, 1), context=ctx)
    await b.order((product, 2), context=ctx)
    return product.id


async def test_a_made_to_order_slip_previews_with_dry_run_then_moves_the_same_lines(
    api: Api,
) -> None:
    token = await staff_token("catalog")
    product_id = await _made_to_order()
    variables = {"id": encode("Product", product_id), "date": later(40), "reason": "Kiln down"}
    dry = await api.payload(PRODUCT, {**variables, "dry": True}, token=token)
    assert dry["errors"] == [] and dry["dryRun"]
    assert await EtaEvent.filter(reason=EtaReason.BUILD_SLIPPED).count() == 0
    done = await api.payload(PRODUCT, {**variables, "dry": False}, token=token)
    figures = ("linesMoved", "ordersMoved", "emailsQueued", "delayNotices")
    assert [dry[k] for k in figures] == [done[k] for k in figures] == [2, 2, 2, 2]
    assert dry["customersEmailed"] == 2
    assert all(
        line.build_ready_on == today() + dt.timedelta(days=40)
        for line in await OrderLine.filter(product_id=product_id)
    )


@pytest.mark.parametrize(
    ("date", "field"),
    [
        ("2001-01-01", "buildDate"),
        ("٢٠٢٧-٠٣-١٤", "buildDate"),
        ("1" * 400, "buildDate"),
        ("tomorrow", "buildDate"),
    ],
)
async def test_a_bad_build_date_is_a_payload_error_naming_the_field(
    api: Api, date: str, field: str
) -> None:
    product_id = await _made_to_order()
    payload = await api.payload(
        PRODUCT,
        {"id": encode("Product", product_id), "date": date, "reason": "x", "dry": False},
        token=await staff_token("catalog"),
    )
    assert codes(payload) == [("INVALID", field)]
    assert await EtaEvent.filter(reason=EtaReason.BUILD_SLIPPED).count() == 0


async def test_a_custom_build_slip_takes_the_builds_scope_and_names_the_build(api: Api) -> None:
    ctx = now_ctx()
    motorcycle, options = await b.custom_build_product(lead_time_days=30)
    requested = await b.build_request(motorcycle, options, context=ctx)
    await accept_quote(requested.token, requested.quote.id, ctx=ctx)
    token = await staff_token("builds")
    variables = {
        "id": encode("CustomBuild", requested.request.id),
        "date": later(70),
        "reason": "Frame jig out of true",
    }
    dry = await api.payload(BUILD, {**variables, "dry": True}, token=token)
    done = await api.payload(BUILD, {**variables, "dry": False}, token=token)
    assert dry["errors"] == done["errors"] == []
    assert (
        (dry["linesMoved"], dry["emailsQueued"], dry["delayNotices"])
        == (
            done["linesMoved"],
            done["emailsQueued"],
            done["delayNotices"],
        )
        == (1, 1, 1)
    )
    unknown = await api.payload(
        BUILD, {**variables, "id": encode("CustomBuild", 99_999), "dry": False}, token=token
    )
    assert codes(unknown) == [("NOT_FOUND", "customBuildId")]
