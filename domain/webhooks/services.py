"""Use cases of webhook subscriptions, for both doors and the CLI. Staff only: the doors check
who may call (the ``webhooks`` scope, a staff session); these check the input.

A secret is returned once, by :func:`subscribe` and :func:`rotate_secret`; reads never show it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tortoise.transactions import in_transaction

from domain.context import Context
from domain.errors import Conflict, InvalidInput, NotFound
from domain.rows import moment
from domain.validation import clean_text
from domain.webhooks.emit import new_webhook_id
from domain.webhooks.events import EVENTS, PING
from domain.webhooks.models import WebhookDelivery, WebhookSubscription
from domain.webhooks.signing import new_secret
from domain.webhooks.targets import url_problem

MAX_EVENT_NAMES = 50
STATUSES = ("pending", "sent", "dead")


@dataclass(frozen=True)
class SubscriptionView:
    id: int
    url: str
    description: str
    events: tuple[str, ...]
    active: bool
    created_at: dt.datetime


@dataclass(frozen=True)
class Subscribed:
    subscription: SubscriptionView
    secret: str  # shown once


@dataclass(frozen=True)
class DeliveryView:
    id: int
    subscription_id: int
    event: str
    webhook_id: str
    status: str
    attempts: int
    created_at: dt.datetime
    sent_at: dt.datetime | None
    status_code: int | None
    latency_ms: int | None
    error: str


def _view(row: WebhookSubscription) -> SubscriptionView:
    return SubscriptionView(
        row.id, row.url, row.description, tuple(row.events), row.active, moment(row.created_at)
    )


def clean_url(url: object, *, production: bool) -> str:
    if not isinstance(url, str):
        raise InvalidInput("Enter the URL to send events to.", field="url")
    text = url.strip()
    problem = url_problem(text, production=production)
    if problem:
        raise InvalidInput(problem, field="url")
    return text


def clean_events(names: object) -> list[str]:
    if not isinstance(names, list | tuple) or not names:
        raise InvalidInput("Choose at least one event.", field="events")
    if len(names) > MAX_EVENT_NAMES:
        raise InvalidInput(f"Choose at most {MAX_EVENT_NAMES} events.", field="events")
    for name in names:
        if not isinstance(name, str) or name not in EVENTS:
            shown = str(name)[:60]
            raise InvalidInput(f"Unknown event: {shown!r}.", field="events")
    return [name for name in EVENTS if name in names]


MAX_SUBSCRIPTIONS = 100  # a store's systems, not its customers: more is a mistake
MAX_DELIVERIES_LISTED = 500


async def subscribe(
    url: object, events: object, description: str = "", *, ctx: Context, production: bool
) -> Subscribed:
    target = clean_url(url, production=production)
    wanted = clean_events(events)
    about = clean_text(description, field="description", max_length=200, required=False)
    secret = new_secret()
    async with in_transaction() as conn:
        if await WebhookSubscription.all().using_db(conn).count() >= MAX_SUBSCRIPTIONS:
            raise InvalidInput(
                f"A store has at most {MAX_SUBSCRIPTIONS} webhook subscriptions;"
                " switch one off and reuse it, or remove one.",
                field="url",
            )
        row = await WebhookSubscription.create(
            url=target,
            description=about,
            events=wanted,
            secret=secret,
            active=True,
            created_at=ctx.now,
            updated_at=ctx.now,
            using_db=conn,
        )
    return Subscribed(_view(row), secret)


async def _subscription(subscription_id: int) -> WebhookSubscription:
    row = await WebhookSubscription.filter(id=subscription_id).first()
    if row is None:
        raise NotFound("No such webhook subscription.", field="id")
    return row


async def update_subscription(
    subscription_id: int,
    *,
    ctx: Context,
    production: bool,
    url: object = None,
    events: object = None,
    description: str | None = None,
    active: bool | None = None,
) -> SubscriptionView:
    changes: dict[str, object] = {}
    if url is not None:
        changes["url"] = clean_url(url, production=production)
    if events is not None:
        changes["events"] = clean_events(events)
    if description is not None:
        changes["description"] = clean_text(
            description, field="description", max_length=200, required=False
        )
    if active is not None:
        changes["active"] = bool(active)
    async with in_transaction() as conn:
        row = await WebhookSubscription.filter(id=subscription_id).using_db(conn).first()
        if row is None:
            raise NotFound("No such webhook subscription.", field="id")
        if changes:
            row.update_from_dict({**changes, "updated_at": ctx.now})
            await row.save(using_db=conn)
    return _view(row)


async def rotate_secret(subscription_id: int, *, ctx: Context) -> Subscribed:
    """A new secret, shown once; deliveries not yet sent are signed with it."""
    secret = new_secret()
    async with in_transaction() as conn:
        row = await WebhookSubscription.filter(id=subscription_id).using_db(conn).first()
        if row is None:
            raise NotFound("No such webhook subscription.", field="id")
        row.secret = secret
        row.updated_at = ctx.now
        await row.save(using_db=conn, update_fields=["secret", "updated_at"])
    return Subscribed(_view(row), secret)


async def replay(delivery_id: int, *, ctx: Context) -> DeliveryView:
    """Send a dead letter again, with its Webhook-Id; its age counts from now."""
    async with in_transaction() as conn:
        updated = (
            await WebhookDelivery.filter(id=delivery_id, status="dead")
            .using_db(conn)
            .update(
                status="pending",
                next_attempt_at=ctx.now,
                age_from=ctx.now,
                lease_until=None,
                last_error="replayed",
            )
        )
        row = await WebhookDelivery.filter(id=delivery_id).using_db(conn).first()
        if row is None:
            raise NotFound("No such delivery.", field="id")
        if not updated:
            raise Conflict("Only a dead letter can be replayed.", field="id")
    return _delivery(row)


async def ping(subscription_id: int, *, ctx: Context) -> DeliveryView:
    """Queue a ``webhook.ping`` to one subscription, active or not."""
    row = await _subscription(subscription_id)
    delivery = await WebhookDelivery.create(
        subscription_id=row.id,
        event=PING,
        webhook_id=new_webhook_id(),
        payload={"subscription": row.id, "message": "ping"},
        next_attempt_at=ctx.now,
        age_from=ctx.now,
        created_at=ctx.now,
    )
    return _delivery(delivery)


def _delivery(row: WebhookDelivery) -> DeliveryView:
    return DeliveryView(
        row.id,
        row.subscription_id,
        row.event,
        row.webhook_id,
        row.status,
        row.attempts,
        moment(row.created_at),
        moment(row.sent_at) if row.sent_at else None,
        row.last_status_code,
        row.last_latency_ms,
        row.last_error,
    )


async def delete_sent_deliveries(*, ctx: Context) -> int:
    """Delete deliveries sent longer ago than the retention; returns how many. Pending and dead
    ones stay: the first still go out, the second wait for staff to replay them."""
    before = ctx.now - dt.timedelta(days=ctx.policy.sent_webhook_retention_days)
    deleted: int = await WebhookDelivery.filter(status="sent", sent_at__lt=before).delete()
    return deleted


async def subscriptions() -> list[SubscriptionView]:
    return [_view(row) for row in await WebhookSubscription.all().order_by("id")]


async def subscription(subscription_id: int) -> SubscriptionView:
    return _view(await _subscription(subscription_id))


async def deliveries(
    subscription_id: int | None = None, *, status: str | None = None, limit: int = 50
) -> list[DeliveryView]:
    if status and status not in STATUSES:
        return []  # no delivery is in a state that does not exist
    query = WebhookDelivery.all()
    if subscription_id is not None:
        query = query.filter(subscription_id=subscription_id)
    if status:
        query = query.filter(status=status)
    rows = await query.order_by("-id").limit(max(1, min(limit, MAX_DELIVERIES_LISTED)))
    return [_delivery(row) for row in rows]
