"""Rate limits on the portal's pages: 429 with Retry-After past each limit, and the links page
answers an address asked for too often exactly as any other."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest

from app import create_app
from domain.ordering.models import Order
from domain.outbox.models import OutboxMessage
from domain.ratelimit.rates import Rate, RateLimits
from domain.staff.passwords import passwords
from domain.staff.services import add_staff
from domain.vocabulary import AvailabilityMode, OutboxKind
from settings import Settings
from tests import builders as b
from tests.portal.conftest import csrf_token, post_form
from tests.portal.test_order_pages import _checkout, _fill_cart

pytestmark = pytest.mark.usefixtures("db")

LIMITS = RateLimits(
    sign_in_client=Rate(3, 900),
    sign_in_account=Rate(2, 900),
    links_client=Rate(4, 3600),
    place_order_client=Rate(1, 3600),
    build_request_client=Rate(1, 3600),
    waitlist_client=Rate(1, 3600),
)
PASSWORD = "correct horse battery staple"


def waits(response: httpx.Response, seconds: int) -> bool:
    """Retry-After is the full interval, less the seconds the test itself has taken."""
    return seconds - 30 < int(response.headers["retry-after"]) <= seconds


@pytest.fixture
async def limited(db: str) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(Settings(secret_key="test-secret", rate_limits=LIMITS), manage_database=False)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


def strip_tokens(html: str) -> str:
    return re.sub(r'value="[0-9a-f]{64}"', "", html)


async def sign_in(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    return await post_form(
        client, "/staff/sign-in", "/staff/sign-in", {"email": email, "password": password}
    )


async def test_checkout_past_its_rate_answers_429_and_places_nothing(
    limited: httpx.AsyncClient,
) -> None:
    helmet = await b.product(on_hand=5, sku="HELMET")
    await _fill_cart(limited, (helmet, 1))
    assert (await _checkout(limited)).status_code == 303
    await _fill_cart(limited, (helmet, 1))
    refused = await _checkout(limited)
    assert refused.status_code == 429 and waits(refused, 3600)
    assert "Please wait a moment" in refused.text and "60 minutes" in refused.text
    assert await Order.all().count() == 1


async def test_waitlist_sign_ups_past_their_rate_answer_429_and_join_nothing(
    limited: httpx.AsyncClient,
) -> None:
    from domain.purchasing.models import WaitlistEntry

    await b.product(on_hand=0, cap=0, sku="AC-12")
    form = {"sku": "AC-12", "email": "ada@example.com"}
    assert (await post_form(limited, "/products/AC-12", "/waitlist", form)).status_code == 200
    form = {"sku": "AC-12", "email": "bo@example.com"}
    refused = await post_form(limited, "/products/AC-12", "/waitlist", form)
    assert refused.status_code == 429 and waits(refused, 3600)
    assert [e.email for e in await WaitlistEntry.all()] == ["ada@example.com"]


async def test_build_requests_past_their_rate_answer_429(limited: httpx.AsyncClient) -> None:
    await b.product(
        mode=AvailabilityMode.CUSTOM_BUILD, price="9000.00", lead_time_days=60, sku="MOTO"
    )
    form = {"sku": "MOTO", "email": "r@example.com", "name": "R", "shipping_address": "1 Road"}
    first = await post_form(limited, "/products/MOTO", "/builds", form)
    assert first.status_code in (303, 400)  # asked (quoted, or told what is missing)
    refused = await post_form(limited, "/products/MOTO", "/builds", form)
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0


async def test_the_links_page_answers_an_address_asked_too_often_like_any_other(
    limited: httpx.AsyncClient,
) -> None:
    await b.order((await b.product(on_hand=1), 1), email="known@example.com")
    answers = [
        await post_form(limited, "/links", "/links", {"email": "known@example.com"})
        for _ in range(4)
    ]
    assert {answer.status_code for answer in answers} == {200}
    assert len({strip_tokens(answer.text) for answer in answers}) == 1
    queued = await OutboxMessage.filter(kind=OutboxKind.ORDER_LINKS).count()
    assert queued == RateLimits().links_address.limit  # type: ignore[union-attr]
    refused = await post_form(limited, "/links", "/links", {"email": "other@example.com"})
    assert refused.status_code == 429 and waits(refused, 900)


async def test_staff_sign_in_is_limited_per_account_and_per_client(
    limited: httpx.AsyncClient,
) -> None:
    await add_staff("ada@example.com", "Ada", PASSWORD)
    assert (await sign_in(limited, "ada@example.com", "guess guess")).status_code == 400
    assert (await sign_in(limited, "ada@example.com", "guess guess")).status_code == 400
    refused = await sign_in(limited, "ada@example.com", PASSWORD)  # even the right password
    assert refused.status_code == 429 and waits(refused, 450)
    assert "Too many sign-ins" in refused.text
    # Another account from the same client: past the client's rate of three attempts.
    assert (await sign_in(limited, "bob@example.com", "guess guess")).status_code == 429
    assert (await sign_in(limited, "carol@example.com", "guess")).status_code == 429


async def test_sign_in_answers_503_at_once_when_too_many_checks_wait(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    await add_staff("ada@example.com", "Ada", PASSWORD)
    monkeypatch.setattr(passwords, "in_flight", passwords.capacity)  # the queue is full
    page = await client.get("/staff/sign-in")
    busy = await client.post(
        "/staff/sign-in",
        data={"csrf_token": csrf_token(page.text), "email": "ada@example.com", "password": "x"},
    )
    assert busy.status_code == 503 and busy.headers["retry-after"] == "1"
    assert "Too many sign-ins at once" in busy.text
