"""Two senders at once deliver each row once; a ping goes out at once; the sender runs beside
the app and stops cleanly."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from domain.context import Context
from domain.webhooks.models import WebhookDelivery
from domain.webhooks.ping import send_ping
from domain.webhooks.worker import running_webhook_sender
from tests import builders as b
from tests.domain.webhooks.helpers import FAST, sender, store_clock, subscribed
from tests.domain.webhooks.receiver import receiving

pytestmark = pytest.mark.usefixtures("db")


async def test_two_senders_racing_deliver_each_row_once() -> None:
    async with receiving() as receiver:
        await subscribed(receiver.url("/a"), "order.placed")
        await subscribed(receiver.url("/b"), "order.placed")
        product = await b.product(on_hand=100)
        for _ in range(30):
            await b.order((product, 1))
        config = dataclasses.replace(FAST, batch_size=8, per_target=2)
        first, second = await asyncio.gather(
            sender(config).run(until_idle=True), sender(config).run(until_idle=True)
        )
    ids = [hit.webhook_id for hit in receiver.received]
    assert len(ids) == len(set(ids)) == 60
    assert first.sent + second.sent == 60
    assert await WebhookDelivery.filter(status="sent").count() == 60


async def test_a_ping_is_sent_at_once_and_recorded() -> None:
    async with receiving(lambda path, count: 204) as receiver:
        sub = await subscribed(receiver.url(), "order.placed")
        attempt = await send_ping(
            sub.subscription.id, config=FAST, ctx=Context.system(b.POLICY, store_clock())
        )
    assert attempt.ok and attempt.code == 204
    [hit] = receiver.received
    assert hit.json["type"] == "webhook.ping"
    row = await WebhookDelivery.get()
    assert (row.status, row.last_status_code, row.event) == ("sent", 204, "webhook.ping")


async def test_a_ping_to_a_receiver_that_is_down_says_so() -> None:
    sub = await subscribed("http://127.0.0.1:1/hook", "order.placed")
    attempt = await send_ping(sub.subscription.id, config=FAST, ctx=Context.system(b.POLICY))
    assert not attempt.ok and "cannot connect" in attempt.error


async def test_the_sender_beside_the_app_delivers_and_stops() -> None:
    async with receiving() as receiver:
        await subscribed(receiver.url(), "order.placed")
        await b.order((await b.product(on_hand=1), 1), context=Context.system(b.POLICY))
        async with running_webhook_sender(FAST):
            for _ in range(200):
                if receiver.received:
                    break
                await asyncio.sleep(0.02)
    assert len(receiver.received) == 1


async def test_a_row_whose_lease_ran_short_in_hand_is_given_back_unsent() -> None:
    async with receiving() as receiver:
        await subscribed(receiver.url(), "order.placed")
        await b.order((await b.product(on_hand=1), 1))
        # A lease shorter than one timeout: every row claimed is given back, never sent.
        short = dataclasses.replace(FAST, lease=1.0, timeout=2.0)
        stats = await sender(short).run(until_idle=True)
    assert receiver.received == [] and stats.sent == 0
    row = await WebhookDelivery.get()
    assert (row.status, row.lease_until) == ("pending", None)
