"""Subscribing and draining the webhook sender in tests."""

from __future__ import annotations

import asyncio
import datetime as dt
import time

from domain.webhooks.config import WebhookConfig
from domain.webhooks.models import WebhookDelivery
from domain.webhooks.sender import Stats, WebhookSender
from domain.webhooks.services import Subscribed, subscribe
from tests import builders

FAST = WebhookConfig(
    poll_interval=0.01,
    timeout=2.0,
    lease=30.0,
    backoff_base=0.02,
    backoff_max=0.1,
    give_up_after=3600.0,
)


_START = time.monotonic()


def store_clock() -> dt.datetime:
    """The tests' store time (builders.NOON), running on from there in real time."""
    return builders.NOON + dt.timedelta(seconds=time.monotonic() - _START)


def sender(config: WebhookConfig = FAST) -> WebhookSender:
    return WebhookSender(config, clock=store_clock)


async def subscribed(url: str, *events: str) -> Subscribed:
    from domain.webhooks.events import EVENTS

    return await subscribe(url, list(events or EVENTS), ctx=builders.ctx(), production=False)


async def drain(config: WebhookConfig = FAST, *, deadline: float = 15.0) -> Stats:
    """Run the sender until no delivery is pending (retries included)."""
    total = Stats()
    ends = time.monotonic() + deadline
    while time.monotonic() < ends:
        stats = await sender(config).run(until_idle=True)
        total.sent += stats.sent
        total.retried += stats.retried
        total.dead += stats.dead
        if not await WebhookDelivery.filter(status="pending").exists():
            return total
        await asyncio.sleep(0.02)
    raise AssertionError("deliveries still pending after the deadline")
