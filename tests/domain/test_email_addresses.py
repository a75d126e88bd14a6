"""An order's address must be one we can email: refused at every door, stored normalized."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from domain import validation
from domain.builds.models import BuildRequest
from domain.customers.models import Customer
from domain.customers.services import resend_order_links
from domain.errors import InvalidInput
from domain.notifications.composing.mime import check_address
from domain.ordering.models import Order
from domain.outbox.models import OutboxMessage
from domain.staff.services import add_staff
from domain.validation import clean_email
from tests import builders as b

NEVER_DELIVERABLE = [
    "nora@example..com",
    "nora..b@example.com",
    "nora@example.com.",
    "nora@localhost",
    "nora@example",
    "nora@-example.com",
    "nora@exa_mple.com",
    '"nora smith"@example.com',
    "nora@[127.0.0.1]",
    "Nora <nora@example.com>",
    "nöra@example.com",  # the sender writes no SMTPUTF8
    "nora@shop.invalid",
    "nora@shop.local",
]

ACCEPTED = {
    "nora@example.com": "nora@example.com",
    "  Nora.Smith+shop@Example.COM ": "nora.smith+shop@example.com",
    "user@münchen.de": "user@xn--mnchen-3ya.de",
    "user@XN--MNCHEN-3YA.de": "user@xn--mnchen-3ya.de",
    "o'brien@example.ie": "o'brien@example.ie",
}


@pytest.mark.parametrize("address", NEVER_DELIVERABLE)
def test_an_address_that_can_never_be_emailed_is_refused_naming_the_field(address: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        clean_email(address, field="input.email")
    assert refused.value.field == "input.email"
    assert "valid email address" in refused.value.message


@pytest.mark.parametrize(("typed", "stored"), ACCEPTED.items())
def test_an_accepted_address_is_normalized_and_the_mail_path_can_send_to_it(
    typed: str, stored: str
) -> None:
    assert clean_email(typed) == stored
    assert check_address("To", clean_email(typed)) == stored


@pytest.mark.usefixtures("db")
async def test_an_order_to_an_undeliverable_address_is_refused_and_nothing_is_kept() -> None:
    helmet = await b.product(on_hand=5)
    with pytest.raises(InvalidInput) as refused:
        await b.order((helmet, 1), email="nora@example..com")
    assert refused.value.field == "email"
    assert await Order.all().count() == 0
    assert await Customer.all().count() == 0
    assert await OutboxMessage.all().count() == 0


@pytest.mark.usefixtures("db")
async def test_an_order_stores_the_normalized_address_and_mails_it() -> None:
    helmet = await b.product(on_hand=5)
    await b.order((helmet, 1), email="  Nora@Example.COM ")
    await b.order((helmet, 1), email="nora@example.com")
    assert await Customer.all().values_list("email", flat=True) == ["nora@example.com"]
    recipients = await OutboxMessage.all().values_list("recipient", flat=True)
    assert recipients == ["nora@example.com", "nora@example.com"]


@pytest.mark.usefixtures("db")
async def test_a_build_request_to_an_undeliverable_address_is_refused() -> None:
    motorcycle, options = await b.custom_build_product()
    with pytest.raises(InvalidInput) as refused:
        await b.build_request(motorcycle, options, email="nora@example..com")
    assert refused.value.field == "email"
    assert await BuildRequest.all().count() == 0
    assert await Customer.all().count() == 0


@pytest.mark.usefixtures("db")
async def test_resending_links_to_an_undeliverable_address_is_refused() -> None:
    with pytest.raises(InvalidInput) as refused:
        await resend_order_links("nora@example..com", ctx=b.ctx())
    assert refused.value.field == "email"
    assert await OutboxMessage.all().count() == 0


@pytest.mark.usefixtures("db")
async def test_resending_links_finds_the_customer_whatever_the_spelling() -> None:
    await b.order((await b.product(on_hand=1), 1), email="nora@example.com")
    await resend_order_links(" NORA@example.COM", ctx=b.ctx())
    assert await OutboxMessage.filter(kind="order_links").values_list("recipient", flat=True) == [
        "nora@example.com"
    ]


@pytest.mark.usefixtures("db")
async def test_a_staff_member_needs_an_address_we_can_email() -> None:
    with pytest.raises(InvalidInput) as refused:
        await add_staff("nora@example..com", "Nora", "a long enough password 1")
    assert refused.value.field == "email"


def test_the_remembered_check_answers_racing_callers_as_a_fresh_check_does() -> None:
    """``clean_email`` keeps accepted answers per process (``validation._normalized``): eight
    threads asking the same addresses at once each get the answer of a fresh check, and a
    refusal is never kept as an answer."""
    cases = [*ACCEPTED.items(), *((address, None) for address in NEVER_DELIVERABLE)] * 25

    def answer(case: tuple[str, str | None]) -> bool:
        address, expected = case
        try:
            return clean_email(address) == expected
        except InvalidInput as error:
            return expected is None and error.field == "email"

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(answer, cases))
    assert len(answers) == len(cases) and all(answers)


def test_the_remembered_checks_stay_bounded() -> None:
    for n in range(1_500):
        assert clean_email(f"Customer{n}@Example.com") == f"customer{n}@example.com"
    assert validation._normalized.cache_info().currsize <= 1_024
