"""Staff webhooks over GraphQL (scope `webhooks`): subscribe with the secret shown once, errors
named by field, deliveries listed, a dead letter replayed."""

from __future__ import annotations

import pytest

from domain.webhooks.models import WebhookDelivery, WebhookSubscription
from tests.api.helpers import Api, codes, staff_token

pytestmark = pytest.mark.usefixtures("db")

CREATE = """mutation($input: CreateWebhookSubscriptionInput!) {
  createWebhookSubscription(input: $input) {
    subscription { id url events active } secret errors { code field message } } }"""
UPDATE = """mutation($input: UpdateWebhookSubscriptionInput!) {
  updateWebhookSubscription(input: $input) {
    subscription { id url events active } secret errors { code field message } } }"""
LIST = """{ webhookSubscriptions { id url events active }
  webhookDeliveries { id event status statusCode latencyMs webhookId } }"""
REPLAY = """mutation($id: ID!) { replayWebhookDelivery(id: $id) {
  delivery { status webhookId } errors { code field message } } }"""


async def test_create_shows_the_secret_once_and_lists_without_it(api: Api) -> None:
    token = await staff_token("webhooks")
    made = await api.payload(
        CREATE,
        {"input": {"url": "https://erp.example.com/hooks", "events": ["order.placed"]}},
        token=token,
    )
    assert made["errors"] == []
    assert made["secret"].startswith("whsec_")
    listed = await api.data(LIST, token=token)
    assert listed["webhookSubscriptions"] == [made["subscription"]]
    assert made["secret"] not in str(listed)
    update = {"input": {"id": made["subscription"]["id"], "active": False}}
    changed = await api.payload(UPDATE, update, token=token)
    assert changed["subscription"]["active"] is False and changed["secret"] is None


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"url": "javascript:alert(1)", "events": ["order.placed"]}, "url"),
        ({"url": "https://x.example/" + "a" * 10_000, "events": ["order.placed"]}, "url"),
        ({"url": "https://x.example/", "events": ["order.placed", "nope"]}, "events"),
        (
            {"url": "https://x.example/", "events": ["order.placed"], "description": "d" * 10_000},
            "description",
        ),
    ],
)
async def test_hostile_input_is_named_by_field(api: Api, given: dict, field: str) -> None:
    token = await staff_token("webhooks")
    made = await api.payload(CREATE, {"input": given}, token=token)
    assert [f for _, f in codes(made)] == [field]
    assert made["secret"] is None and made["subscription"] is None
    assert await WebhookSubscription.all().count() == 0


async def test_webhooks_need_their_scope(api: Api) -> None:
    token = await staff_token("read", "orders")
    body = await api.post(
        CREATE, {"input": {"url": "https://x.example/", "events": ["order.placed"]}}, token=token
    )
    assert "webhooks" in str(body)
    assert await WebhookSubscription.all().count() == 0


async def test_a_dead_letter_is_replayed_with_its_webhook_id(api: Api) -> None:
    token = await staff_token("webhooks")
    made = await api.payload(
        CREATE, {"input": {"url": "https://x.example/", "events": ["order.placed"]}}, token=token
    )
    sub = await WebhookSubscription.get()
    import datetime as dt

    now = dt.datetime.now(dt.UTC)
    dead = await WebhookDelivery.create(
        subscription=sub,
        event="order.placed",
        webhook_id="msg_dead",
        payload={},
        status="dead",
        attempts=9,
        next_attempt_at=now,
        age_from=now,
        created_at=now,
        last_status_code=500,
    )
    listed = await api.data(LIST, token=token)
    [row] = listed["webhookDeliveries"]
    assert (row["status"], row["statusCode"]) == ("dead", 500)
    replayed = await api.payload(REPLAY, {"id": row["id"]}, token=token)
    assert replayed["delivery"] == {"status": "pending", "webhookId": "msg_dead"}
    again = await api.payload(REPLAY, {"id": row["id"]}, token=token)
    assert codes(again) == [("CONFLICT", "id")]
    assert (await WebhookDelivery.get(id=dead.id)).status == "pending"
    assert made["subscription"]["id"]


async def test_deliveries_of_an_unknown_state_or_subscription_are_none(api: Api) -> None:
    token = await staff_token("webhooks")
    query = """query($s: String, $id: ID) { webhookDeliveries(status: $s, subscriptionId: $id,
      first: 100000) { id } }"""
    for variables in ({"s": "9" * 30}, {"id": "bm9wZQ=="}, {"s": "dead"}):
        assert (await api.data(query, variables, token=token))["webhookDeliveries"] == []
