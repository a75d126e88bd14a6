"""The clock's housekeeping deletes delivered webhooks past their retention; pending deliveries
still go out and dead ones wait for staff to replay them, however old."""

from __future__ import annotations

import datetime as dt

import pytest

from domain.clock.runner import run_day
from domain.context import Policy
from domain.webhooks.models import WebhookDelivery
from tests import builders as b
from tests.domain.webhooks.helpers import subscribed

pytestmark = pytest.mark.usefixtures("db")

POLICY = Policy(secret_key="test-secret", sent_webhook_retention_days=7)


async def _delivery(subscription_id: int, name: str, status: str, age_days: int) -> int:
    at = b.NOON - dt.timedelta(days=age_days)
    row = await WebhookDelivery.create(
        subscription_id=subscription_id,
        event="order.placed",
        webhook_id=f"msg_{name}",
        payload={},
        status=status,
        next_attempt_at=at,
        age_from=at,
        created_at=at,
        sent_at=at if status == "sent" else None,
    )
    return row.id


async def test_housekeeping_deletes_only_webhooks_delivered_before_the_retention() -> None:
    subscription = (await subscribed("http://127.0.0.1:9/hooks", "order.placed")).subscription
    old_sent = await _delivery(subscription.id, "old-sent", "sent", 8)
    recent_sent = await _delivery(subscription.id, "recent-sent", "sent", 6)
    old_dead = await _delivery(subscription.id, "old-dead", "dead", 40)
    old_pending = await _delivery(subscription.id, "old-pending", "pending", 40)

    run = await run_day(b.TODAY, POLICY, now=b.NOON)
    summary = next(o for o in run if o.job == "housekeeping").summary

    assert summary is not None and summary["sent_webhooks_deleted"] == 1
    left = set(await WebhookDelivery.all().values_list("id", flat=True))
    assert left == {recent_sent, old_dead, old_pending}
    assert old_sent not in left
