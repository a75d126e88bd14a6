"""Custom builds on the database: DOMAIN.md rule 14 (builds/services.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from domain.builds.models import BuildQuote, BuildRequest, BuildRequestChoice
from domain.builds.services import (
    BuildRequestInput,
    RequestedBuild,
    accept_quote,
    adjust_quote,
    current_quote,
    expire_quotes,
    find_build_by_token,
    request_custom_build,
)
from domain.catalog.models import OptionChoice, Product
from domain.context import Actor, Context
from domain.errors import Conflict, InvalidInput
from domain.ledger.models import LedgerEntry
from domain.ordering.models import OrderLine
from domain.ordering.services import find_order_by_token
from domain.outbox.models import OutboxMessage
from domain.vocabulary import AvailabilityMode, BuildStatus, EtaBasis, LedgerKind, OutboxKind
from tests import builders as b

pytestmark = pytest.mark.usefixtures("db")

CUSTOMER = Actor("customer", "rider@example.com")


def _input(product: Product, *choices: OptionChoice) -> BuildRequestInput:
    return BuildRequestInput(
        email="Rider@Example.com",
        name="Rin Rider",
        shipping_address="2 Track Lane",
        sku=product.sku,
        choice_ids=[c.id for c in choices],
        notes="Matte black, please.",
    )


async def _requested(context: Context | None = None) -> RequestedBuild:
    product, options = await b.custom_build_product(price="8000.00", lead_time_days=30)
    context = context or b.ctx(actor=CUSTOMER)
    return await b.build_request(
        product,
        options,
        frame="Carbon",
        engine="1200cc",
        email="Rider@Example.com",
        context=context,
    )


async def test_request_is_quoted_from_option_prices_and_lead_times() -> None:
    built = await _requested()
    assert built.request.status == BuildStatus.QUOTED
    assert built.quote.price == Decimal("12000.00")  # 8000 + 1500 + 2500
    assert built.quote.lead_time_days == 51  # 30 + 14 + 7
    assert built.quote.valid_until == b.TODAY + dt.timedelta(days=b.POLICY.quote_valid_days)
    assert await BuildRequestChoice.filter(request_id=built.request.id).count() == 2
    emails = await OutboxMessage.filter(kind=OutboxKind.BUILD_QUOTE_READY)
    assert [(m.recipient, m.build_request_id) for m in emails] == [
        ("rider@example.com", built.request.id)
    ]


async def test_link_token_finds_the_request() -> None:
    built = await _requested()
    assert (await find_build_by_token(built.token)).id == built.request.id


async def test_request_without_a_required_group_is_refused_naming_it() -> None:
    product, options = await b.custom_build_product()
    with pytest.raises(InvalidInput) as refused:
        await request_custom_build(_input(product, options["Frame"]["Steel"]), ctx=b.ctx())
    assert refused.value.field == "choices" and "Engine" in refused.value.message
    assert await BuildRequest.all().count() == 0


async def test_two_choices_in_one_group_are_refused() -> None:
    product, options = await b.custom_build_product()
    frames, engine = options["Frame"], options["Engine"]["650cc"]
    with pytest.raises(InvalidInput) as refused:
        await request_custom_build(
            _input(product, frames["Steel"], frames["Carbon"], engine), ctx=b.ctx()
        )
    assert refused.value.field == "choices" and "Frame" in refused.value.message


async def test_choice_of_another_product_is_refused() -> None:
    product, options = await b.custom_build_product()
    _, other = await b.custom_build_product()
    with pytest.raises(InvalidInput) as refused:
        await request_custom_build(
            _input(product, options["Frame"]["Steel"], other["Engine"]["650cc"]), ctx=b.ctx()
        )
    assert refused.value.field == "choices"


async def test_only_custom_build_products_can_be_configured() -> None:
    stocked = await b.product(on_hand=1)
    with pytest.raises(InvalidInput) as refused:
        await request_custom_build(_input(stocked), ctx=b.ctx())
    assert refused.value.field == "sku"


async def test_same_key_requests_one_build() -> None:
    product, options = await b.custom_build_product()
    first = await b.build_request(product, options, key="b-1")
    again = await b.build_request(product, options, key="b-1")
    assert again.request.id == first.request.id and again.quote.id == first.quote.id
    assert await BuildRequest.all().count() == 1


async def test_staff_adjustment_adds_a_newer_quote_that_is_current() -> None:
    built = await _requested()
    adjusted = await adjust_quote(
        built.request.id, "11500.00", 45, "Carbon frames in stock", ctx=b.later(b.ctx(), days=2)
    )
    assert (await current_quote(built.request.id)).id == adjusted.id
    assert (adjusted.price, adjusted.lead_time_days, adjusted.actor) == (
        Decimal("11500.00"),
        45,
        "staff:tester",
    )
    assert adjusted.valid_until == b.TODAY + dt.timedelta(days=2 + b.POLICY.quote_valid_days)
    assert await BuildQuote.filter(request_id=built.request.id).count() == 2
    assert await OutboxMessage.filter(kind=OutboxKind.BUILD_QUOTE_READY).count() == 2


async def test_adjusted_quote_must_have_a_positive_price() -> None:
    built = await _requested()
    with pytest.raises(InvalidInput) as refused:
        await adjust_quote(built.request.id, "0", 45, "", ctx=b.ctx())
    assert refused.value.field == "price"


async def test_accepting_creates_a_one_line_build_order() -> None:
    built = await _requested()
    accepted = await accept_quote(built.token, built.quote.id, ctx=b.ctx(actor=CUSTOMER))
    lines = await OrderLine.filter(order_id=accepted.order_id)
    assert len(lines) == 1
    line = lines[0]
    assert (line.quantity, line.qty_waiting, line.unit_price) == (1, 1, Decimal("12000.00"))
    assert line.build_request_id == built.request.id
    assert line.eta_basis == line.promised_basis == EtaBasis.BUILD
    ships = b.TODAY + dt.timedelta(days=51)
    assert line.eta_earliest == ships + dt.timedelta(days=b.POLICY.transit_days_min)
    assert line.eta_latest == ships + dt.timedelta(days=b.POLICY.transit_days_max)
    assert (await find_order_by_token(accepted.order_token)).id == accepted.order_id
    request = await BuildRequest.get(id=built.request.id)
    assert (request.status, request.order_id) == (BuildStatus.ACCEPTED, accepted.order_id)
    booked = await LedgerEntry.get(line_id=line.id)
    assert (booked.kind, booked.amount) == (LedgerKind.BACKORDER_BOOKED, Decimal("12000.00"))


async def test_build_eta_runs_from_the_day_of_acceptance() -> None:
    built = await _requested()
    accepted = await accept_quote(built.token, built.quote.id, ctx=b.later(b.ctx(), days=5))
    line = await OrderLine.get(order_id=accepted.order_id)
    assert line.eta_earliest == b.TODAY + dt.timedelta(days=5 + 51 + b.POLICY.transit_days_min)


async def test_accepting_twice_returns_the_same_order() -> None:
    built = await _requested()
    first = await accept_quote(built.token, built.quote.id, ctx=b.ctx())
    again = await accept_quote(built.token, built.quote.id, ctx=b.ctx())
    assert again == first
    assert await OrderLine.all().count() == 1


async def test_accepting_a_replaced_quote_is_a_conflict() -> None:
    built = await _requested()
    await adjust_quote(built.request.id, "9000", 40, "", ctx=b.ctx())
    with pytest.raises(Conflict) as refused:
        await accept_quote(built.token, built.quote.id, ctx=b.ctx())
    assert refused.value.field == "quoteId"
    assert await OrderLine.all().count() == 0


async def test_accepting_an_expired_quote_is_a_conflict() -> None:
    built = await _requested()
    last_day = b.later(b.ctx(), days=b.POLICY.quote_valid_days)
    with pytest.raises(Conflict) as refused:
        await accept_quote(built.token, built.quote.id, ctx=b.later(last_day, days=1))
    assert "expired" in refused.value.message
    accepted = await accept_quote(built.token, built.quote.id, ctx=last_day)
    assert accepted.order_id


async def test_expiry_marks_only_requests_whose_current_quote_has_passed() -> None:
    stale = await _requested()
    fresh = await _requested(context=b.later(b.ctx(), days=10))
    after = b.later(b.ctx(), days=b.POLICY.quote_valid_days + 1)
    assert await expire_quotes(ctx=after) == 1
    assert (await BuildRequest.get(id=stale.request.id)).status == BuildStatus.EXPIRED
    assert (await BuildRequest.get(id=fresh.request.id)).status == BuildStatus.QUOTED
    assert await expire_quotes(ctx=after) == 0


async def test_expired_request_cannot_be_accepted_until_staff_quote_again() -> None:
    built = await _requested()
    after = b.later(b.ctx(), days=b.POLICY.quote_valid_days + 1)
    await expire_quotes(ctx=after)
    with pytest.raises(Conflict):
        await accept_quote(built.token, built.quote.id, ctx=after)
    renewed = await adjust_quote(built.request.id, "12000", 51, "Still possible", ctx=after)
    assert (await BuildRequest.get(id=built.request.id)).status == BuildStatus.QUOTED
    assert (await accept_quote(built.token, renewed.id, ctx=after)).order_id


async def test_base_lead_time_is_the_products_own_else_its_suppliers() -> None:
    supplier = await b.supplier(lead_time_days=20)
    product = await b.product(mode=AvailabilityMode.CUSTOM_BUILD, supplier_=supplier)
    options = await b.option_groups(product, {"Colour": [("Red", "50.00", 3)]})
    built = await request_custom_build(_input(product, options["Colour"]["Red"]), ctx=b.ctx())
    assert built.quote.lead_time_days == 23  # the supplier's 20 days plus the option's 3


@pytest.mark.parametrize("price", ["NaN", "Infinity", "-Infinity", "12,50", "sNaN"])
async def test_adjusted_quote_price_must_be_a_finite_amount(price: str) -> None:
    requested = await _requested()
    with pytest.raises(InvalidInput) as refused:
        await adjust_quote(requested.request.id, price, 30, "", ctx=b.ctx())
    assert refused.value.field == "price"
