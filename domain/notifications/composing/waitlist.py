"""What a waitlist email says (DOMAIN.md rule 26), read when the email is sent."""

from __future__ import annotations

import datetime as dt

from tortoise.backends.base.client import BaseDBAsyncClient

from domain.context import Policy
from domain.notifications.composing.emails import WaitlistMail
from domain.outbox.claims import Claimed
from domain.outbox.retry import Failure, Scope
from domain.portal_urls import (
    product_url,
    waitlist_confirm_url,
    waitlist_leave_url,
)
from domain.promises.eta import Window
from domain.purchasing.models import WaitlistEntry
from domain.supply.waitlist import waitlist_token
from domain.vocabulary import EtaBasis, OutboxKind

WAITLIST_KINDS = (OutboxKind.WAITLIST_CONFIRM, OutboxKind.WAITLIST_OPENING)


def _day(value: object) -> dt.date | None:
    return dt.date.fromisoformat(value) if isinstance(value, str) else None


async def load_waitlist_mail(
    conn: BaseDBAsyncClient, rows: list[Claimed], policy: Policy
) -> dict[int, WaitlistMail | Failure]:
    wanted = {
        row.id: row.payload_int("waitlist_entry_id") for row in rows if row.kind in WAITLIST_KINDS
    }
    if not wanted:
        return {}
    entries = {
        e["id"]: e
        for e in await WaitlistEntry.filter(id__in=set(wanted.values()))
        .using_db(conn)
        .values("id", "token_salt", "status", "product__sku", "product__name")
    }
    found: dict[int, WaitlistMail | Failure] = {}
    for row in rows:
        if row.id not in wanted:
            continue
        entry = entries.get(wanted[row.id])
        if entry is None or entry["status"] == "left":
            found[row.id] = Failure(Scope.CONTENT, "the address left the waitlist")
            continue
        token = waitlist_token(policy.secret_key, entry["id"], entry["token_salt"])
        opening = row.kind == OutboxKind.WAITLIST_OPENING
        earliest, latest = _day(row.payload.get("earliest")), _day(row.payload.get("latest"))
        found[row.id] = WaitlistMail(
            product_name=entry["product__name"],
            confirm_link=waitlist_confirm_url(policy.base_url, token),
            leave_link=waitlist_leave_url(policy.base_url, token),
            product_link=product_url(policy.base_url, entry["product__sku"]),
            opening=opening,
            eta=Window(earliest, latest, EtaBasis.PURCHASE_ORDER) if latest else None,
        )
    return found
