"""Use cases of custom builds: request (auto-quoted), staff adjustment, acceptance, expiry."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from domain.builds.models import BuildQuote, BuildRequest, BuildRequestChoice
from domain.builds.pricing import (
    Choice,
    Group,
    automatic_quote,
    doubled_groups,
    missing_groups,
    quote_expired,
    quote_has_expired,
)
from domain.builds.reads import BuildView, build_by_token
from domain.catalog import stock
from domain.catalog.models import OptionChoice, OptionGroup, Product, Supplier
from domain.context import Context
from domain.customers.links import link_token, new_number, new_salt, token_hash
from domain.customers.models import Customer
from domain.customers.services import customer_for
from domain.db import with_retries
from domain.errors import Conflict, IdempotencyKeyReused, InvalidInput, NotFound
from domain.ledger.postings import post
from domain.ordering.models import Order, OrderLine
from domain.ordering.services import order_token
from domain.outbox.enqueue import enqueue
from domain.promises.eta import build_window
from domain.validation import clean_email, clean_text, idempotency_key, sku_shaped
from domain.vocabulary import AvailabilityMode, BuildStatus, LedgerKind, OutboxKind, ShipPreference
from domain.webhooks import hooks as webhooks

BUILD_LINK = "build"


@dataclass(frozen=True)
class BuildRequestInput:
    email: str
    name: str
    shipping_address: str
    sku: str
    choice_ids: list[int]
    notes: str = ""
    idempotency_key: str | None = None


@dataclass(frozen=True)
class RequestedBuild:
    request: BuildRequest
    quote: BuildQuote
    token: str


def build_token(ctx: Context, request: BuildRequest) -> str:
    return link_token(ctx.policy.secret_key, BUILD_LINK, request.number, request.token_salt)


async def request_custom_build(data: BuildRequestInput, *, ctx: Context) -> RequestedBuild:
    key = idempotency_key(data.idempotency_key)
    if key and (existing := await BuildRequest.filter(idempotency_key=key).first()):
        return await _replayed(existing, data, ctx)
    clean_email(data.email)
    notes = clean_text(data.notes, field="notes", max_length=2000, required=False, multiline=True)
    address = clean_text(
        data.shipping_address, field="shipping_address", max_length=1000, multiline=True
    )
    product = (
        await Product.filter(sku=data.sku, active=True).first() if sku_shaped(data.sku) else None
    )
    if product is None or product.mode != AvailabilityMode.CUSTOM_BUILD:
        raise InvalidInput("This product cannot be configured.", field="sku")
    groups = [
        Group(g.id, g.name, g.required)
        for g in await OptionGroup.filter(product_id=product.id).order_by("position")
    ]
    choices = {
        c.id: c
        for c in await OptionChoice.filter(group__product_id=product.id, id__in=data.choice_ids)
    }
    if len(choices) != len(set(data.choice_ids)):
        raise InvalidInput("A chosen option does not belong to this product.", field="choices")
    chosen = [
        Choice(c.id, c.group_id, c.price_delta, c.lead_time_delta_days) for c in choices.values()
    ]
    if doubled := doubled_groups(chosen):
        names = ", ".join(g.name for g in groups if g.id in doubled)
        raise InvalidInput(f"Choose one option for: {names}.", field="choices")
    if missing := missing_groups(groups, chosen):
        raise InvalidInput(
            "Choose an option for: " + ", ".join(g.name for g in missing) + ".", field="choices"
        )
    base_lead = await _base_lead_days(product)
    quote = automatic_quote(
        product.price, base_lead, chosen, ctx.today, ctx.policy.quote_valid_days
    )

    async def work() -> RequestedBuild:
        async with in_transaction() as conn:
            customer = await customer_for(conn, data.email, data.name)
            salt = new_salt()
            request = BuildRequest(
                number=new_number("B"),
                customer_id=customer.id,
                product_id=product.id,
                shipping_name=data.name.strip(),
                shipping_address=address,
                notes=notes,
                status=BuildStatus.QUOTED,
                token_salt=salt,
                idempotency_key=key,
                created_at=ctx.now,
            )
            token = build_token(ctx, request)
            request.token_hash = token_hash(token)
            await request.save(using_db=conn)
            await BuildRequestChoice.bulk_create(
                [BuildRequestChoice(request_id=request.id, choice_id=c.id) for c in chosen],
                using_db=conn,
            )
            saved = await BuildQuote.create(
                request_id=request.id,
                price=quote.price,
                lead_time_days=quote.lead_time_days,
                valid_until=quote.valid_until,
                note="Quoted automatically from the options chosen.",
                actor="system",
                created_at=ctx.now,
                using_db=conn,
            )
            await enqueue(
                conn, ctx, OutboxKind.BUILD_QUOTE_READY, customer.email, build_request_id=request.id
            )
            await webhooks.build_quoted(conn, ctx, request.id, saved.id)
            return RequestedBuild(request, saved, token)

    try:
        return await with_retries(work)
    except IntegrityError:
        if key and (existing := await BuildRequest.filter(idempotency_key=key).first()):
            return await _replayed(existing, data, ctx)
        raise


async def _replayed(
    existing: BuildRequest, data: BuildRequestInput, ctx: Context
) -> RequestedBuild:
    """A replayed key returns the first request; the key reused for another one is refused."""
    customer = await Customer.get(id=existing.customer_id)
    product = await Product.get(id=existing.product_id)
    chosen = await BuildRequestChoice.filter(request_id=existing.id).values_list(
        "choice_id", flat=True
    )
    first = (
        customer.email,
        product.sku,
        sorted(chosen),
        existing.notes,
        existing.shipping_address,
        existing.shipping_name,
    )
    asked = (
        clean_email(data.email),
        data.sku,
        sorted(set(data.choice_ids)),
        (data.notes or "").strip(),
        (data.shipping_address or "").strip(),
        (data.name or "").strip(),
    )
    if first != asked:
        raise IdempotencyKeyReused(
            "This idempotency key was used for a different request.", field="idempotencyKey"
        )
    return RequestedBuild(existing, await current_quote(existing.id), build_token(ctx, existing))


async def _base_lead_days(product: Product) -> int:
    """The product's own lead time, else its supplier's: the same rule as every ETA."""
    if product.lead_time_days is not None:
        return product.lead_time_days
    supplier_id = product.supplier_id
    supplier = await Supplier.get_or_none(id=supplier_id) if supplier_id else None
    return supplier.lead_time_days if supplier else 0


async def current_quote(request_id: int) -> BuildQuote:
    quote = await BuildQuote.filter(request_id=request_id).order_by("-id").first()
    if quote is None:
        raise NotFound("This request has no quote yet.", field="requestId")
    return quote


async def find_build_by_token(token: str) -> BuildRequest:
    if not token or len(token) > 100:
        raise NotFound("No custom build matches this link.", field="token")
    request = await BuildRequest.filter(token_hash=token_hash(token)).first()
    if request is None:
        raise NotFound("No custom build matches this link.", field="token")
    return request


@dataclass(frozen=True)
class CustomerBuild:
    """What the holder of a build's link sees: the request, its order's link once accepted."""

    build: BuildView
    order_token: str | None
    expired: bool


async def customer_build(token: str, *, ctx: Context) -> CustomerBuild:
    view = await build_by_token(token)
    if view is None or view.quote is None:
        raise NotFound("No custom build matches this link.", field="token")
    link = None
    if view.order_id is not None:
        order = await Order.get_or_none(id=view.order_id)
        link = order_token(ctx, order) if order is not None else None
    expired = quote_has_expired(view.status, view.quote.valid_until, ctx.today)
    return CustomerBuild(view, link, expired)


async def adjust_quote(
    request_id: int, price: Decimal | str, lead_time_days: int, note: str, *, ctx: Context
) -> BuildQuote:
    """Staff replace the automatic quote; the customer is told the new one."""
    try:
        amount = Decimal(str(price))
        if not amount.is_finite():
            raise InvalidOperation
        amount = amount.quantize(Decimal("0.01"))
    except InvalidOperation:
        raise InvalidInput("Enter a price such as 1234.50.", field="price") from None
    if amount <= 0 or amount >= Decimal("10000000000"):
        raise InvalidInput("Enter a positive price.", field="price")
    if not isinstance(lead_time_days, int) or not 0 <= lead_time_days <= 3650:
        raise InvalidInput("Enter a lead time from 0 to 3650 days.", field="leadTimeDays")
    why = clean_text(note, field="note", max_length=500, required=False)
    async with in_transaction() as conn:
        request = (
            await BuildRequest.filter(id=request_id).select_for_update().using_db(conn).first()
        )
        if request is None:
            raise NotFound("No such custom build.", field="requestId")
        if request.status == BuildStatus.ACCEPTED:
            raise Conflict("This quote was already accepted.", field="requestId")
        newest = (
            await BuildQuote.filter(request_id=request.id).order_by("-id").using_db(conn).first()
        )
        if (
            newest is not None
            and (newest.price, newest.lead_time_days, newest.note, newest.actor)
            == (amount, lead_time_days, why, str(ctx.actor))
            and not quote_expired(newest.valid_until, ctx.today)
        ):
            return newest  # the same quote sent again (a retry): nothing changes, no new email
        quote = await BuildQuote.create(
            request_id=request.id,
            price=amount,
            lead_time_days=lead_time_days,
            valid_until=ctx.today + dt.timedelta(days=ctx.policy.quote_valid_days),
            note=why,
            actor=str(ctx.actor),
            created_at=ctx.now,
            using_db=conn,
        )
        request.status = BuildStatus.QUOTED
        await request.save(using_db=conn, update_fields=["status"])
        customer = await Customer.get(id=request.customer_id, using_db=conn)
        await enqueue(
            conn, ctx, OutboxKind.BUILD_QUOTE_READY, customer.email, build_request_id=request.id
        )
        await webhooks.build_quoted(conn, ctx, request.id, quote.id)
        return quote


@dataclass(frozen=True)
class AcceptedBuild:
    order_id: int
    order_token: str


async def _refuse_unknown_quote(request_id: int, quote_id: int, conn: BaseDBAsyncClient) -> None:
    """A quote that is not one of this build's is not found (rule: never told apart)."""
    if not await BuildQuote.filter(id=quote_id, request_id=request_id).using_db(conn).exists():
        raise NotFound("No such quote for this build.", field="quoteId")


async def accept_quote(token: str, quote_id: int, *, ctx: Context) -> AcceptedBuild:
    """Acceptance creates a one-line order with a build ETA: today plus the quoted lead time.

    Only the holder of the build's link may accept: the service finds the request by its token.
    """
    request_id = (await find_build_by_token(token)).id

    async def work() -> AcceptedBuild:
        async with in_transaction() as conn:
            request = (
                await BuildRequest.filter(id=request_id).select_for_update().using_db(conn).first()
            )
            if request is None:
                raise NotFound("No custom build matches this link.", field="token")
            if request.status == BuildStatus.ACCEPTED and request.order_id:
                # Accepting again is a replay; accepting another quote of it is refused.
                if (
                    not await BuildQuote.filter(
                        id=quote_id, request_id=request.id, accepted_at__isnull=False
                    )
                    .using_db(conn)
                    .exists()
                ):
                    await _refuse_unknown_quote(request.id, quote_id, conn)
                    raise Conflict("This build was accepted with another quote.", field="quoteId")
                order = await Order.get(id=request.order_id, using_db=conn)
                return AcceptedBuild(order.id, order_token(ctx, order))
            quote = (
                await BuildQuote.filter(request_id=request.id)
                .order_by("-id")
                .using_db(conn)
                .first()
            )
            if quote is None or quote.id != quote_id:
                await _refuse_unknown_quote(request.id, quote_id, conn)
                raise Conflict(
                    "This quote was replaced; please review the current one.", field="quoteId"
                )
            if quote_has_expired(request.status, quote.valid_until, ctx.today):
                raise Conflict("This quote has expired.", field="quoteId")
            window = build_window(ctx.today, quote.lead_time_days, ctx.policy)
            salt = new_salt()
            order = Order(
                number=new_number("R"),
                customer_id=request.customer_id,
                shipping_name=request.shipping_name,
                shipping_address=request.shipping_address,
                ship_preference=ShipPreference.SHIP_WHEN_READY,
                placed_at=ctx.now,
                token_salt=salt,
            )
            token = order_token(ctx, order)
            order.token_hash = token_hash(token)
            await order.save(using_db=conn)
            line = await OrderLine.create(
                order_id=order.id,
                product_id=request.product_id,
                build_request_id=request.id,
                quantity=1,
                unit_price=quote.price,
                qty_waiting=1,
                placed_at=ctx.now,
                promised_earliest=window.earliest,
                promised_latest=window.latest,
                promised_basis=window.basis,
                eta_earliest=window.earliest,
                eta_latest=window.latest,
                eta_basis=window.basis,
                using_db=conn,
            )
            await stock.adjust(conn, request.product_id, waiting_units=1)
            await post(conn, [(line.id, LedgerKind.BACKORDER_BOOKED, 1, quote.price)], now=ctx.now)
            quote.accepted_at = ctx.now
            await quote.save(using_db=conn, update_fields=["accepted_at"])
            request.status = BuildStatus.ACCEPTED
            request.order_id = order.id
            await request.save(using_db=conn, update_fields=["status", "order_id"])
            customer = await Customer.get(id=request.customer_id, using_db=conn)
            await enqueue(
                conn, ctx, OutboxKind.ORDER_CONFIRMATION, customer.email, order_id=order.id
            )
            await webhooks.build_accepted(conn, ctx, request.id, quote.id, order.id)
            return AcceptedBuild(order.id, token)

    return await with_retries(work)


async def expire_quotes(*, ctx: Context) -> int:
    """Quotes expire: requests whose newest quote is past its date can no longer be accepted."""
    expired = 0
    for request in await BuildRequest.filter(status=BuildStatus.QUOTED):
        quote = await current_quote(request.id)
        if quote_expired(quote.valid_until, ctx.today):
            expired += await BuildRequest.filter(id=request.id, status=BuildStatus.QUOTED).update(
                status=BuildStatus.EXPIRED
            )
    return expired
