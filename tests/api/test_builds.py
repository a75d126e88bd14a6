"""Custom builds: request (auto-quoted), read by link, staff quote, customer acceptance."""

from __future__ import annotations

from typing import Any

import pytest

from api.ids import encode
from domain.builds.models import BuildQuote, BuildRequest
from tests import builders as b
from tests.api.helpers import Api, codes, staff_token

pytestmark = pytest.mark.usefixtures("db")

REQUEST = """mutation($input: RequestCustomBuildInput!) { requestCustomBuild(input: $input) {
  token customBuild { id number status sku choices { group name }
                      quote { id price leadTimeDays validUntil } }
  errors { code field message } } }"""
BUILD = """query($token: String!) { customBuild(token: $token) {
  number status notes quote { id price } product { sku } order { number } } }"""
QUOTE = """mutation($input: QuoteCustomBuildInput!) { quoteCustomBuild(input: $input) {
  customBuild { quote { id price leadTimeDays note } } errors { code field message } } }"""
ACCEPT = """mutation($input: AcceptCustomBuildQuoteInput!) { acceptCustomBuildQuote(input: $input) {
  orderToken order { number lines { quantities { waiting } eta { basis } unitPrice } }
  errors { code field message } } }"""


async def _request(api: Api, **extra: Any) -> dict[str, Any]:
    bike, options = await b.custom_build_product(price="8000.00")
    choices = extra.pop("choices", [options["Frame"]["Carbon"], options["Engine"]["650cc"]])
    return await api.payload(
        REQUEST,
        {
            "input": {
                "email": "ada@example.com",
                "name": "Ada",
                "shippingAddress": "1 Way\nLondon",
                "sku": bike.sku,
                "choiceIds": [encode("OptionChoice", c.id) for c in choices],
                "notes": "Matte black",
                **extra,
            }
        },
    )


async def test_request_a_build_and_read_it_by_its_link(api: Api) -> None:
    payload = await _request(api)
    assert payload["errors"] == []
    build = payload["customBuild"]
    assert build["status"] == "QUOTED"
    assert build["quote"]["price"] == "9500.00" and build["quote"]["leadTimeDays"] == 44
    assert [c["name"] for c in build["choices"]] == ["Carbon", "650cc"]
    seen = (await api.data(BUILD, {"token": payload["token"]}))["customBuild"]
    assert seen["notes"] == "Matte black" and seen["order"] is None
    assert (await api.data(BUILD, {"token": "forged"}))["customBuild"] is None


async def test_a_build_for_an_address_that_can_never_be_emailed_is_refused(api: Api) -> None:
    payload = await _request(api, email="nora@example..com")
    assert codes(payload) == [("INVALID", "email")] and payload["customBuild"] is None
    assert await BuildRequest.all().count() == 0


async def test_a_missing_required_option_is_refused(api: Api) -> None:
    bike, options = await b.custom_build_product()
    payload = await api.payload(
        REQUEST,
        {
            "input": {
                "email": "ada@example.com",
                "name": "Ada",
                "shippingAddress": "1 Way",
                "sku": bike.sku,
                "choiceIds": [encode("OptionChoice", options["Frame"]["Steel"].id)],
            }
        },
    )
    assert codes(payload) == [("INVALID", "choiceIds")]


async def test_the_same_build_key_replays_and_refuses_other_input(api: Api) -> None:
    bike, options = await b.custom_build_product()

    def request(notes: str) -> dict[str, Any]:
        return {
            "input": {
                "email": "ada@example.com",
                "name": "Ada",
                "shippingAddress": "1 Way",
                "sku": bike.sku,
                "choiceIds": [
                    encode("OptionChoice", options["Frame"]["Steel"].id),
                    encode("OptionChoice", options["Engine"]["650cc"].id),
                ],
                "notes": notes,
                "idempotencyKey": "build-1",
            }
        }

    first = await api.payload(REQUEST, request("red"))
    again = await api.payload(REQUEST, request("red"))
    assert again["customBuild"]["id"] == first["customBuild"]["id"]
    assert again["token"] == first["token"]
    assert codes(await api.payload(REQUEST, request("blue"))) == [
        ("IDEMPOTENCY_KEY_REUSED", "idempotencyKey")
    ]


async def test_staff_quote_then_customer_accepts_the_current_quote(api: Api) -> None:
    requested = await _request(api)
    build_id = requested["customBuild"]["id"]
    old_quote = requested["customBuild"]["quote"]["id"]
    token = await staff_token("builds")
    quote = {"customBuildId": build_id, "price": "9900.00", "leadTimeDays": 60, "note": "paint"}
    quoted = await api.payload(QUOTE, {"input": quote}, token=token)
    assert quoted["errors"] == []
    new_quote = quoted["customBuild"]["quote"]
    assert (new_quote["price"], new_quote["leadTimeDays"]) == ("9900.00", 60)
    again = await api.payload(QUOTE, {"input": quote}, token=token)
    assert again["customBuild"]["quote"]["id"] == new_quote["id"]  # a retry makes no new quote
    assert await BuildQuote.all().count() == 2

    stale = await api.payload(
        ACCEPT, {"input": {"token": requested["token"], "quoteId": old_quote}}
    )
    assert codes(stale) == [("CONFLICT", "quoteId")]
    accepted = await api.payload(
        ACCEPT, {"input": {"token": requested["token"], "quoteId": new_quote["id"]}}
    )
    assert accepted["errors"] == []
    line = accepted["order"]["lines"][0]
    assert line == {"quantities": {"waiting": 1}, "eta": {"basis": "BUILD"}, "unitPrice": "9900.00"}
    order = await api.data(
        "query($t: String!) { order(token: $t) { number } }", {"t": accepted["orderToken"]}
    )
    assert order["order"]["number"] == accepted["order"]["number"]
    late = await api.payload(QUOTE, {"input": quote}, token=token)
    assert codes(late) == [("CONFLICT", "customBuildId")]


async def test_quoting_needs_the_builds_scope_and_a_real_build(api: Api) -> None:
    requested = await _request(api)
    quote = {"customBuildId": requested["customBuild"]["id"], "price": "1.00", "leadTimeDays": 1}
    refused = await api.payload(QUOTE, {"input": quote}, token=await staff_token("read"))
    assert codes(refused) == [("PERMISSION_DENIED", None)]
    token = await staff_token("builds")
    missing = await api.payload(QUOTE, {"input": {**quote, "customBuildId": "x"}}, token=token)
    assert codes(missing) == [("NOT_FOUND", "customBuildId")]
    negative = await api.payload(QUOTE, {"input": {**quote, "price": "-5"}}, token=token)
    assert codes(negative) == [("INVALID", "price")]


async def test_accepting_with_a_wrong_token_is_not_found(api: Api) -> None:
    payload = await api.payload(ACCEPT, {"input": {"token": "forged", "quoteId": "x"}})
    assert codes(payload) == [("NOT_FOUND", "token")]


async def test_staff_list_custom_builds(api: Api) -> None:
    requested = await _request(api)
    data = await api.data(
        "{ customBuilds(status: QUOTED) { edges { node { id email } } } }",
        token=await staff_token("read"),
    )
    assert [e["node"]["id"] for e in data["customBuilds"]["edges"]] == [
        requested["customBuild"]["id"]
    ]


async def test_accepting_a_quote_that_is_not_this_builds_is_not_found(api: Api) -> None:
    mine, other = await _request(api), await _request(api, notes="other")
    foreign = other["customBuild"]["quote"]["id"]
    for quote_id in (encode("BuildQuote", 999_999), foreign, "not-an-id"):
        refused = await api.payload(
            ACCEPT, {"input": {"token": mine["token"], "quoteId": quote_id}}
        )
        assert codes(refused) == [("NOT_FOUND", "quoteId")], quote_id
    accepted = await api.payload(
        ACCEPT, {"input": {"token": mine["token"], "quoteId": mine["customBuild"]["quote"]["id"]}}
    )
    assert accepted["errors"] == []
    # Once accepted, another build's quote is still not found, not a conflict.
    after = await api.payload(ACCEPT, {"input": {"token": mine["token"], "quoteId": foreign}})
    assert codes(after) == [("NOT_FOUND", "quoteId")]
