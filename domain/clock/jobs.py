"""What runs every store day, in this order, each a domain service idempotent per day.

Quotes expire and lapsed delay notices are settled first, so that the ETA review sees the
queues those cancellations changed; housekeeping last.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from domain.builds.services import expire_quotes
from domain.clock.housekeeping import delete_sent_mail, forget_idempotency_keys
from domain.context import Context, Policy
from domain.ordering.changes import lapse_delay_notices
from domain.ordering.review import review_etas
from domain.supply.reminders import remind_suppliers
from domain.supply.suggestions import recompute_suggestions
from domain.supply.waitlist import tell_waitlists
from domain.webhooks.services import delete_sent_deliveries


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[Context], Awaitable[dict[str, Any]]]
    what: str  # for staff


async def _expire_quotes(ctx: Context) -> dict[str, Any]:
    return {"quotes_expired": await expire_quotes(ctx=ctx)}


async def _lapse_delay_notices(ctx: Context) -> dict[str, Any]:
    consented, cancelled = await lapse_delay_notices(ctx=ctx)
    return {"consented": consented, "cancelled": cancelled}


async def _review_etas(ctx: Context) -> dict[str, Any]:
    return (await review_etas(ctx=ctx)).summary()


async def _reorder_suggestions(ctx: Context) -> dict[str, Any]:
    done = await recompute_suggestions(ctx=ctx)
    return {"drafts": done.drafts, "lines": done.lines}


async def _remind_suppliers(ctx: Context) -> dict[str, Any]:
    return await remind_suppliers(ctx=ctx)


async def _tell_waitlists(ctx: Context) -> dict[str, Any]:
    return {"addresses_told": await tell_waitlists(ctx=ctx)}


async def _housekeeping(ctx: Context) -> dict[str, Any]:
    return {
        "idempotency_keys_forgotten": await forget_idempotency_keys(ctx=ctx),
        "sent_emails_deleted": await delete_sent_mail(ctx=ctx),
        "sent_webhooks_deleted": await delete_sent_deliveries(ctx=ctx),
    }


DAILY: tuple[Job, ...] = (
    Job("expire_quotes", _expire_quotes, "custom-build quotes past their date expire"),
    Job(
        "lapse_delay_notices",
        _lapse_delay_notices,
        "unanswered delay notices past their deadline: consent, or cancel and refund",
    ),
    Job("review_etas", _review_etas, "the daily review of delivery dates"),
    Job(
        "reorder_suggestions",
        _reorder_suggestions,
        "draft purchase orders from waiting units, waitlists and safety stock",
    ),
    Job("remind_suppliers", _remind_suppliers, "reminders for unconfirmed and late POs"),
    Job("tell_waitlists", _tell_waitlists, "waitlisted addresses told where supply made room"),
    Job("housekeeping", _housekeeping, "old idempotency keys and sent emails are removed"),
)


def store_day(policy: Policy, now: dt.datetime | None = None) -> dt.date:
    """Today in the store's time zone (rule 17)."""
    return Context.system(policy, now).today


def day_context(day: dt.date, policy: Policy, now: dt.datetime | None = None) -> Context:
    """The system acting on ``day``: now, when it is that day in the store; else its noon."""
    moment = now or dt.datetime.now(dt.UTC)
    if store_day(policy, moment) == day:
        return Context.system(policy, moment)
    return Context.system(policy, dt.datetime.combine(day, dt.time(12), tzinfo=policy.zone))
