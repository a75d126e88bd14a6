"""The waitlist on the portal (rule 26): join from a sold-out page, confirm and leave by the
emailed link with a button (a link alone changes nothing), CSRF on every change."""

from __future__ import annotations

import httpx
import pytest

from domain.purchasing.models import WaitlistEntry
from domain.supply.waitlist import waitlist_token
from tests import builders as b
from tests.portal.conftest import csrf_token, post_form

pytestmark = pytest.mark.usefixtures("db")


async def test_join_confirm_and_leave_from_the_pages(client: httpx.AsyncClient) -> None:
    product = await b.product(on_hand=0, cap=0, sku="AC-12")
    page = await client.get("/products/AC-12")
    assert "Join the waitlist" in page.text
    joined = await post_form(
        client, "/products/AC-12", "/waitlist", {"sku": "AC-12", "email": "ada@example.com"}
    )
    assert joined.status_code == 200 and "Check your inbox" in joined.text
    entry = await WaitlistEntry.get(product_id=product.id)
    token = waitlist_token(b.POLICY.secret_key, entry.id, entry.token_salt)
    opened = await client.get(f"/waitlist/{token}")
    assert opened.status_code == 200 and opened.headers["cache-control"] == "no-store"
    assert (await WaitlistEntry.get(id=entry.id)).status == "pending"  # a GET changes nothing
    done = await client.post(f"/waitlist/{token}", data={"csrf_token": csrf_token(opened.text)})
    assert "You are on the waitlist" in done.text
    assert (await WaitlistEntry.get(id=entry.id)).status == "confirmed"
    leaving = await client.get(f"/waitlist/{token}/leave")
    left = await client.post(
        f"/waitlist/{token}/leave", data={"csrf_token": csrf_token(leaving.text)}
    )
    assert "You left the waitlist" in left.text
    assert (await WaitlistEntry.get(id=entry.id)).status == "left"


async def test_bad_input_and_forged_posts_change_nothing(client: httpx.AsyncClient) -> None:
    await b.product(on_hand=0, cap=0, sku="AC-12")
    for bad in ("not an address", "a@b.com\r\nBcc: x@y.com", "x" * 10_000 + "@example.com"):
        refused = await post_form(
            client, "/products/AC-12", "/waitlist", {"sku": "AC-12", "email": bad}
        )
        assert refused.status_code == 400 and "valid email address" in refused.text
    forged = await client.post(
        "/waitlist", data={"csrf_token": "forged", "sku": "AC-12", "email": "a@example.com"}
    )
    assert forged.status_code == 403
    assert (await client.get("/waitlist/1.nonsense")).status_code == 404
    assert await WaitlistEntry.all().count() == 0
