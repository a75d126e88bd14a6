"""The staff Webhooks page: subscribe (secret shown once), switch off, see deliveries with
status code and latency, replay a dead letter; forms with CSRF; bad input named by field."""

from __future__ import annotations

import datetime as dt
import re

import httpx
import pytest

from domain.webhooks.models import WebhookDelivery, WebhookSubscription
from tests.portal.staff.conftest import submit, text_of

pytestmark = pytest.mark.usefixtures("db")


async def test_a_subscription_shows_its_secret_once(staff: httpx.AsyncClient) -> None:
    made = await submit(
        staff,
        "/staff/webhooks",
        "/staff/webhooks/new",
        {"url": "https://erp.example.com/hook", "events": ["order.placed", "shipment.sent"]},
    )
    assert made.status_code == 200 and made.headers["cache-control"] == "no-store"
    secret = re.search(r'id="new-secret">([^<]+)<', made.text)
    assert secret and secret.group(1).startswith("whsec_")
    row = await WebhookSubscription.get()
    assert row.events == ["order.placed", "shipment.sent"] and row.active
    listed = await staff.get("/staff/webhooks")
    assert "erp.example.com" in listed.text and secret.group(1) not in listed.text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"url": "ftp://x.example/", "events": ["order.placed"]}, "http"),
        ({"url": "https://x.example/" + "a" * 10_000, "events": ["order.placed"]}, "at most"),
        ({"url": "https://x.example/", "events": ["order.placed", "bogus.event"]}, "bogus.event"),
        ({"url": "https://x.example/", "events": []}, "at least one event"),
        (
            {"url": "https://x.example/", "events": ["order.placed"], "description": "d" * 10_000},
            "at most",
        ),
    ],
)
async def test_bad_input_is_refused_with_its_field_and_saves_nothing(
    staff: httpx.AsyncClient, data: dict[str, str | list[str]], message: str
) -> None:
    refused = await submit(staff, "/staff/webhooks", "/staff/webhooks/new", data)
    assert refused.status_code == 400 and message in text_of(refused.text)
    assert re.search(r'id="(url|events|description)-error"', refused.text)
    assert await WebhookSubscription.all().count() == 0


async def test_a_form_without_its_csrf_token_is_refused(staff: httpx.AsyncClient) -> None:
    answer = await staff.post(
        "/staff/webhooks/new", data={"url": "https://x.example/", "events": ["order.placed"]}
    )
    assert answer.status_code == 403
    assert await WebhookSubscription.all().count() == 0


async def test_deliveries_show_code_and_latency_and_a_dead_letter_is_replayed(
    staff: httpx.AsyncClient,
) -> None:
    await submit(
        staff,
        "/staff/webhooks",
        "/staff/webhooks/new",
        {"url": "https://erp.example.com/hook", "events": ["order.placed"]},
    )
    sub = await WebhookSubscription.get()
    now = dt.datetime.now(dt.UTC)
    sent = await WebhookDelivery.create(
        subscription=sub,
        event="order.placed",
        webhook_id="msg_sent",
        status="sent",
        attempts=1,
        next_attempt_at=now,
        age_from=now,
        created_at=now,
        last_status_code=204,
        last_latency_ms=37,
    )
    dead = await WebhookDelivery.create(
        subscription=sub,
        event="order.placed",
        webhook_id="msg_dead",
        status="dead",
        attempts=12,
        next_attempt_at=now,
        age_from=now,
        created_at=now,
        last_status_code=503,
        last_error="gave up: HTTP 503",
    )
    page = text_of((await staff.get("/staff/webhooks")).text)
    assert "204" in page and "37 ms" in page and "dead letter" in page and "503" in page
    replayed = await submit(
        staff, "/staff/webhooks", f"/staff/webhooks/deliveries/{dead.id}/replay", {}
    )
    assert replayed.status_code == 303
    row = await WebhookDelivery.get(id=dead.id)
    assert (row.status, row.webhook_id) == ("pending", "msg_dead")
    again = await submit(
        staff, "/staff/webhooks", f"/staff/webhooks/deliveries/{sent.id}/replay", {}
    )
    assert again.status_code == 400 and "dead letter" in text_of(again.text)


async def test_switching_a_subscription_off(staff: httpx.AsyncClient) -> None:
    await submit(
        staff,
        "/staff/webhooks",
        "/staff/webhooks/new",
        {"url": "https://erp.example.com/hook", "events": ["order.placed"]},
    )
    sub = await WebhookSubscription.get()
    off = await submit(
        staff, "/staff/webhooks", f"/staff/webhooks/{sub.id}/active", {"active": "0"}
    )
    assert off.status_code == 303
    assert not (await WebhookSubscription.get()).active
