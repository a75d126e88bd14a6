"""Custom builds: requests to review, adjusting a quote."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from domain.builds.models import BuildQuote, BuildRequest
from domain.outbox.models import OutboxMessage
from tests import builders as b
from tests.portal.staff.conftest import now_ctx, submit, text_of

pytestmark = pytest.mark.usefixtures("db")


async def _requested() -> BuildRequest:
    done = await b.build_request(
        frame="Carbon", email="rider@example.com", notes="Tall rider: 195 cm", context=now_ctx()
    )
    return done.request


async def test_requests_are_listed_with_their_options_and_quote(staff: httpx.AsyncClient) -> None:
    request = await _requested()
    page = text_of((await staff.get("/staff/builds")).text)
    assert request.number in page and "Carbon, 650cc" in page and "€9,500.00" in page
    assert "Tall rider" in page
    filtered = await staff.get("/staff/builds?status=accepted")
    assert request.number not in filtered.text


async def test_adjusting_a_quote_sends_the_customer_a_new_one_by_this_member(
    staff: httpx.AsyncClient,
) -> None:
    request = await _requested()
    url = f"/staff/builds/{request.id}"
    done = await submit(
        staff,
        url,
        f"{url}/quote",
        {"price": "10,250.00", "lead_time_days": "90", "note": "Higher seat included"},
    )
    assert done.status_code == 303
    quote = await BuildQuote.filter(request_id=request.id).order_by("-id").first()
    assert quote is not None and quote.price == Decimal("10250.00") and quote.lead_time_days == 90
    page = text_of((await staff.get(done.headers["location"])).text)
    assert (
        "New quote saved" in page and "Ada Admin <ada@example.com>" in page and "the system" in page
    )
    assert await OutboxMessage.filter(kind="build_quote_ready").count() == 2


@pytest.mark.parametrize(
    ("price", "days", "message"),
    [
        ("abc", "90", "Enter a price"),
        ("NaN", "90", "Enter a price"),
        ("0", "90", "positive price"),
        ("100", "ninety", "Enter a whole number"),
        ("100", "²", "Enter a whole number"),
        ("100", "9" * 23, "Enter a whole number"),
        ("100", "4000", "lead time from 0 to 3650"),
    ],
)
async def test_a_bad_quote_is_refused(
    staff: httpx.AsyncClient, price: str, days: str, message: str
) -> None:
    request = await _requested()
    url = f"/staff/builds/{request.id}"
    refused = await submit(
        staff, url, f"{url}/quote", {"price": price, "lead_time_days": days, "note": ""}
    )
    assert refused.status_code == 400 and message in refused.text
    assert await BuildQuote.filter(request_id=request.id).count() == 1


async def test_an_unknown_build_is_not_found(staff: httpx.AsyncClient) -> None:
    assert (await staff.get("/staff/builds/77")).status_code == 404
