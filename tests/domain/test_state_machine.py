"""Random sequences of every operation keep every invariant (DOMAIN.md rules 1 to 13).

Hypothesis draws a list of steps: place orders (some past the cap), create POs, receive
(partial quantities; sometimes a receipt key used before, for the same goods again, which
replays, or for other goods, which is refused), revise expected dates, cancel PO lines, cancel
order lines (partly or fully), set priorities, create shipments and mark them shipped, with
the clock moving forward between steps; and "a day passes": the store day turns and the
promise clock runs its daily jobs for it (rules 18-20: the ETA review, lapsed delay notices,
whose cancellations the model follows). Each example starts from empty tables.

After every step two independent checks run against the database:

* ``check_invariants`` reads only the database: quantities, stock, queue, ledger, allocations,
  receipts, shipments and the PO pegging of every waiting line must agree with each other.
  ``tests/domain/test_races.py`` uses it too.
* ``Model`` is a plain-Python replay of the rules (split at once, cap, first come first served,
  returns to the next in line, what may ship). It predicts each step's outcome, including the
  refusals, and every product, order line, PO line and shipment must match it.

A receipt is also checked against the queue as it stood just before it (first come, first
served, read from the database): the units of receipt R for product P went to a prefix of P's
queue, each line up to what it was waiting for.

The stateful runner of Hypothesis is synchronous, so one async test draws the whole list of
steps with ``@given`` and runs them itself (pytest-asyncio runs each example on the session loop).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st

from domain.catalog.models import Product
from domain.clock.runner import run_day
from domain.context import Context
from domain.db import connection, is_postgres
from domain.errors import Conflict, IdempotencyKeyReused, InsufficientAvailability, InvalidInput
from domain.ledger.models import LedgerEntry
from domain.ordering.changes import CancelRequest, cancel_order_lines, set_order_priority
from domain.ordering.models import Allocation, DelayNotice, OrderLine
from domain.ordering.services import LineRequest, OrderRequest, place_order
from domain.promises.slip_histories import forget_recent_slips
from domain.purchasing.models import PurchaseOrder, PurchaseOrderLine, ReceiptLine
from domain.shipping.models import Shipment, ShipmentLine
from domain.shipping.services import create_shipment, mark_shipped
from domain.supply.purchase_orders import (
    PoLineRequest,
    ReceiptLineRequest,
    cancel_purchase_order_line,
    create_purchase_order,
    receive,
    revise_expected_date,
)
from domain.vocabulary import (
    AvailabilityMode,
    DelayNoticeStatus,
    EtaBasis,
    LedgerKind,
    PurchaseOrderStatus,
    ShipmentStatus,
    ShipPreference,
)
from tests import builders as b

# --------------------------------------------------------------------------------------------
# Invariants read from the database alone
# --------------------------------------------------------------------------------------------

QueueKey = tuple[int, dt.datetime, int]


def queue_key(line: dict[str, Any]) -> QueueKey:
    """DOMAIN.md "queue": priority first, then the time the order was placed, then line id."""
    return (-line["priority"], line["placed_at"], line["id"])


async def queues_in_db() -> dict[int, list[tuple[int, int]]]:
    """Every product's queue as (line id, units waiting), in allocation order."""
    rows = await OrderLine.filter(qty_waiting__gt=0).values(
        "id", "product_id", "qty_waiting", "priority", "placed_at"
    )
    queues: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for row in sorted(rows, key=queue_key):
        queues[row["product_id"]].append((row["id"], row["qty_waiting"]))
    return dict(queues)


def prefix_fill(queue: list[tuple[int, int]], units: int) -> dict[int, int]:
    """First come, first served: who gets ``units`` from ``queue``."""
    given: dict[int, int] = {}
    for line_id, waiting in queue:
        if units <= 0:
            break
        take = min(waiting, units)
        given[line_id] = take
        units -= take
    return given


async def check_invariants(today: dt.date, initial_stock: dict[int, int]) -> None:
    """Everything that must hold between any two operations, read from the database.

    ``initial_stock``: the on-hand units each product was created with (receipts add to it).
    """
    products = {
        p["id"]: p
        for p in await Product.all().values(
            "id", "on_hand", "waiting_units", "backorder_cap", "release_date", "mode"
        )
    }
    lines = await OrderLine.all().values(
        "id",
        "order_id",
        "product_id",
        "quantity",
        "unit_price",
        "qty_allocated",
        "qty_waiting",
        "qty_shipped",
        "qty_cancelled",
        "priority",
        "placed_at",
        "eta_earliest",
        "eta_latest",
        "eta_basis",
        "pegged_po_line_id",
    )
    ledger = await LedgerEntry.all().values("line_id", "kind", "quantity", "amount")
    allocations = await Allocation.all().values("line_id", "receipt_id", "quantity")
    po_lines = await PurchaseOrderLine.all().values(
        "id",
        "purchase_order_id",
        "product_id",
        "quantity",
        "quantity_received",
        "quantity_cancelled",
    )
    pos = {p["id"]: p for p in await PurchaseOrder.all().values("id", "status", "expected_date")}
    receipt_lines = await ReceiptLine.all().values(
        "receipt_id", "po_line_id", "quantity", "to_queue", "to_stock"
    )
    shipment_lines = await ShipmentLine.all().values("line_id", "quantity", "shipment__status")
    open_notices = await DelayNotice.filter(status=DelayNoticeStatus.OPEN).values_list(
        "line_id", flat=True
    )

    # No negative quantity anywhere.
    for p in products.values():
        assert p["on_hand"] >= 0 and p["waiting_units"] >= 0, p
    for line in lines:
        assert line["quantity"] >= 1, line
        for name in ("qty_allocated", "qty_waiting", "qty_shipped", "qty_cancelled"):
            assert line[name] >= 0, line
        # A line's quantities always add up.
        parts = ("qty_allocated", "qty_waiting", "qty_shipped", "qty_cancelled")
        assert line["quantity"] == sum(line[name] for name in parts), line
    for row in po_lines:
        assert row["quantity_received"] >= 0 and row["quantity_cancelled"] >= 0, row
        assert row["quantity_received"] + row["quantity_cancelled"] <= row["quantity"], row
    for row in receipt_lines:
        assert row["quantity"] >= 1 and row["to_queue"] >= 0 and row["to_stock"] >= 0, row
        assert row["to_queue"] + row["to_stock"] == row["quantity"], row
    for row in shipment_lines:
        assert row["quantity"] >= 1, row
    for row in ledger:
        assert row["quantity"] >= 1, row

    # Products: waiting units are their lines' waiting units; the cap holds; invariant 7.
    waiting: dict[int, int] = defaultdict(int)
    held_by_product: dict[int, int] = defaultdict(int)  # allocated + shipped
    for line in lines:
        waiting[line["product_id"]] += line["qty_waiting"]
        held_by_product[line["product_id"]] += line["qty_allocated"] + line["qty_shipped"]
    received: dict[int, int] = defaultdict(int)
    product_of_po_line = {row["id"]: row["product_id"] for row in po_lines}
    for row in receipt_lines:
        received[product_of_po_line[row["po_line_id"]]] += row["quantity"]
    for pid, p in products.items():
        assert p["waiting_units"] == waiting[pid], (p, waiting[pid])
        if p["backorder_cap"] is not None:
            assert p["waiting_units"] <= p["backorder_cap"], p
        assert p["on_hand"] == 0 or p["waiting_units"] == 0, f"invariant 7 broken: {p}"
        # Units neither appear nor vanish: stock + received = free + given to lines.
        assert initial_stock.get(pid, 0) + received[pid] == p["on_hand"] + held_by_product[pid], (
            p,
            received[pid],
            held_by_product[pid],
        )

    # The ledger follows the lines (rule 4); amounts are quantity x unit price.
    per_line: dict[int, dict[LedgerKind, int]] = defaultdict(lambda: defaultdict(int))
    by_id = {line["id"]: line for line in lines}
    for row in ledger:
        line = by_id[row["line_id"]]
        assert row["amount"] == row["quantity"] * line["unit_price"], (row, line)
        per_line[row["line_id"]][LedgerKind(row["kind"])] += row["quantity"]
    for line in lines:
        books = per_line[line["id"]]
        assert books[LedgerKind.BACKORDER_BOOKED] == line["quantity"], (line, dict(books))
        assert (
            books[LedgerKind.BACKORDER_BOOKED]
            - books[LedgerKind.BACKORDER_CANCELLED]
            - books[LedgerKind.REVENUE_RECOGNISED]
            == line["qty_allocated"] + line["qty_waiting"]
        ), (line, dict(books))
        assert books[LedgerKind.REVENUE_RECOGNISED] == line["qty_shipped"], (line, dict(books))
        assert books[LedgerKind.REFUND_DUE] == line["qty_cancelled"], (line, dict(books))
        assert books[LedgerKind.BACKORDER_CANCELLED] == line["qty_cancelled"], (line, dict(books))

    # Allocations: given minus returned is what the line holds or shipped; a receipt's
    # allocations are what its lines say went to the queue.
    allocated: dict[int, int] = defaultdict(int)
    from_receipt: dict[tuple[int, int], int] = defaultdict(int)
    for row in allocations:
        allocated[row["line_id"]] += row["quantity"]
        if row["receipt_id"] is not None:
            assert row["quantity"] > 0, row
            product_id = by_id[row["line_id"]]["product_id"]
            from_receipt[(row["receipt_id"], product_id)] += row["quantity"]
    for line in lines:
        assert allocated[line["id"]] == line["qty_allocated"] + line["qty_shipped"], line
    to_queue: dict[tuple[int, int], int] = defaultdict(int)
    received_per_po_line: dict[int, int] = defaultdict(int)
    for row in receipt_lines:
        to_queue[(row["receipt_id"], product_of_po_line[row["po_line_id"]])] += row["to_queue"]
        received_per_po_line[row["po_line_id"]] += row["quantity"]
    assert {k: v for k, v in to_queue.items() if v} == dict(from_receipt)

    # Purchase orders: received is the sum of receipts; a PO closes when every line is done.
    complete: dict[int, bool] = defaultdict(lambda: True)
    for row in po_lines:
        assert row["quantity_received"] == received_per_po_line[row["id"]], row
        done = row["quantity_received"] + row["quantity_cancelled"] >= row["quantity"]
        complete[row["purchase_order_id"]] &= done
    for po_id, po in pos.items():
        if po["status"] != PurchaseOrderStatus.CANCELLED:
            assert (po["status"] == PurchaseOrderStatus.CLOSED) == complete[po_id], (po, po_lines)

    # Shipments: a planned parcel holds allocated units; shipped parcels are what shipped.
    planned: dict[int, int] = defaultdict(int)
    shipped: dict[int, int] = defaultdict(int)
    for row in shipment_lines:
        target = shipped if row["shipment__status"] == ShipmentStatus.SHIPPED else planned
        target[row["line_id"]] += row["quantity"]
    for line in lines:
        assert planned[line["id"]] <= line["qty_allocated"], line
        assert shipped[line["id"]] == line["qty_shipped"], line

    # At most one open delay notice per line.
    assert len(open_notices) == len(set(open_notices)), open_notices

    check_pegging(today, products, lines, po_lines, pos)


def check_pegging(
    today: dt.date,
    products: dict[int, dict[str, Any]],
    lines: list[dict[str, Any]],
    po_lines: list[dict[str, Any]],
    pos: dict[int, dict[str, Any]],
) -> None:
    """Rule 2: each waiting line is pegged to the open PO line covering its last unit.

    Every event that changes a queue or its supply recomputes it (rule 8), so the pegging is
    exact at any time. The window depends on the day it was computed; it is exact when the PO
    is not overdue: expected date plus transit, or the release date if later.
    """
    policy = b.POLICY
    supply: dict[int, list[tuple[dt.date, int, int]]] = defaultdict(list)
    for row in po_lines:
        po = pos[row["purchase_order_id"]]
        remaining = row["quantity"] - row["quantity_received"] - row["quantity_cancelled"]
        if po["status"] == PurchaseOrderStatus.OPEN and remaining > 0:
            supply[row["product_id"]].append((po["expected_date"], row["id"], remaining))
    expected_dates = {row["id"]: pos[row["purchase_order_id"]]["expected_date"] for row in po_lines}
    position: dict[int, int] = defaultdict(int)
    for line in sorted(lines, key=queue_key):
        product = products[line["product_id"]]
        if product["mode"] not in (AvailabilityMode.STOCKED, AvailabilityMode.PREORDER):
            continue
        basis = EtaBasis(line["eta_basis"])
        release = product["release_date"]
        if line["qty_waiting"] == 0:
            if line["qty_allocated"] > 0:
                assert basis in (EtaBasis.IN_STOCK, EtaBasis.RELEASE_DATE), line
            continue
        position[line["product_id"]] += line["qty_waiting"]
        covered, pegged = 0, None
        for _, po_line_id, remaining in sorted(supply[line["product_id"]]):
            covered += remaining
            if position[line["product_id"]] <= covered:
                pegged = po_line_id
                break
        assert line["pegged_po_line_id"] == pegged, (
            f"line {line['id']} pegged to {line['pegged_po_line_id']}, its place in the queue"
            f" ({position[line['product_id']]}) is covered by {pegged}",
            line,
            supply[line["product_id"]],
        )
        if basis == EtaBasis.LATE_DELIVERY:  # rule 20: pegged to a PO that was overdue
            assert pegged is not None and line["eta_earliest"] <= line["eta_latest"], line
            assert expected_dates[pegged] < line["eta_earliest"], line
            continue
        transit = dt.timedelta(days=policy.transit_days_max - policy.transit_days_min)
        if basis == EtaBasis.RELEASE_DATE:
            assert line["eta_latest"] - line["eta_earliest"] == transit, line
        else:  # rule 21: a supplier's slips may widen a PO's or lead time's window
            assert line["eta_latest"] - line["eta_earliest"] >= transit, line
        if pegged is None:
            assert basis in (EtaBasis.LEAD_TIME, EtaBasis.RELEASE_DATE), line
            continue
        assert basis in (EtaBasis.PURCHASE_ORDER, EtaBasis.RELEASE_DATE), line
        expected = expected_dates[pegged]
        if expected >= today:
            ship = expected
            want_basis = EtaBasis.PURCHASE_ORDER
            if release is not None and release > ship:
                ship, want_basis = release, EtaBasis.RELEASE_DATE
            assert (line["eta_earliest"], basis) == (
                ship + dt.timedelta(days=policy.transit_days_min),
                want_basis,
            ), (line, expected, release)


# --------------------------------------------------------------------------------------------
# The model: the rules replayed in plain Python
# --------------------------------------------------------------------------------------------


@dataclass
class MProduct:
    id: int
    sku: str
    on_hand: int
    cap: int | None
    release: dt.date | None
    waiting: int = 0


@dataclass
class MLine:
    id: int
    order_id: int
    product_id: int
    quantity: int
    allocated: int
    waiting: int
    priority: int
    placed_at: dt.datetime
    promised: tuple[Any, ...]
    shipped: int = 0
    cancelled: int = 0

    def key(self) -> QueueKey:
        return (-self.priority, self.placed_at, self.id)


@dataclass
class MOrder:
    id: int
    preference: ShipPreference
    lines: list[int]


@dataclass
class MPoLine:
    id: int
    po_id: int
    product_id: int
    quantity: int
    received: int = 0
    cancelled: int = 0

    @property
    def open(self) -> int:
        return self.quantity - self.received - self.cancelled


@dataclass
class MPo:
    id: int
    expected: dt.date
    lines: list[int]
    closed: bool = False


@dataclass
class MShipment:
    id: int
    order_id: int
    lines: dict[int, int]
    shipped: bool = False


@dataclass(frozen=True)
class MReceipt:
    id: int
    po_id: int
    goods: list[tuple[int, int]]  # (PO line, units) as sent

    def same_goods(self, po_id: int, goods: list[tuple[int, int]]) -> bool:
        return (self.po_id, sorted(self.goods)) == (po_id, sorted(goods))


@dataclass
class Model:
    products: dict[int, MProduct]
    lines: dict[int, MLine] = field(default_factory=dict)
    orders: dict[int, MOrder] = field(default_factory=dict)
    pos: dict[int, MPo] = field(default_factory=dict)
    po_lines: dict[int, MPoLine] = field(default_factory=dict)
    receipts: dict[str, MReceipt] = field(default_factory=dict)  # by key
    shipments: dict[int, MShipment] = field(default_factory=dict)

    def queue(self, product_id: int) -> list[MLine]:
        return sorted(
            (ln for ln in self.lines.values() if ln.product_id == product_id and ln.waiting > 0),
            key=MLine.key,
        )

    def supply(self, product_id: int, units: int) -> int:
        """Rules 6 and 13: units fill the queue first come, first served; the rest is stock."""
        taken = 0
        for line in self.queue(product_id):
            if taken == units:
                break
            give = min(line.waiting, units - taken)
            line.waiting -= give
            line.allocated += give
            taken += give
        product = self.products[product_id]
        product.waiting -= taken
        product.on_hand += units - taken
        return taken

    def split(self, lines: list[tuple[int, int]]) -> list[tuple[int, int]] | None:
        """Rules 1 and 3 for a whole order (lines in product-id order); None if refused."""
        level = {pid: (p.on_hand, p.waiting) for pid, p in self.products.items()}
        result: list[tuple[int, int]] = [(0, 0)] * len(lines)
        for index in sorted(range(len(lines)), key=lambda i: lines[i][0]):
            product_id, quantity = lines[index]
            on_hand, waiting = level[product_id]
            from_stock = min(quantity, on_hand) if waiting == 0 else 0
            backordered = quantity - from_stock
            cap = self.products[product_id].cap
            if cap is not None and backordered > max(cap - waiting, 0):
                return None
            level[product_id] = (on_hand - from_stock, waiting + backordered)
            result[index] = (from_stock, backordered)
        return result

    def held(self, line_id: int) -> int:
        return sum(s.lines.get(line_id, 0) for s in self.shipments.values() if not s.shipped)

    def shippable(self, order_id: int, today: dt.date) -> dict[int, int]:
        """Rule 12: what the order's ship preference lets leave now."""
        order = self.orders[order_id]
        lines = [self.lines[i] for i in order.lines]

        def released(line: MLine) -> bool:
            release = self.products[line.product_id].release
            return release is None or release <= today

        if order.preference == ShipPreference.SHIP_COMPLETE and any(
            line.waiting > 0 or not released(line)
            for line in lines
            if line.allocated + line.waiting > 0
        ):
            return {}
        free = {line.id: line.allocated - self.held(line.id) for line in lines}
        return {line.id: free[line.id] for line in lines if free[line.id] > 0 and released(line)}

    async def matches_database(self) -> None:
        for p in await Product.all().values("id", "on_hand", "waiting_units"):
            mine_product = self.products[p["id"]]
            assert (p["on_hand"], p["waiting_units"]) == (
                mine_product.on_hand,
                mine_product.waiting,
            ), (p, mine_product)
        rows = await OrderLine.all().values(
            "id",
            "qty_allocated",
            "qty_waiting",
            "qty_shipped",
            "qty_cancelled",
            "priority",
            "promised_earliest",
            "promised_latest",
            "promised_basis",
        )
        assert {r["id"] for r in rows} == set(self.lines)
        for r in rows:
            mine = self.lines[r["id"]]
            assert (
                r["qty_allocated"],
                r["qty_waiting"],
                r["qty_shipped"],
                r["qty_cancelled"],
                r["priority"],
            ) == (mine.allocated, mine.waiting, mine.shipped, mine.cancelled, mine.priority), (
                r,
                mine,
            )
            # The promised ETA never changes.
            promised = (r["promised_earliest"], r["promised_latest"], EtaBasis(r["promised_basis"]))
            assert promised == mine.promised, (r, mine)
        for r in await PurchaseOrderLine.all().values(
            "id", "quantity_received", "quantity_cancelled"
        ):
            mine_po_line = self.po_lines[r["id"]]
            assert (r["quantity_received"], r["quantity_cancelled"]) == (
                mine_po_line.received,
                mine_po_line.cancelled,
            ), (r, mine_po_line)
        for r in await PurchaseOrder.all().values("id", "status", "expected_date"):
            mine_po = self.pos[r["id"]]
            status = PurchaseOrderStatus.CLOSED if mine_po.closed else PurchaseOrderStatus.OPEN
            assert (r["status"], r["expected_date"]) == (status, mine_po.expected), (r, mine_po)
        for r in await Shipment.all().values("id", "status"):
            shipped = self.shipments[r["id"]].shipped
            shipment_status = ShipmentStatus.SHIPPED if shipped else ShipmentStatus.PLANNED
            assert r["status"] == shipment_status, r


# --------------------------------------------------------------------------------------------
# Steps
# --------------------------------------------------------------------------------------------

PRODUCTS = [
    # (mode, on hand, cap, price, release in days)
    (AvailabilityMode.STOCKED, 6, None, "10.00", None),
    (AvailabilityMode.STOCKED, 0, 8, "25.50", None),
    (AvailabilityMode.STOCKED, 4, 0, "3.33", None),  # no backorders: sold out is sold out
    (AvailabilityMode.PREORDER, 0, 12, "199.99", 2),
]

pick = st.integers(0, 1_000)  # an index into what exists, modulo its length
product_pick = st.integers(0, len(PRODUCTS) - 1)
advance = st.sampled_from([0, 0, 1, 7, 600, 3_600, 86_400, 3 * 86_400])  # seconds

order_step = st.tuples(
    st.just("order"),
    st.lists(st.tuples(product_pick, st.integers(1, 6)), min_size=1, max_size=3),
    st.sampled_from([0, 0, 0, 5, -3]),
    st.sampled_from(list(ShipPreference)),
    st.integers(0, 3),  # which customer
)
po_step = st.tuples(
    st.just("po"),
    st.lists(st.tuples(product_pick, st.integers(1, 10)), min_size=1, max_size=3),
    st.integers(0, 30),  # expected in days
)
rarely = st.sampled_from([False, False, False, False, True])
receive_step = st.tuples(
    st.just("receive"),
    pick,  # PO: among those still expecting goods, or rarely among all
    rarely,
    st.lists(st.tuples(pick, st.integers(1, 8)), min_size=1, max_size=2),  # (PO line, units)
    # None: a new key; else (a key used before, send its first goods again instead of these)
    st.one_of(st.none(), st.tuples(pick, st.booleans())),
    st.sampled_from([True, True, True, False]),  # clamp to what is still expected
)
revise_step = st.tuples(st.just("revise"), pick, st.integers(-10, 15))
cancel_po_line_step = st.tuples(st.just("cancel_po_line"), pick)
cancel_step = st.tuples(
    st.just("cancel"),
    pick,  # order
    st.lists(st.tuples(pick, st.one_of(st.none(), st.integers(1, 5))), min_size=1, max_size=2),
    rarely,  # keep a line listed twice (refused) instead of listing each line once
)
priority_step = st.tuples(st.just("priority"), pick, st.integers(-5, 10))
ship_step = st.tuples(st.just("ship"), pick, st.booleans())  # and mark shipped at once?
mark_step = st.tuples(st.just("mark"), pick)
day_step = st.tuples(st.just("day_passes"))

step = st.tuples(
    advance,
    st.one_of(
        order_step,
        po_step,
        receive_step,
        order_step,
        receive_step,
        cancel_step,
        ship_step,
        revise_step,
        cancel_po_line_step,
        priority_step,
        mark_step,
        day_step,
        day_step,
    ),
)


async def empty_tables() -> None:
    conn = connection()
    if is_postgres(conn):
        rows = await conn.execute_query_dict(
            "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'"
            " AND tablename <> 'tortoise_migrations'"
        )
        await conn.execute_script(
            "TRUNCATE " + ", ".join(f'"{r["name"]}"' for r in rows) + " RESTART IDENTITY CASCADE"
        )
    else:
        rows = await conn.execute_query_dict(
            "SELECT name FROM sqlite_master WHERE type = 'table'"
            " AND name NOT IN ('tortoise_migrations', 'sqlite_sequence')"
        )
        await conn.execute_script(
            "PRAGMA foreign_keys = OFF;"
            + "".join(f'DELETE FROM "{r["name"]}";' for r in rows)
            + "DELETE FROM sqlite_sequence; PRAGMA foreign_keys = ON;"
        )
    forget_recent_slips()  # receipt ids start again: no version can tell the kept slips apart


class Run:
    """One example: a store, its model, a clock, and the steps applied one by one."""

    def __init__(self) -> None:
        self.now = b.NOON
        self.keys = itertools.count(1)
        self.model: Model
        self.supplier_id = 0
        self.skus: list[str] = []
        self.initial: dict[int, int] = {}

    @property
    def ctx(self) -> Context:
        return b.ctx(self.now)

    async def setup(self) -> None:
        await empty_tables()
        supplier = await b.supplier(lead_time_days=30)
        self.supplier_id = supplier.id
        products = {}
        for index, (mode, on_hand, cap, price, release_in) in enumerate(PRODUCTS):
            release = None if release_in is None else b.TODAY + dt.timedelta(days=release_in)
            made = await b.product(
                mode=mode,
                on_hand=on_hand,
                cap=cap,
                price=price,
                release_date=release,
                supplier_=supplier,
                sku=f"SM-{index}",
            )
            self.skus.append(made.sku)
            products[made.id] = MProduct(made.id, made.sku, on_hand, cap, release)
            self.initial[made.id] = on_hand
        self.model = Model(products)
        self.product_ids = sorted(products)

    async def apply(self, seconds: int, action: tuple[Any, ...]) -> None:
        self.now += dt.timedelta(seconds=seconds)
        before = await queues_in_db()
        outcome = await getattr(self, action[0])(*action[1:], queue_before=before)
        event(f"{action[0]}: {outcome or 'done'}")
        await check_invariants(self.ctx.today, self.initial)
        await self.model.matches_database()

    # -- ordering ---------------------------------------------------------------------------

    async def order(
        self,
        lines: list[tuple[int, int]],
        priority: int,
        preference: ShipPreference,
        customer: int,
        *,
        queue_before: Any,
    ) -> str | None:
        wanted = [(self.product_ids[p], q) for p, q in lines]
        request = OrderRequest(
            email=f"customer{customer}@example.com",
            name="Ada Lovelace",
            shipping_address="1 Analytical Way\nLondon",
            lines=[LineRequest(self.skus[p], q) for p, q in lines],
            ship_preference=preference,
            priority=priority,
        )
        split = self.model.split(wanted)
        if split is None:
            with pytest.raises(InsufficientAvailability):
                await place_order(request, ctx=self.ctx)
            return "refused (cap)"
        placed = await place_order(request, ctx=self.ctx)
        view = placed.order
        assert [(ln.allocated, ln.waiting) for ln in view.lines] == split
        self.model.orders[view.id] = MOrder(view.id, preference, [ln.id for ln in view.lines])
        for (product_id, quantity), line in zip(wanted, view.lines, strict=True):
            self.model.lines[line.id] = MLine(
                line.id,
                view.id,
                product_id,
                quantity,
                line.allocated,
                line.waiting,
                priority,
                self.now,
                (line.promised.earliest, line.promised.latest, line.promised.basis),
            )
            self.model.products[product_id].on_hand -= line.allocated
            self.model.products[product_id].waiting += line.waiting
        return None

    async def cancel(
        self,
        order_pick: int,
        requests: list[tuple[int, int | None]],
        twice: bool,
        *,
        queue_before: Any,
    ) -> str | None:
        if not self.model.orders:
            return "nothing to act on"
        order = list(self.model.orders.values())[order_pick % len(self.model.orders)]
        chosen = [(order.lines[i % len(order.lines)], q) for i, q in requests]
        if not twice:
            chosen = list({line_id: (line_id, q) for line_id, q in reversed(chosen)}.values())
        call = cancel_order_lines(
            order.id, [CancelRequest(line_id, q) for line_id, q in chosen], ctx=self.ctx
        )
        plan = []
        valid = len({line_id for line_id, _ in chosen}) == len(chosen)  # each line once
        for line_id, q in chosen:
            line = self.model.lines[line_id]
            cancellable = line.waiting + line.allocated - self.model.held(line_id)
            quantity = cancellable if q is None else q
            valid &= 0 < quantity <= cancellable
            plan.append((line, quantity))
        if not valid:
            with pytest.raises(InvalidInput):
                await call
            return "refused (invalid)"
        await call
        returned: dict[int, int] = defaultdict(int)
        for line, quantity in plan:
            from_waiting = min(quantity, line.waiting)
            from_allocated = quantity - from_waiting
            line.waiting -= from_waiting
            line.allocated -= from_allocated
            line.cancelled += quantity
            self.model.products[line.product_id].waiting -= from_waiting
            returned[line.product_id] += from_allocated
        for product_id in sorted(returned):
            self.model.supply(product_id, returned[product_id])
        return None

    async def priority(self, order_pick: int, priority: int, *, queue_before: Any) -> str | None:
        if not self.model.orders:
            return "nothing to act on"
        order = list(self.model.orders.values())[order_pick % len(self.model.orders)]
        view = await set_order_priority(order.id, priority, ctx=self.ctx)
        assert view.priority == priority
        for line_id in order.lines:
            self.model.lines[line_id].priority = priority
        return None

    # -- purchasing -------------------------------------------------------------------------

    async def po(self, lines: list[tuple[int, int]], days: int, *, queue_before: Any) -> str | None:
        expected = self.ctx.today + dt.timedelta(days=days)
        po = await create_purchase_order(
            self.supplier_id,
            expected,
            [PoLineRequest(self.skus[p], q) for p, q in lines],
            ctx=self.ctx,
        )
        rows = (
            await PurchaseOrderLine.filter(purchase_order_id=po.id)
            .order_by("id")
            .values("id", "product_id", "quantity")
        )
        assert [(r["product_id"], r["quantity"]) for r in rows] == [
            (self.product_ids[p], q) for p, q in lines
        ]
        self.model.pos[po.id] = MPo(po.id, expected, [r["id"] for r in rows])
        for r in rows:
            self.model.po_lines[r["id"]] = MPoLine(r["id"], po.id, r["product_id"], r["quantity"])
        return None

    async def receive(
        self,
        po_pick: int,
        any_po: bool,
        requests: list[tuple[int, int]],
        key_pick: tuple[int, bool] | None,
        clamp: bool,
        *,
        queue_before: dict[int, list[tuple[int, int]]],
    ) -> str | None:
        used = list(self.model.receipts)
        if key_pick is not None and used:
            key = used[key_pick[0] % len(used)]
            first = self.model.receipts[key]
            if key_pick[1]:  # the same goods again, its lines in reverse order
                again = [ReceiptLineRequest(i, q) for i, q in reversed(first.goods)]
                result = await receive(first.po_id, key, again, ctx=self.ctx)
                assert not result.applied and result.receipt_id == first.id
                return "key replayed"
        else:
            key = f"rcpt-{next(self.keys)}"
        candidates = [po for po in self.model.pos.values() if any_po or not po.closed]
        if not candidates:
            return "nothing to act on"
        po = candidates[po_pick % len(candidates)]
        wanted: list[tuple[MPoLine, int]] = []
        still_open: dict[int, int] = {i: self.model.po_lines[i].open for i in po.lines}
        valid = True
        for line_pick, quantity in requests:
            po_line = self.model.po_lines[po.lines[line_pick % len(po.lines)]]
            if clamp:
                quantity = max(1, min(quantity, still_open[po_line.id]))
            valid &= quantity <= still_open[po_line.id]
            still_open[po_line.id] -= quantity
            wanted.append((po_line, quantity))
        call = receive(po.id, key, [ReceiptLineRequest(ln.id, q) for ln, q in wanted], ctx=self.ctx)
        if key in self.model.receipts:  # the same receipt is never applied twice
            first = self.model.receipts[key]
            if first.same_goods(po.id, [(ln.id, q) for ln, q in wanted]):
                result = await call
                assert not result.applied and result.receipt_id == first.id
                return "key replayed"
            with pytest.raises(IdempotencyKeyReused) as refused:
                await call
            assert refused.value.field == "receiptKey"
            return "refused (key used for other goods)"
        if not valid:
            with pytest.raises(InvalidInput):
                await call
            return "refused (invalid)"
        result = await call
        assert result.applied
        self.model.receipts[key] = MReceipt(
            result.receipt_id, po.id, [(ln.id, q) for ln, q in wanted]
        )
        per_product: dict[int, int] = defaultdict(int)
        for po_line, quantity in wanted:
            po_line.received += quantity
            per_product[po_line.product_id] += quantity
        po.closed = all(self.model.po_lines[i].open == 0 for i in po.lines)
        taken = {pid: self.model.supply(pid, units) for pid, units in sorted(per_product.items())}
        assert (result.to_queue, result.to_stock) == (
            sum(taken.values()),
            sum(per_product.values()) - sum(taken.values()),
        )
        # First come, first served, read from the database alone: the receipt's allocations
        # went to a prefix of each product's queue as it stood before the receipt.
        given: dict[int, dict[int, int]] = defaultdict(dict)
        for row in await Allocation.filter(receipt_id=result.receipt_id).values(
            "line_id", "quantity", "line__product_id"
        ):
            given[row["line__product_id"]][row["line_id"]] = row["quantity"]
        for product_id, units in per_product.items():
            expected = prefix_fill(queue_before.get(product_id, []), units)
            assert given.get(product_id, {}) == expected, (product_id, units, queue_before)
        return None

    async def revise(self, po_pick: int, days: int, *, queue_before: Any) -> str | None:
        if not self.model.pos:
            return "nothing to act on"
        po = list(self.model.pos.values())[po_pick % len(self.model.pos)]
        new_date = max(self.ctx.today, po.expected + dt.timedelta(days=days))
        call = revise_expected_date(po.id, new_date, "Supplier update", ctx=self.ctx)
        if po.closed:
            with pytest.raises(Conflict):
                await call
            return "refused (closed)"
        await call
        po.expected = new_date
        return None

    async def cancel_po_line(self, line_pick: int, *, queue_before: Any) -> str | None:
        if not self.model.po_lines:
            return "nothing to act on"
        po_line = list(self.model.po_lines.values())[line_pick % len(self.model.po_lines)]
        call = cancel_purchase_order_line(po_line.id, "Discontinued", ctx=self.ctx)
        if po_line.open == 0:
            with pytest.raises(Conflict):
                await call
            return "refused (nothing left)"
        await call
        po_line.cancelled += po_line.open
        po = self.model.pos[po_line.po_id]
        po.closed = all(self.model.po_lines[i].open == 0 for i in po.lines)
        return None

    # -- the promise clock --------------------------------------------------------------------

    async def day_passes(self, *, queue_before: Any) -> str | None:
        """The next store day begins and the clock runs its daily jobs for it (rules 18-20)."""
        today = self.ctx.today + dt.timedelta(days=1)
        self.now = dt.datetime.combine(today, dt.time(0, 5), tzinfo=dt.UTC)
        outcomes = await run_day(today, b.POLICY, now=self.now)
        assert all(o.ran and not o.error for o in outcomes), outcomes
        # Lapsed second delay notices cancel their lines (rule 10): the model follows.
        cancelled = 0
        rows = await OrderLine.all().values("id", "qty_cancelled")
        returned: dict[int, int] = defaultdict(int)
        for row in rows:
            line = self.model.lines[row["id"]]
            quantity = row["qty_cancelled"] - line.cancelled
            if quantity <= 0:
                continue
            cancelled += 1
            from_waiting = min(quantity, line.waiting)
            line.waiting -= from_waiting
            line.allocated -= quantity - from_waiting
            line.cancelled += quantity
            self.model.products[line.product_id].waiting -= from_waiting
            returned[line.product_id] += quantity - from_waiting
        for product_id in sorted(returned):
            self.model.supply(product_id, returned[product_id])
        return f"a day passed ({cancelled} lines cancelled by the clock)"

    # -- shipping ---------------------------------------------------------------------------

    async def ship(self, order_pick: int, mark_now: bool, *, queue_before: Any) -> str | None:
        if not self.model.orders:
            return "nothing to act on"
        order = list(self.model.orders.values())[order_pick % len(self.model.orders)]
        allowed = self.model.shippable(order.id, self.ctx.today)
        if not allowed:
            with pytest.raises(Conflict):
                await create_shipment(order.id, ctx=self.ctx)
            return "refused (nothing ready)"
        shipment = await create_shipment(order.id, ctx=self.ctx)
        contents = dict(
            await ShipmentLine.filter(shipment_id=shipment.id).values_list("line_id", "quantity")
        )
        assert contents == allowed
        self.model.shipments[shipment.id] = MShipment(shipment.id, order.id, contents)
        if mark_now:
            await self.mark_one(self.model.shipments[shipment.id])
            return "created and shipped"
        return None

    async def mark(self, shipment_pick: int, *, queue_before: Any) -> str | None:
        if not self.model.shipments:
            return "nothing to act on"
        shipments = list(self.model.shipments.values())
        return await self.mark_one(shipments[shipment_pick % len(shipments)])

    async def mark_one(self, shipment: MShipment) -> str:
        result = await mark_shipped(shipment.id, "DHL", f"T{shipment.id}", ctx=self.ctx)
        assert result.status == ShipmentStatus.SHIPPED
        if shipment.shipped:  # marking again with the same tracking is a no-op
            return "already shipped"
        shipment.shipped = True
        for line_id, quantity in shipment.lines.items():
            self.model.lines[line_id].allocated -= quantity
            self.model.lines[line_id].shipped += quantity
        return "shipped"


@settings(
    max_examples=60,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],  # explain is slow
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(step, min_size=15, max_size=60))
async def test_random_operations_keep_every_invariant(
    db: str, steps: list[tuple[int, tuple[Any, ...]]]
) -> None:
    run = Run()
    await run.setup()
    await check_invariants(run.ctx.today, run.initial)
    for seconds, action in steps:
        await run.apply(seconds, action)
