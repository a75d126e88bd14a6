"""DOMAIN.md rule 26: a waitlist for products that cannot be ordered.

An address joins once per product (a unique row) and is asked to confirm it by an emailed link
first; the answer to a sign-up is the same whether the address was new, waiting or confirmed
already. When supply makes room (a receipt, a new PO, a cap raised), ``tell_waitlists`` tells
the confirmed addresses in the order they confirmed, one unit each, as many as there is room
for, each with the date the unit they would order would reach them (their place in the queue)
and a link to order. Each address is claimed by one guarded ``UPDATE ... RETURNING``, so two
runs never tell it twice. Confirmed addresses count as demand for reorder suggestions.
"""

from __future__ import annotations

import datetime as dt
import functools
import hmac
import secrets
from dataclasses import dataclass

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from domain.catalog import stock
from domain.catalog.availability import availability, waiting_eta
from domain.catalog.reads import product_by_sku, products_by_sku
from domain.context import Context
from domain.customers.links import link_token
from domain.db import connection, fetch, with_retries
from domain.errors import Conflict, NotFound
from domain.outbox.enqueue import enqueue
from domain.purchasing.models import WaitlistEntry
from domain.ratelimit.services import hit
from domain.rows import chunks, marks
from domain.validation import clean_email, sku_shaped
from domain.vocabulary import OutboxKind

PENDING = "pending"
CONFIRMED = "confirmed"
TOLD = "told"
LEFT = "left"
# Units told to waitlisted addresses are held for them this long: a second run within it does
# not tell the same units to the next addresses.
HOLD = dt.timedelta(days=2)
JOINED = "Check your inbox: confirm your address from the email we sent to join the waitlist."


def waitlist_token(secret_key: str, entry_id: int, salt: str) -> str:
    return f"{entry_id}.{link_token(secret_key, 'waitlist', str(entry_id), salt)}"


async def join_waitlist(sku: str, email: str, *, ctx: Context) -> str:
    """Ask to be told when the product can be ordered; the answer never says more.

    An address asked for more often than its rate (``waitlist_address``) is not written to again
    for a while, over every product, and the caller cannot tell: strangers cannot fill someone's
    inbox with confirmation requests.
    """
    address = clean_email(email)
    product = await product_by_sku(sku) if sku_shaped(sku) else None
    if product is None:
        raise NotFound("No such product.", field="sku")
    if not availability(product, ctx).sold_out:
        raise Conflict("This product can be ordered now: no need to wait.", field="sku")
    if not (await hit("waitlist_address", address.lower(), ctx=ctx)).allowed:
        return JOINED
    salt = secrets.token_hex(16)
    try:
        async with in_transaction() as conn:
            entry = await WaitlistEntry.create(
                product_id=product.id,
                email=address,
                token_salt=salt,
                status=PENDING,
                created_at=ctx.now,
                using_db=conn,
            )
            await _ask_to_confirm(conn, ctx, entry.id, address)
    except IntegrityError:
        # The address is on this list already: a second confirmation only if it had left.
        async with in_transaction() as conn:
            entry = await WaitlistEntry.get(product_id=product.id, email=address, using_db=conn)
            rejoined = await (
                WaitlistEntry.filter(id=entry.id, status=LEFT)
                .using_db(conn)
                .update(status=PENDING, token_salt=salt, created_at=ctx.now, confirmed_at=None)
            )
            if rejoined:
                await _ask_to_confirm(conn, ctx, entry.id, address)
    return JOINED


async def _ask_to_confirm(conn, ctx: Context, entry_id: int, address: str) -> None:  # type: ignore[no-untyped-def]
    await enqueue(
        conn, ctx, OutboxKind.WAITLIST_CONFIRM, address, payload={"waitlist_entry_id": entry_id}
    )


async def _entry_of(token: str, ctx: Context) -> WaitlistEntry:
    ident, _, signature = (token or "").partition(".")
    if not ident.isdigit() or len(ident) > 10 or not signature:
        raise NotFound("No such waitlist link.", field="token")
    entry = await WaitlistEntry.filter(id=int(ident)).first()
    if entry is None:
        raise NotFound("No such waitlist link.", field="token")
    expected = waitlist_token(ctx.policy.secret_key, entry.id, entry.token_salt)
    if not hmac.compare_digest(expected, token):
        raise NotFound("No such waitlist link.", field="token")
    return entry


@dataclass(frozen=True)
class WaitlistPlace:
    sku: str
    product_name: str
    status: str


async def waitlist_place(token: str, *, ctx: Context) -> WaitlistPlace:
    entry = await _entry_of(token, ctx)
    product = await entry.product
    return WaitlistPlace(product.sku, product.name, entry.status)


async def confirm_waitlist(token: str, *, ctx: Context) -> WaitlistPlace:
    """The address is confirmed: it waits from now on, in order. Idempotent."""
    entry = await _entry_of(token, ctx)
    await WaitlistEntry.filter(id=entry.id, status=PENDING).update(
        status=CONFIRMED, confirmed_at=ctx.now
    )
    return await waitlist_place(token, ctx=ctx)


async def leave_waitlist(token: str, *, ctx: Context) -> WaitlistPlace:
    entry = await _entry_of(token, ctx)
    await WaitlistEntry.filter(id=entry.id).update(status=LEFT)
    return await waitlist_place(token, ctx=ctx)


async def tell_waitlists(*, ctx: Context, product_ids: list[int] | None = None) -> int:
    """Tell waiting addresses of products with room now; how many were told."""
    skus: set[str] = set()
    for part in [None] if product_ids is None else chunks(product_ids):
        query = WaitlistEntry.filter(status=CONFIRMED)
        if part is not None:
            query = query.filter(product_id__in=list(part))
        skus |= {str(sku) for sku in await query.values_list("product__sku", flat=True)}
    told = 0
    for _, product in sorted((await products_by_sku(sorted(skus))).items()):
        now = availability(product, ctx)
        room = None if now.backorder_remaining is None else now.in_stock + now.backorder_remaining
        if now.sold_out or room == 0:
            continue
        told += await with_retries(functools.partial(_tell, product, room, ctx))
    return told


async def _tell(product, room: int | None, ctx: Context) -> int:  # type: ignore[no-untyped-def]
    async with in_transaction() as conn:
        await stock.lock(conn, [product.id])  # one teller per product at a time
        if room is not None:
            held = await (
                WaitlistEntry.filter(
                    product_id=product.id, status=TOLD, told_at__gte=ctx.now - HOLD
                )
                .using_db(conn)
                .count()
            )
            room -= held
            if room <= 0:
                return 0
        limit = "" if room is None else f" LIMIT {int(room)}"
        first = await fetch(
            conn,
            "SELECT id FROM waitlist_entry WHERE product_id = ? AND status = 'confirmed'"
            f" ORDER BY confirmed_at, id{limit}",
            [product.id],
        )
        ids = [row["id"] for row in first]
        if not ids:
            return 0
        claimed = await fetch(
            conn,
            f"UPDATE waitlist_entry SET status = 'told', told_at = ? WHERE id IN ({marks(ids)})"
            " AND status = 'confirmed' RETURNING id, email",
            [ctx.now if conn.capabilities.dialect == "postgres" else ctx.now.isoformat(" "), *ids],
        )
        emails = {row["id"]: row["email"] for row in claimed}
        for place, entry_id in enumerate(ids, start=1):
            if entry_id not in emails:
                continue
            window = waiting_eta(product, product.waiting_units + place, ctx)
            await enqueue(
                conn,
                ctx,
                OutboxKind.WAITLIST_OPENING,
                emails[entry_id],
                payload={
                    "waitlist_entry_id": entry_id,
                    "earliest": window.earliest.isoformat() if window.earliest else None,
                    "latest": window.latest.isoformat() if window.latest else None,
                },
            )
        return len(emails)


async def waitlist_counts(product_ids: list[int] | None = None) -> dict[int, dict[str, int]]:
    """Per product: addresses by status (for staff pages)."""
    where = f" WHERE product_id IN ({marks(product_ids)})" if product_ids else ""
    rows = await fetch(
        connection(),
        f"SELECT product_id, status, COUNT(*) AS n FROM waitlist_entry{where}"
        " GROUP BY product_id, status",
        list(product_ids or []),
    )
    found: dict[int, dict[str, int]] = {}
    for row in rows:
        found.setdefault(row["product_id"], {})[row["status"]] = int(row["n"])
    return found


@dataclass(frozen=True)
class WaitlistCount:
    product_id: int
    sku: str
    name: str
    confirmed: int
    pending: int
    told: int


async def waitlist_overview() -> list[WaitlistCount]:
    """Products with anyone on their waitlist, most confirmed addresses first (staff)."""
    counts = await waitlist_counts()
    if not counts:
        return []
    names = {
        row["id"]: row
        for row in await fetch(
            connection(),
            f"SELECT id, sku, name FROM product WHERE id IN ({marks(list(counts))})",
            list(counts),
        )
    }
    found = [
        WaitlistCount(
            pid,
            names[pid]["sku"],
            names[pid]["name"],
            by.get(CONFIRMED, 0),
            by.get(PENDING, 0),
            by.get(TOLD, 0),
        )
        for pid, by in counts.items()
        if pid in names
    ]
    return sorted(found, key=lambda w: (-w.confirmed, w.sku))
