"""Use cases of ordering: place, cancel, change preference or priority, answer delay notices."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, fields, replace
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from domain.catalog import stock
from domain.catalog.availability_events import announce_availability
from domain.context import Context
from domain.customers.links import link_token, new_number, new_salt, token_hash
from domain.customers.services import CUSTOMER_CTE, customer_cte_values, customer_for
from domain.db import MAX_PARAMETERS, Dialect, fetch, is_postgres, with_retries
from domain.errors import (
    IdempotencyKeyReused,
    InsufficientAvailability,
    InvalidInput,
    NotFound,
    Unavailable,
)
from domain.ordering.booking import COLUMNS, NewLine, book_lines, booking_ctes
from domain.ordering.consent import require_consent_to_wait
from domain.ordering.dropship import DropshipLine, by_maker, check_supplier, send_to_makers
from domain.ordering.held import Held, HeldProduct, hold_products
from domain.ordering.models import Order
from domain.ordering.queue import QueuePlace, queue_places, recompute_queues
from domain.ordering.reads import assembled, order_view
from domain.ordering.together import shown_windows
from domain.ordering.views import OrderView
from domain.outbox.enqueue import enqueue, insert_sql, insert_values
from domain.promises.allocation import Refusal, Split, split_line
from domain.promises.eta import (
    Window,
    bucket_for,
    build_window,
    dropship_window,
    is_queue_driven,
    ready_window,
    supply_buckets,
)
from domain.promises.slips import SlipHistory
from domain.validation import (
    clean_email,
    clean_text,
    idempotency_key,
    positive_quantity,
    sku_shaped,
)
from domain.vocabulary import (
    EtaBasis,
    EtaReason,
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
        # ``dataclasses.asdict`` without its deep copies: every value here is a plain scalar.
        body = {name: getattr(self, name) for name in _REQUEST_FIELDS}
        body["lines"] = [{name: getattr(ln, name) for name in _LINE_FIELDS} for ln in self.lines]
        body.pop("idempotency_key")
        body.pop("consents_to_waiting")
        for line in body["lines"]:  # fingerprints of orders placed before rule 25 still match
            if line["dropship"] is None:
                line.pop("dropship")
        body["email"] = clean_email(body["email"])
        return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


_LINE_FIELDS = tuple(field.name for field in fields(LineRequest))
_REQUEST_FIELDS = tuple(field.name for field in fields(OrderRequest))


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


@dataclass(frozen=True)
class _NewOrder:
    """The ``customer_order`` row being placed, before it is written (no id yet)."""

    number: str
    shipping_name: str
    shipping_address: str
    ship_preference: ShipPreference
    priority: int
    placed_at: dt.datetime
    token_salt: str
    token_hash: str
    idempotency_key: str | None
    request_fingerprint: str


@dataclass(frozen=True)
class _Written:
    order_id: int
    line_ids: dict[int, int]  # by position
    email: str
    customer_name: str


async def _place(request: OrderRequest, key: str | None, ctx: Context) -> PlacedOrder:
    # Checked before the transaction: nothing is held while a bad address or name is refused.
    # The name is required: the order ships to it as given, the customer keeps the first.
    address = clean_email(request.email)
    display = clean_text(request.name, field="name", max_length=200)
    async with in_transaction() as conn:
        held = await hold_products(conn, _skus(request))
        products = _products(request, held)
        salt = new_salt()
        number = new_number("R")
        token = link_token(ctx.policy.secret_key, ORDER_LINK, number, salt)
        order = _NewOrder(
            number=number,
            shipping_name=request.name.strip(),
            shipping_address=request.shipping_address.strip(),
            ship_preference=ShipPreference(request.ship_preference),
            priority=request.priority,
            placed_at=ctx.now,
            token_salt=salt,
            token_hash=token_hash(token),
            idempotency_key=key,
            request_fingerprint=request.fingerprint(),
        )
        # Stable product order: concurrent orders take product rows in the same sequence.
        to_makers: list[_Taken] = []  # rule 25: no stock taken, no queue joined
        levels = {product.id: product.level for product in products}  # as held, then as left
        from_shop: list[int] = []
        for index in sorted(range(len(request.lines)), key=lambda i: products[i].id):
            product, asked = products[index], request.lines[index]
            if by_maker(product, asked.dropship, f"lines[{index}].dropship"):
                check_supplier(product, f"lines[{index}].dropship")
                to_makers.append(_Taken(index, asked, product, Split(asked.quantity, 0), 0))
                continue
            from_shop.append(index)
        taken = await _take_all(conn, from_shop, request, products, levels)
        # Decided on the split as placed (not on a preview): a refusal rolls it all back. The
        # maker's units leave later too: they count as waiting for the customer's consent.
        require_consent_to_wait(
            [t.split.backordered for t in taken] + [t.request.quantity for t in to_makers],
            request.consents_to_waiting,
        )
        rows, places = await _lines(conn, order, taken, to_makers, ctx)
        written = await _write(conn, order, address, display, rows, ctx)
        lines = [
            _Line(
                t.product,
                t.split,
                row,
                written.line_ids[row.position],
                places[t.product.id].behind
                if t.product.id in places and not row.dropship
                else None,
            )
            for t, row in zip([*taken, *to_makers], rows, strict=True)
        ]
        if to_makers:
            await send_to_makers(
                conn,
                Order(
                    id=written.order_id,
                    number=order.number,
                    shipping_name=order.shipping_name,
                    shipping_address=order.shipping_address,
                ),
                [
                    DropshipLine(
                        line.id, line.row.quantity, line.product.id, line.product.supplier_id
                    )
                    for line in lines
                    if line.row.dropship
                ],
                ctx,
            )
        ahead_of = {t.product.id: t.behind for t in lines if t.behind is not None}
        waiting_products = [t.product.id for t in lines if t.split.backordered]
        if await _jumps_queue(conn, waiting_products, order.priority, ahead_of):
            await recompute_queues(
                conn,
                waiting_products,
                ctx,
                EtaReason.PRIORITY_CHANGED,
                f"{order.number} placed ahead of lower priorities",
            )
        if held.any_webhook:
            await webhooks.order_placed(conn, ctx, written.order_id)
            await announce_availability(conn, ctx, [product.id for product in products])
        view = assembled(
            {
                "id": written.order_id,
                "number": order.number,
                "email": written.email,
                "customer_name": written.customer_name,
                "shipping_name": order.shipping_name,
                "shipping_address": order.shipping_address,
                "ship_preference": order.ship_preference,
                "priority": order.priority,
                "placed_at": order.placed_at,
            },
            [line.view_row for line in sorted(lines, key=lambda t: t.row.position)],
        )
    return PlacedOrder(view, token)


_ORDER_COLUMNS = (
    "number",
    "customer_id",
    "shipping_name",
    "shipping_address",
    "ship_preference",
    "priority",
    "placed_at",
    "token_salt",
    "token_hash",
    "idempotency_key",
    "request_fingerprint",
)
_INSERT_ORDER = f"INSERT INTO customer_order ({', '.join(_ORDER_COLUMNS)}) VALUES "
# Parameters of one statement besides its lines': the customer's, the order's, the email's.
_WRITE_PARAMETERS = 32


async def _write(
    conn: BaseDBAsyncClient,
    order: _NewOrder,
    address: str,
    display: str,
    rows: list[NewLine],
    ctx: Context,
) -> _Written:
    """Write the customer (if new), the order, its lines with what they book, and the
    confirmation email (its outbox row). On PostgreSQL one statement does it all (data-modifying
    CTEs) while the order's parameters fit one; SQLite and larger orders take several."""
    if is_postgres(conn) and len(rows) * len(COLUMNS) + _WRITE_PARAMETERS <= MAX_PARAMETERS:
        return await _write_at_once(conn, order, address, display, rows, ctx)
    customer = await customer_for(conn, address, display)
    values = _order_values(order)
    d = Dialect(conn)
    marks_ = ["?"] * len(_ORDER_COLUMNS)
    marks_[6] = d.timestamp
    inserted = await fetch(
        conn,
        f"{_INSERT_ORDER}({', '.join(marks_)}) RETURNING id",
        [values[0], customer.id, *values[1:]],
    )
    order_id = inserted[0]["id"]
    ids = await book_lines(conn, [replace(row, order_id=order_id) for row in rows], ctx.now)
    await enqueue(conn, ctx, OutboxKind.ORDER_CONFIRMATION, customer.email, order_id=order_id)
    return _Written(order_id, ids, customer.email, customer.name)


def _order_values(order: _NewOrder) -> list[object]:
    """The order's columns but ``customer_id``."""
    return [
        order.number,
        order.shipping_name,
        order.shipping_address,
        order.ship_preference.value,
        order.priority,
        order.placed_at,
        order.token_salt,
        order.token_hash,
        order.idempotency_key,
        order.request_fingerprint,
    ]


async def _write_at_once(
    conn: BaseDBAsyncClient,
    order: _NewOrder,
    address: str,
    display: str,
    rows: list[NewLine],
    ctx: Context,
) -> _Written:
    """``_write`` in one PostgreSQL statement: ``c`` the customer (CUSTOMER_CTE), ``o`` the
    order, then the lines and the email, which take the order's id from ``o``. Every
    sub-statement runs to completion whether or not the final SELECT reads it."""
    booking, booked = booking_ctes(rows, ctx.now, order_id="(SELECT id FROM o)")
    email_sql = insert_sql(Dialect(conn), order_id="(SELECT id FROM o)")
    email = insert_values(ctx, OutboxKind.ORDER_CONFIRMATION, address, with_order_id=False)
    values = _order_values(order)
    found = await fetch(
        conn,
        f"WITH {CUSTOMER_CTE},"
        f" o AS ({_INSERT_ORDER}(?, (SELECT id FROM c), ?, ?, ?, ?, CAST(? AS TIMESTAMPTZ),"
        " ?, ?, ?, ?) RETURNING id),"
        f" {booking}, m AS ({email_sql})"
        " SELECT l.id, l.position, (SELECT id FROM o) AS order_id,"
        " (SELECT name FROM c) AS customer_name FROM l",
        [*customer_cte_values(address, display), *values, *booked, *email],
    )
    return _Written(
        found[0]["order_id"],
        {row["position"]: row["id"] for row in found},
        address,
        found[0]["customer_name"],
    )


def _skus(request: OrderRequest) -> list[str]:
    return sorted({line.sku.strip() for line in request.lines if sku_shaped(line.sku.strip())})


def _products(request: OrderRequest, held: Held) -> list[HeldProduct]:
    products = []
    for index, line in enumerate(request.lines):
        product = held.products.get(line.sku.strip())
        if product is None:
            raise InvalidInput("No such product.", field=f"lines[{index}].sku")
        limit = product.per_order_limit
        if limit is not None and line.quantity > limit:
            raise InvalidInput(
                f"At most {limit} of this product per order.", field=f"lines[{index}].quantity"
            )
        products.append(product)
    return products


@dataclass(frozen=True)
class _Taken:
    """A line's reservation: its split, and the product's waiting units right after it."""

    index: int
    request: LineRequest
    product: HeldProduct
    split: Split
    waiting_units: int


async def _take_all(
    conn: BaseDBAsyncClient,
    indexes: list[int],
    request: OrderRequest,
    products: list[HeldProduct],
    levels: dict[int, stock.Level],
) -> list[_Taken]:
    """Reserve the shop's lines (``indexes``, in product order): each split on its product's
    level as held, all in one guarded statement. A line whose guard found its level changed
    (SQLite, where rows are not held) is reserved again on its own (``_take``), as is every
    line of an order that lists a product twice (each split on what the one before left)."""
    product_ids = [products[index].id for index in indexes]
    if len(indexes) < 2 or len(set(product_ids)) != len(product_ids):
        return [
            await _take(conn, index, request.lines[index], products[index], levels)
            for index in indexes
        ]
    splits = [
        _split(index, request.lines[index], products[index], levels[products[index].id])
        for index in indexes
    ]
    done = await stock.reserve_many(
        conn,
        [
            (product_id, split.from_stock, split.backordered)
            for product_id, split in zip(product_ids, splits, strict=True)
        ],
    )
    taken = []
    for index, split in zip(indexes, splits, strict=True):
        product, asked = products[index], request.lines[index]
        if product.id in done:
            level = levels[product.id]
            levels[product.id] = replace(
                level, on_hand=level.on_hand - split.from_stock, waiting_units=done[product.id]
            )
            taken.append(_Taken(index, asked, product, split, done[product.id]))
        else:
            levels[product.id] = await stock.read_level(conn, product.id)
            taken.append(await _take(conn, index, asked, product, levels))
    return taken


def _split(index: int, request: LineRequest, product: HeldProduct, level: stock.Level) -> Split:
    """The line's split on ``level``, or the refusal naming the line."""
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
    return split


async def _take(
    conn: BaseDBAsyncClient,
    index: int,
    request: LineRequest,
    product: HeldProduct,
    levels: dict[int, stock.Level],
) -> _Taken:
    """Reserve one line. ``levels`` holds each product's level as held and as this order's
    earlier lines left it (an order may list a product twice); it is read again only if the
    guarded update finds it changed."""
    level = levels[product.id]
    for _ in range(RESERVE_ATTEMPTS):
        split = _split(index, request, product, level)
        waiting_units = await stock.reserve(
            conn, level, from_stock=split.from_stock, backordered=split.backordered
        )
        if waiting_units is not None:
            levels[product.id] = replace(
                level, on_hand=level.on_hand - split.from_stock, waiting_units=waiting_units
            )
            return _Taken(index, request, product, split, waiting_units)
        level = await stock.read_level(conn, product.id)
    raise Unavailable("This product is in high demand; please try again.")


@dataclass(frozen=True)
class _Line:
    """A line as written, with what the order's answer shows of it."""

    product: HeldProduct
    split: Split
    row: NewLine
    id: int
    behind: int | None  # lower-priority units this line stands ahead of (queue-driven lines)

    @property
    def view_row(self) -> dict[str, Any]:
        return {
            **{name: getattr(self.row, name) for name in COLUMNS},
            "id": self.id,
            "sku": self.product.sku,
            "name": self.product.name,
            "qty_shipped": 0,
            "qty_cancelled": 0,
        }


@dataclass(frozen=True)
class _Placed:
    open: int
    eta: Window


async def _lines(
    conn: BaseDBAsyncClient,
    order: _NewOrder,
    taken: list[_Taken],
    to_makers: list[_Taken],
    ctx: Context,
) -> tuple[list[NewLine], dict[int, QueuePlace]]:
    """Each line's ETA and promise (rules 3 and 4): the rows to write (``order_id`` 0 until the
    order is), and the queue places of the queue-driven products.

    Under ``ship_complete`` each line is promised the parcel's window: the order's latest.
    Only the promise changes; the line's own ETA stays its supply date (``together.py``).
    """
    queued = {
        t.product.id: t.product.supplier_id
        for t in taken
        if t.split.backordered and is_queue_driven(t.product.terms.mode)
    }
    places, slips = await queue_places(conn, queued, order.priority) if queued else ({}, {})
    etas = [_initial_eta(t, places.get(t.product.id), slips, order.priority, ctx) for t in taken]
    placed = [_Placed(t.request.quantity, eta) for t, (eta, _) in zip(taken, etas, strict=True)]
    shown_all = shown_windows(placed, order.ship_preference)
    rows = [
        _row(order, t, eta, shown, po_line_id)
        for t, (eta, po_line_id), shown in zip(taken, etas, shown_all, strict=True)
    ]
    # Rule 25: the maker's lead time plus transit; the maker's parcels travel apart, so they
    # neither hold nor wait for the shop's parcel (``ship_complete``).
    made = [dropship_window(t.product.terms, ctx.today, ctx.policy) for t in to_makers]
    rows += [
        _row(order, t, window, window, None, dropship=True)
        for t, window in zip(to_makers, made, strict=True)
    ]
    return rows, places


def _row(
    order: _NewOrder,
    t: _Taken,
    eta: Window,
    shown: Window,
    po_line_id: int | None,
    *,
    dropship: bool = False,
) -> NewLine:
    """A new line: its own ETA, and the promise the customer is shown."""
    return NewLine(
        order_id=0,
        product_id=t.product.id,
        position=t.index,
        quantity=t.request.quantity,
        unit_price=t.product.price,
        qty_allocated=t.split.from_stock,
        qty_waiting=t.split.backordered,
        priority=order.priority,
        placed_at=order.placed_at,
        promised_earliest=shown.earliest,
        promised_latest=shown.latest,
        promised_basis=shown.basis,
        eta_earliest=eta.earliest,
        eta_latest=eta.latest,
        eta_basis=eta.basis,
        pegged_po_line_id=po_line_id,
        dropship=dropship,
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


def _initial_eta(
    taken: _Taken,
    place: QueuePlace | None,
    slips: dict[int, SlipHistory],
    priority: int,
    ctx: Context,
) -> tuple[Window, int | None]:
    """The new line's last unit's place in the queue gives the window.

    It stands behind every waiting line of its priority or higher, and ahead of lower ones,
    so that its promise is right from the start, not corrected by an email a moment later.
    ``waiting_units`` is the product's count right after this line's reservation; ``place``
    holds the lower priorities' units it passes, read with its open supply.
    """
    product, backordered = taken.product, taken.split.backordered
    terms = product.terms
    if place is not None and backordered:
        # Terms, open supply and the suppliers' slips, as every recompute reads them (rule 21).
        if product.supplier_id is not None:
            terms = replace(terms, slips=slips.get(product.supplier_id))
        position = taken.waiting_units - place.behind
        buckets = supply_buckets(terms, place.supply, ctx.today, ctx.policy)
        bucket = bucket_for(buckets, position)
        return bucket.window, bucket.po_line_id
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
