"""Use cases of ordering: place, cancel, change preference or priority, answer delay notices."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from domain.catalog import stock
from domain.catalog.models import Product
from domain.context import Context
from domain.customers.links import link_token, new_number, new_salt, token_hash
from domain.customers.services import customer_for
from domain.db import fetch, with_retries
from domain.errors import (
    IdempotencyKeyReused,
    InsufficientAvailability,
    InvalidInput,
    NotFound,
    Unavailable,
)
from domain.ledger.postings import post
from domain.ordering.allocation import Refusal, split_line
from domain.ordering.consent import require_consent_to_wait
from domain.ordering.dropship import DropshipLine, by_maker, check_supplier, send_to_makers
from domain.ordering.eta import (
    Window,
    bucket_for,
    build_window,
    dropship_window,
    is_queue_driven,
    ready_window,
    supply_buckets,
)
from domain.ordering.models import Allocation, Order, OrderLine
from domain.ordering.queue import load_supplies, load_terms, recompute_queues
from domain.ordering.reads import order_view
from domain.ordering.together import shown_windows
from domain.ordering.views import OrderView
from domain.outbox.enqueue import enqueue
from domain.validation import (
    clean_email,
    clean_text,
    idempotency_key,
    positive_quantity,
    sku_shaped,
)
from domain.vocabulary import (
    AvailabilityMode,
    EtaBasis,
    EtaReason,
    LedgerKind,
    OutboxKind,
    ShipPreference,
)
from domain.webhooks import hooks as webhooks

ORDER_LINK = "order"
MAX_LINES = 100
RESERVE_ATTEMPTS = 100


@dataclass(frozen=True)
class LineRequest:
    sku: str
    quantity: int
    # Rule 25: shipped by the maker. None: the product's own way (the shop where it allows both).
    dropship: bool | None = None


@dataclass(frozen=True)
class OrderRequest:
    email: str
    name: str
    shipping_address: str
    lines: list[LineRequest]
    ship_preference: ShipPreference = ShipPreference.SHIP_WHEN_READY
    idempotency_key: str | None = None
    priority: int = 0
    # Whether the customer confirmed that a part may ship later; None: this door did not ask.
    consents_to_waiting: bool | None = None

    def fingerprint(self) -> str:
        """What is ordered: a retry that asks the same matches, however it was confirmed."""
        body = asdict(self)
        body.pop("idempotency_key")
        body.pop("consents_to_waiting")
        for line in body["lines"]:  # fingerprints of orders placed before rule 25 still match
            if line["dropship"] is None:
                line.pop("dropship")
        body["email"] = clean_email(body["email"])
        return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


@dataclass(frozen=True)
class PlacedOrder:
    order: OrderView
    token: str
    replayed: bool = False


def order_token(ctx: Context, order: Order) -> str:
    return link_token(ctx.policy.secret_key, ORDER_LINK, order.number, order.token_salt)


async def place_order(request: OrderRequest, *, ctx: Context) -> PlacedOrder:
    """DOMAIN.md rules 1 to 5: split, queue, promise, book and confirm, all or nothing."""
    key = idempotency_key(request.idempotency_key)
    _validate(request)
    if key:
        replay = await _replay(key, request, ctx)
        if replay:
            return replay
    try:
        return await with_retries(lambda: _place(request, key, ctx))
    except IntegrityError:
        if key:
            replay = await _replay(key, request, ctx)
            if replay:
                return replay
        raise


def _validate(request: OrderRequest) -> None:
    clean_email(request.email)
    clean_text(request.shipping_address, field="shipping_address", max_length=1000, multiline=True)
    if not request.lines:
        raise InvalidInput("Add at least one product.", field="lines")
    if len(request.lines) > MAX_LINES:
        raise InvalidInput(f"An order has at most {MAX_LINES} lines.", field="lines")
    for index, line in enumerate(request.lines):
        positive_quantity(line.quantity, field=f"lines[{index}].quantity")
    try:
        ShipPreference(request.ship_preference)
    except ValueError:
        raise InvalidInput("Choose how the order should ship.", field="ship_preference") from None


async def _replay(key: str, request: OrderRequest, ctx: Context) -> PlacedOrder | None:
    order = await Order.filter(idempotency_key=key).first()
    if order is None:
        return None
    if order.request_fingerprint != request.fingerprint():
        raise IdempotencyKeyReused(
            "This idempotency key was used for a different order.", field="idempotencyKey"
        )
    return PlacedOrder(await order_view(order.id), order_token(ctx, order), replayed=True)


async def _place(request: OrderRequest, key: str | None, ctx: Context) -> PlacedOrder:
    async with in_transaction() as conn:
        customer = await customer_for(conn, request.email, request.name)
        products = await _products(conn, request)
        salt = new_salt()
        order = Order(
            number=new_number("R"),
            customer_id=customer.id,
            shipping_name=customer.name if not request.name.strip() else request.name.strip(),
            shipping_address=request.shipping_address.strip(),
            ship_preference=ShipPreference(request.ship_preference),
            priority=request.priority,
            placed_at=ctx.now,
            token_salt=salt,
            idempotency_key=key,
            request_fingerprint=request.fingerprint(),
        )
        token = order_token(ctx, order)
        order.token_hash = token_hash(token)
        await order.save(using_db=conn)
        lines: list[OrderLine] = []
        to_makers: list[DropshipLine] = []
        ahead_of: dict[int, int] = {}  # per product, the lower-priority units this order passes
        as_read = {product.id for product in products}  # rows no line of this order changed yet
        # Stable product order: concurrent orders lock product rows in the same sequence.
        for index in sorted(range(len(request.lines)), key=lambda i: products[i].id):
            product, asked = products[index], request.lines[index]
            if by_maker(product, asked.dropship, f"lines[{index}].dropship"):
                check_supplier(product, f"lines[{index}].dropship")
                line = await _place_dropship_line(conn, order, index, asked, product, ctx)
                to_makers.append(DropshipLine(line, product))
                continue
            lines.append(
                await _place_line(conn, order, index, asked, product, ahead_of, ctx, as_read)
            )
        # The maker's parcels travel apart: they do not hold the shop's parcel (ship_complete).
        # Decided on the split as placed (not on a preview): a refusal rolls it all back. The
        # maker's units leave later too: they count as waiting for the customer's consent.
        require_consent_to_wait(
            [line.qty_waiting for line in lines] + [made.line.quantity for made in to_makers],
            request.consents_to_waiting,
        )
        await _promise_together(conn, order, lines)
        await send_to_makers(conn, order, to_makers, ctx)
        await Allocation.bulk_create(
            [
                Allocation(line_id=line.id, quantity=line.qty_allocated, created_at=ctx.now)
                for line in lines
                if line.qty_allocated
            ],
            using_db=conn,
        )
        await post(
            conn,
            [
                (line.id, LedgerKind.BACKORDER_BOOKED, line.quantity, line.unit_price)
                for line in [*lines, *(item.line for item in to_makers)]
            ],
            now=ctx.now,
        )
        waiting_products = [line.product_id for line in lines if line.qty_waiting]
        if await _jumps_queue(conn, waiting_products, order.priority, ahead_of):
            await recompute_queues(
                conn,
                waiting_products,
                ctx,
                EtaReason.PRIORITY_CHANGED,
                f"{order.number} placed ahead of lower priorities",
            )
        await enqueue(conn, ctx, OutboxKind.ORDER_CONFIRMATION, customer.email, order_id=order.id)
        await webhooks.order_placed(conn, ctx, order.id)
        view = await order_view(order.id, conn)
    return PlacedOrder(view, token)


@dataclass(frozen=True)
class _Placed:
    open: int
    eta: Window


async def _promise_together(conn: BaseDBAsyncClient, order: Order, lines: list[OrderLine]) -> None:
    """Under ``ship_complete`` each line is promised the parcel's window: the order's latest.

    Only the promise changes; the line's own ETA stays its supply date (``together.py``).
    """
    placed = [
        _Placed(line.quantity, Window(line.eta_earliest, line.eta_latest, line.eta_basis))
        for line in lines
    ]
    shown_all = shown_windows(placed, order.ship_preference)
    for line, own, shown in zip(lines, placed, shown_all, strict=True):
        if shown == own.eta:
            continue
        line.promised_earliest, line.promised_latest = shown.earliest, shown.latest
        line.promised_basis = shown.basis
        await (
            OrderLine.filter(id=line.id)
            .using_db(conn)
            .update(
                promised_earliest=shown.earliest,
                promised_latest=shown.latest,
                promised_basis=shown.basis,
            )
        )


async def _products(conn: BaseDBAsyncClient, request: OrderRequest) -> list[Product]:
    skus = {line.sku.strip() for line in request.lines if sku_shaped(line.sku.strip())}
    found = {p.sku: p for p in await Product.filter(sku__in=skus, active=True).using_db(conn)}
    products = []
    for index, line in enumerate(request.lines):
        product = found.get(line.sku.strip())
        if product is None:
            raise InvalidInput("No such product.", field=f"lines[{index}].sku")
        limit = product.per_order_limit
        if limit is not None and line.quantity > limit:
            raise InvalidInput(
                f"At most {limit} of this product per order.", field=f"lines[{index}].quantity"
            )
        products.append(product)
    return products


async def _place_line(
    conn: BaseDBAsyncClient,
    order: Order,
    index: int,
    request: LineRequest,
    product: Product,
    ahead_of: dict[int, int],
    ctx: Context,
    as_read: set[int],
) -> OrderLine:
    for _ in range(RESERVE_ATTEMPTS):
        if product.id in as_read:  # the row read with the products: no second read
            as_read.discard(product.id)
            level = stock.level_of(product)
        else:
            level = await stock.read_level(conn, product.id)
        split = split_line(
            request.quantity,
            on_hand=level.on_hand,
            waiting_units=level.waiting_units,
            cap=level.cap,
            mode=level.mode,
        )
        if isinstance(split, Refusal):
            raise InsufficientAvailability(
                f"{product.name}: {split.reason}.",
                field=f"lines[{index}].quantity",
                available=split.available,
            )
        waiting_units = await stock.reserve(
            conn, level, from_stock=split.from_stock, backordered=split.backordered
        )
        if waiting_units is not None:
            break
    else:
        raise Unavailable("This product is in high demand; please try again.")
    window, po_line_id = await _initial_eta(
        conn, product, split.backordered, waiting_units, order.priority, ahead_of, ctx
    )
    return await OrderLine.create(
        order_id=order.id,
        product_id=product.id,
        position=index,
        quantity=request.quantity,
        unit_price=product.price,
        qty_allocated=split.from_stock,
        qty_waiting=split.backordered,
        priority=order.priority,
        placed_at=order.placed_at,
        promised_earliest=window.earliest,
        promised_latest=window.latest,
        promised_basis=window.basis,
        eta_earliest=window.earliest,
        eta_latest=window.latest,
        eta_basis=window.basis,
        pegged_po_line_id=po_line_id,
        using_db=conn,
    )


async def _place_dropship_line(
    conn: BaseDBAsyncClient,
    order: Order,
    index: int,
    request: LineRequest,
    product: Product,
    ctx: Context,
) -> OrderLine:
    """Rule 25: no stock taken, no queue joined; the maker's lead time plus transit."""
    window = dropship_window(await load_terms(conn, product.id), ctx.today, ctx.policy)
    return await OrderLine.create(
        order_id=order.id,
        product_id=product.id,
        position=index,
        quantity=request.quantity,
        unit_price=product.price,
        qty_allocated=request.quantity,
        qty_waiting=0,
        priority=order.priority,
        placed_at=order.placed_at,
        promised_earliest=window.earliest,
        promised_latest=window.latest,
        promised_basis=window.basis,
        eta_earliest=window.earliest,
        eta_latest=window.latest,
        eta_basis=window.basis,
        dropship=True,
        using_db=conn,
    )


async def _waiting_behind(conn: BaseDBAsyncClient, product_ids: list[int], priority: int) -> int:
    """Units of lower-priority lines: a new line of ``priority`` stands ahead of them."""
    rows = await fetch(
        conn,
        "SELECT COALESCE(SUM(qty_waiting), 0) AS n FROM order_line WHERE product_id IN ("
        + ", ".join("?" for _ in product_ids)
        + ") AND qty_waiting > 0 AND priority < ?",
        [*product_ids, priority],
    )
    return int(rows[0]["n"])


async def _jumps_queue(
    conn: BaseDBAsyncClient, product_ids: list[int], priority: int, ahead_of: dict[int, int]
) -> bool:
    """Placed ahead of waiting lines (staff may lower a priority below 0): their ETAs move.

    ``ahead_of`` holds the counts already read while the order held their product rows; only
    the other products are read.
    """
    if any(ahead_of.values()):
        return True
    unread = sorted(set(product_ids) - ahead_of.keys())
    return bool(unread) and await _waiting_behind(conn, unread, priority) > 0


async def _initial_eta(
    conn: BaseDBAsyncClient,
    product: Product,
    backordered: int,
    waiting_units: int,
    priority: int,
    ahead_of: dict[int, int],
    ctx: Context,
) -> tuple[Window, int | None]:
    """The new line's last unit's place in the queue gives the window.

    It stands behind every waiting line of its priority or higher, and ahead of lower ones,
    so that its promise is right from the start, not corrected by an email a moment later.
    ``waiting_units`` is the product's count right after this line's reservation; the lower
    priorities' units it passes are noted in ``ahead_of``.
    """
    if backordered and is_queue_driven(AvailabilityMode(product.mode)):
        # Terms, open supply and the suppliers' slips, as every recompute reads them (rule 21).
        loaded = (await load_supplies(conn, [product.id]))[product.id]
        ahead_of[product.id] = await _waiting_behind(conn, [product.id], priority)
        position = waiting_units - ahead_of[product.id]
        buckets = supply_buckets(loaded.terms, loaded.supply, ctx.today, ctx.policy)
        bucket = bucket_for(buckets, position)
        return bucket.window, bucket.po_line_id
    terms = await load_terms(conn, product.id)
    if backordered == 0:
        return ready_window(terms, ctx.today, ctx.policy), None
    lead = terms.lead_time_days
    if lead is None:
        return Window(None, None, EtaBasis.UNKNOWN), None
    return build_window(ctx.today, lead, ctx.policy), None


@dataclass(frozen=True)
class OrderRef:
    """The order a customer's link opens: what the doors hold, never the ORM row."""

    id: int
    number: str


async def find_order_by_token(token: str) -> OrderRef:
    """Rule 15: the link is the key. Unknown and malformed tokens are the same 'not found'."""
    if not token or len(token) > 100:
        raise NotFound("No order matches this link.", field="token")
    rows = await Order.filter(token_hash=token_hash(token)).limit(1).values_list("id", "number")
    if not rows:
        raise NotFound("No order matches this link.", field="token")
    return OrderRef(*rows[0])
