"""A workshop slip from the staff console: the form on the product and custom-build pages,
the exact preview first, messages next to the fields, CSRF."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

from domain.builds.services import accept_quote
from domain.ordering.models import EtaEvent, OrderLine
from domain.vocabulary import AvailabilityMode, EtaReason
from tests import builders as b
from tests.portal.staff.conftest import now_ctx, submit, text_of, today

pytestmark = pytest.mark.usefixtures("db")


def later(days: int) -> str:
    return (today() + dt.timedelta(days=days)).isoformat()


async def test_a_made_to_order_slip_is_previewed_then_confirmed(staff: httpx.AsyncClient) -> None:
    product = await b.product(mode=AvailabilityMode.MADE_TO_ORDER, lead_time_days=10, sku="SOFA")
    await b.order((product, 1), context=now_ctx(), email="wait@example.com")
    page = f"/staff/products/{product.id}"
    opened = await staff.get(page)
    assert "The workshop slipped" in opened.text and f"{page}/slip" in opened.text
    form = {"build_date": later(40), "reason": "The upholsterer is ill"}
    preview = await submit(staff, page, f"{page}/slip", form)
    assert preview.status_code == 200
    words = text_of(preview.text)
    assert "moves 1 line in 1 order; 1 customer will be emailed" in words
    assert "wait@example.com" in words and "delay notice" in words
    assert await EtaEvent.all().count() == 0  # the preview kept nothing
    done = await submit(staff, page, f"{page}/slip", {**form, "confirmed": "yes"})
    assert done.status_code == 303 and "done=slipped" in done.headers["location"]
    line = await OrderLine.get(product_id=product.id)
    assert line.build_ready_on == today() + dt.timedelta(days=40)
    assert await EtaEvent.filter(reason=EtaReason.BUILD_SLIPPED).count() == 1


@pytest.mark.parametrize(
    ("build_date", "message"),
    [
        ("2001-01-01", "cannot be in the past"),
        ("٢٠٢٧-٠٣-١٤", "Enter a date such as"),
        ("9" * 300, "Enter a date such as"),
    ],
)
async def test_a_bad_build_date_is_told_next_to_the_field(
    staff: httpx.AsyncClient, build_date: str, message: str
) -> None:
    product = await b.product(mode=AvailabilityMode.MADE_TO_ORDER, lead_time_days=10, sku="SOFA")
    await b.order((product, 1), context=now_ctx())
    page = f"/staff/products/{product.id}/slip"
    refused = await submit(staff, page, page, {"build_date": build_date, "reason": "Ill"})
    assert refused.status_code == 400
    assert 'id="buildDate-error"' in refused.text and message in text_of(refused.text)
    assert await EtaEvent.all().count() == 0


async def test_a_custom_build_slip_from_its_page(staff: httpx.AsyncClient) -> None:
    ctx = now_ctx()
    motorcycle, options = await b.custom_build_product(lead_time_days=30)
    requested = await b.build_request(motorcycle, options, context=ctx)
    await accept_quote(requested.token, requested.quote.id, ctx=ctx)
    page = f"/staff/builds/{requested.request.id}"
    form = {"build_date": later(70), "reason": "Frame jig out of true"}
    preview = await submit(staff, page, f"{page}/slip", form)
    assert "moves 1 line in 1 order" in text_of(preview.text)
    done = await submit(staff, page, f"{page}/slip", {**form, "confirmed": "yes"})
    assert done.status_code == 303
    shown = await staff.get(done.headers["location"])
    assert "New build date saved" in shown.text


async def test_a_slip_without_its_csrf_token_is_refused(staff: httpx.AsyncClient) -> None:
    product = await b.product(mode=AvailabilityMode.MADE_TO_ORDER, lead_time_days=10)
    refused = await staff.post(
        f"/staff/products/{product.id}/slip", data={"build_date": later(20), "reason": "x"}
    )
    assert refused.status_code == 403
