"""Races: concurrent writers never oversell, never apply a receipt twice, never lose an update.

These races are only meaningful where writes really run concurrently, which is PostgreSQL
(``TEST_DATABASE_URL=postgres://...``): there each transaction holds its own pooled
connection and the races below really interleave; on PostgreSQL the big races also assert
that many transactions were open at the same moment. On SQLite (one connection, transactions
serialised) they run too and must give the same answers, so neither pass silently skips them.

How the calls run concurrently: every call is an ordinary service call on the session's
Tortoise context, launched together with ``asyncio.gather``. Each service opens its own
transaction, and on PostgreSQL each transaction takes its own connection from the pool for
its whole duration (the test pool holds 60 connections, ``tests/conftest.py``). Separate
Tortoise contexts with a connection each were not an option: 200 connections exceed the
server's ``max_connections`` of 100. Going through the pool is also how the application runs:
at most 60 transactions are open at once and the others wait for a connection, so 60
transactions contend for one product row at the same time, plenty to expose a read-then-write
race. Every race is bounded by a timeout so that a pool deadlock fails instead of hanging.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import random
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Iterator
from typing import Any

import asyncpg
import pytest

from domain import db as domain_db
from domain.catalog.models import Product
from domain.customers.models import Customer
from domain.db import connection, is_postgres
from domain.errors import IdempotencyKeyReused, InsufficientAvailability, InvalidInput
from domain.ledger.models import LedgerEntry
from domain.ordering.changes import CancelRequest, cancel_order_lines, set_order_priority
from domain.ordering.models import Allocation, Order, OrderLine
from domain.ordering.services import LineRequest, OrderRequest, PlacedOrder, place_order
from domain.purchasing.models import PurchaseOrderLine, Receipt, ReceiptLine
from domain.shipping.services import create_shipment, mark_shipped
from domain.supply import purchase_orders as purchasing
from domain.supply.purchase_orders import ReceiptLineRequest, ReceiptResult, receive
from domain.vocabulary import LedgerKind
from tests import builders as b
from tests.domain.builds import test_build_supply as builds
from tests.domain.test_state_machine import check_invariants

pytestmark = pytest.mark.usefixtures("db")

RACE_TIMEOUT = 120  # seconds; a pool deadlock would otherwise hang the session
ROUNDS = 20  # of the small races, each with its own product and orders


@pytest.fixture(autouse=True)
def no_deadlocks(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[BaseException]]:
    """Fail on any deadlock or serialization failure, even one that a retry hid.

    ``with_retries`` retries them, so a client would not notice; but each deadlock costs the
    server's deadlock timeout (a second) and means two services take locks in opposite order.
    """
    seen: list[BaseException] = []
    classify = domain_db.is_transient

    def recording(error: BaseException) -> bool:
        transient = classify(error)
        if transient:
            seen.append(error)
        return transient

    monkeypatch.setattr(domain_db, "is_transient", recording)
    yield seen
    assert not seen, f"{len(seen)} transient errors were retried: {seen[:3]}"


async def race(*calls: Awaitable[Any]) -> list[Any]:
    """Run the calls concurrently; return each one's result or exception."""
    return await asyncio.wait_for(
        asyncio.gather(*calls, return_exceptions=True), timeout=RACE_TIMEOUT
    )


async def after(delay: float, call: Awaitable[Any]) -> Any:
    await asyncio.sleep(delay)
    return await call


def jittered(round_: int, *calls: Awaitable[Any]) -> list[Awaitable[Any]]:
    """Start each call after a few milliseconds, varied per round, to vary interleavings."""
    rng = random.Random(round_)
    return [after(rng.choice([0, 0, 0.001, 0.002, 0.004]), call) for call in calls]


def request(sku: str, number: int, email: str | None = None) -> OrderRequest:
    return OrderRequest(
        email=email or f"racer{number}@example.com",
        name="Racer",
        shipping_address="1 Track Road",
        lines=[LineRequest(sku, 1)],
    )


def outcomes(results: list[Any]) -> Counter[str]:
    return Counter(type(r).__name__ for r in results)


@contextlib.asynccontextmanager
async def open_transactions(database_url: str) -> AsyncIterator[list[int]]:
    """On PostgreSQL, sample how many of the app's transactions are open at once.

    Yields a one-item list that holds the peak when the block ends. The sampler has its own
    connection, outside the pool, so it never waits for one.
    """
    peak = [0]
    if not database_url.startswith(("postgres://", "postgresql://")):
        yield peak
        return
    sampler = await asyncpg.connect(database_url.replace("postgresql://", "postgres://", 1))
    done = asyncio.Event()

    async def sample() -> None:
        while not done.is_set():
            count = await sampler.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND application_name = 'preorder' AND xact_start IS NOT NULL"
            )
            peak[0] = max(peak[0], count)
            await asyncio.sleep(0.002)

    task = asyncio.create_task(sample())
    try:
        yield peak
    finally:
        done.set()
        await task
        await sampler.close()


async def test_concurrent_orders_never_exceed_the_backorder_cap(db: str) -> None:
    """Rule 3: 200 one-unit orders at once, nothing in stock, cap 50: exactly 50 wait."""
    product = await b.product(on_hand=0, cap=50)
    async with open_transactions(db) as peak:
        results = await race(
            *(place_order(request(product.sku, n), ctx=b.ctx()) for n in range(200))
        )
    unexpected = [r for r in results if not isinstance(r, PlacedOrder | InsufficientAvailability)]
    assert not unexpected, unexpected[:3]
    assert outcomes(results) == {"PlacedOrder": 50, "InsufficientAvailability": 150}
    assert {r.available for r in results if isinstance(r, InsufficientAvailability)} == {0}
    refreshed = await Product.get(id=product.id)
    assert (refreshed.on_hand, refreshed.waiting_units) == (0, 50)
    assert await OrderLine.filter(product_id=product.id).count() == 50
    assert await OrderLine.filter(product_id=product.id, qty_waiting=1).count() == 50
    assert await Order.all().count() == 50  # a refused order leaves nothing behind
    assert await LedgerEntry.filter(kind=LedgerKind.BACKORDER_BOOKED).count() == 50
    await check_invariants(b.TODAY, {product.id: 0})
    if is_postgres(connection()):
        assert peak[0] >= 10, f"only {peak[0]} transactions were ever open at once"


async def test_concurrent_orders_never_take_the_same_stock_twice(db: str) -> None:
    """Rule 3: 100 one-unit orders at once for 30 in stock and no backorders: 30 sold."""
    product = await b.product(on_hand=30, cap=0)
    async with open_transactions(db) as peak:
        results = await race(
            *(place_order(request(product.sku, n), ctx=b.ctx()) for n in range(100))
        )
    unexpected = [r for r in results if not isinstance(r, PlacedOrder | InsufficientAvailability)]
    assert not unexpected, unexpected[:3]
    assert outcomes(results) == {"PlacedOrder": 30, "InsufficientAvailability": 70}
    refreshed = await Product.get(id=product.id)
    assert (refreshed.on_hand, refreshed.waiting_units) == (0, 0)
    assert await OrderLine.filter(product_id=product.id, qty_allocated=1).count() == 30
    assert await OrderLine.all().count() == 30
    await check_invariants(b.TODAY, {product.id: 30})
    if is_postgres(connection()):
        assert peak[0] >= 10, f"only {peak[0]} transactions were ever open at once"


async def test_concurrent_two_line_orders_reserved_in_one_statement_never_oversell() -> None:
    """Rule 3 and invariant 7, for the lines of an order reserved together: 40 orders at once
    of 2 of a product with 11 in stock and 1 of one capped at 20 waiting, half of them listing
    the capped one first. Exactly 20 are placed; the 11 in stock go to the first 11 units (one
    line takes the last unit and waits for the other), never more."""
    stocked = await b.product(on_hand=11)
    capped = await b.product(on_hand=0, cap=20)

    def two_lines(n: int) -> OrderRequest:
        lines = [LineRequest(stocked.sku, 2), LineRequest(capped.sku, 1)]
        return OrderRequest(
            f"pair{n}@example.com", "Racer", "1 Track Road", lines[::-1] if n % 2 else lines
        )

    results = await race(*(place_order(two_lines(n), ctx=b.ctx()) for n in range(40)))
    unexpected = [r for r in results if not isinstance(r, PlacedOrder | InsufficientAvailability)]
    assert not unexpected, unexpected[:3]
    assert outcomes(results) == {"PlacedOrder": 20, "InsufficientAvailability": 20}
    first, second = await Product.get(id=stocked.id), await Product.get(id=capped.id)
    assert (first.on_hand, first.waiting_units) == (0, 29)
    assert (second.on_hand, second.waiting_units) == (0, 20)
    lines = await OrderLine.filter(product_id=stocked.id).values_list(
        "qty_allocated", "qty_waiting"
    )
    assert sorted(lines) == sorted([(2, 0)] * 5 + [(1, 1)] + [(0, 2)] * 14)
    await check_invariants(b.TODAY, {stocked.id: 11, capped.id: 0})


async def test_concurrent_first_orders_of_one_new_customer_all_succeed() -> None:
    """Two tabs, one new email: every order is placed, for one customer."""
    product = await b.product(on_hand=100)
    results = await race(
        *(
            place_order(request(product.sku, n, email="Twin@Example.com"), ctx=b.ctx())
            for n in range(20)
        )
    )
    errors = [r for r in results if isinstance(r, Exception)]
    assert outcomes(results) == {"PlacedOrder": 20}, errors[:3]
    assert await Customer.all().count() == 1
    await check_invariants(b.TODAY, {product.id: 100})


@pytest.mark.parametrize("ordered", [100, 5], ids=["part of the order", "all that is expected"])
async def test_concurrent_receipts_with_one_key_are_applied_once(ordered: int) -> None:
    """Rule 6: the same receipt posted ten times at once is applied once, to the queue first;
    the copies that waited for the first are its replays, even when it left nothing expected."""
    supplier = await b.supplier()
    product = await b.product(supplier_=supplier)
    po = await b.purchase_order(supplier, b.TODAY + dt.timedelta(days=5), (product, ordered))
    po_line = await PurchaseOrderLine.get(purchase_order_id=po.id)
    waiting = await b.order((product, 3))
    results = await race(
        *(
            receive(po.id, "dock-7", [ReceiptLineRequest(po_line.id, 5)], ctx=b.ctx())
            for _ in range(10)
        )
    )
    assert all(isinstance(r, ReceiptResult) for r in results), results
    assert sorted(r.applied for r in results) == [False] * 9 + [True]
    assert len({r.receipt_id for r in results}) == 1
    assert {(r.to_queue, r.to_stock) for r in results} == {(3, 2)}
    assert await Receipt.all().count() == 1
    assert (await PurchaseOrderLine.get(id=po_line.id)).quantity_received == 5
    refreshed = await Product.get(id=product.id)
    assert (refreshed.on_hand, refreshed.waiting_units) == (2, 0)
    line = await OrderLine.get(id=waiting.order.lines[0].id)
    assert (line.qty_allocated, line.qty_waiting) == (3, 0)
    await check_invariants(b.TODAY, {product.id: 0})


async def test_one_receipt_key_posted_at_once_for_other_goods_is_applied_once() -> None:
    """One key posted at once for 5 units, for 6, and for 5 on another PO: the first to commit
    is applied, the same goods again are its replays, every other use of the key is refused."""
    supplier = await b.supplier()
    product = await b.product(supplier_=supplier)
    po = await b.purchase_order(supplier, b.TODAY + dt.timedelta(days=5), (product, 100))
    other_po = await b.purchase_order(supplier, b.TODAY + dt.timedelta(days=6), (product, 100))
    po_line = await PurchaseOrderLine.get(purchase_order_id=po.id)
    other_line = await PurchaseOrderLine.get(purchase_order_id=other_po.id)
    waiting = await b.order((product, 3))
    asked = [(po.id, po_line.id, 5), (po.id, po_line.id, 6), (other_po.id, other_line.id, 5)] * 4
    results = await race(
        *(
            receive(po_id, "dock-9", [ReceiptLineRequest(line_id, units)], ctx=b.ctx())
            for po_id, line_id, units in asked
        )
    )
    applied = [r for r in results if isinstance(r, ReceiptResult) and r.applied]
    assert len(applied) == 1, results
    receipt_id = applied[0].receipt_id
    winner = (
        await Receipt.get(id=receipt_id).values_list("purchase_order_id", flat=True),
        *await ReceiptLine.get(receipt_id=receipt_id).values_list("po_line_id", "quantity"),
    )
    for call, result in zip(asked, results, strict=True):
        if call == winner:
            assert isinstance(result, ReceiptResult), result
            assert result.receipt_id == receipt_id
            assert (result.to_queue, result.to_stock) == (3, winner[2] - 3)
        else:
            assert isinstance(result, IdempotencyKeyReused), (call, result)
            assert result.field == "receiptKey"
    assert await Receipt.all().count() == 1
    received = dict(await PurchaseOrderLine.all().values_list("id", "quantity_received"))
    assert received == {po_line.id: 0, other_line.id: 0, winner[1]: winner[2]}
    refreshed = await Product.get(id=product.id)
    assert (refreshed.on_hand, refreshed.waiting_units) == (winner[2] - 3, 0)
    line = await OrderLine.get(id=waiting.order.lines[0].id)
    assert (line.qty_allocated, line.qty_waiting) == (3, 0)
    await check_invariants(b.TODAY, {product.id: 0})


async def test_concurrent_receipts_never_receive_more_than_ordered() -> None:
    """Ten different receipts of 5 against a PO line of 30: six fit, four are refused."""
    supplier = await b.supplier()
    product = await b.product(supplier_=supplier)
    po = await b.purchase_order(supplier, b.TODAY + dt.timedelta(days=5), (product, 30))
    po_line = await PurchaseOrderLine.get(purchase_order_id=po.id)
    results = await race(
        *(
            receive(po.id, f"dock-{n}", [ReceiptLineRequest(po_line.id, 5)], ctx=b.ctx())
            for n in range(10)
        )
    )
    assert outcomes(results) == {"ReceiptResult": 6, "InvalidInput": 4}, results
    assert all(r.applied for r in results if isinstance(r, ReceiptResult))
    assert (await PurchaseOrderLine.get(id=po_line.id)).quantity_received == 30
    assert (await Product.get(id=product.id)).on_hand == 30
    await check_invariants(b.TODAY, {product.id: 0})


async def test_cancel_and_receive_racing_on_one_line_keep_every_invariant() -> None:
    """Rules 6 and 13: a double-submitted partial cancel and a double-posted receipt at once.

    A waits for 5, B behind it for 3. A cancels 2 units twice while a receipt of 4 arrives
    twice (same key). In every serial order the result is the same: the receipt applies
    once, A keeps 1 unit (allocated), B gets its 3, nothing is left in stock. Run in many
    rounds so that the interleavings vary.
    """
    supplier = await b.supplier()
    initial: dict[int, int] = {}
    for round_ in range(ROUNDS):
        product = await b.product(supplier_=supplier)
        initial[product.id] = 0
        po = await b.purchase_order(supplier, b.TODAY + dt.timedelta(days=9), (product, 20))
        po_line = await PurchaseOrderLine.get(purchase_order_id=po.id)
        first = await b.order((product, 5))
        second = await b.order((product, 3), context=b.later(b.ctx(), seconds=1))
        a, b_line = first.order.lines[0].id, second.order.lines[0].id
        now = b.later(b.ctx(), seconds=2)
        key = f"round-{round_}"
        results = await race(
            *jittered(
                round_,
                cancel_order_lines(first.order.id, [CancelRequest(a, 2)], ctx=now),
                receive(po.id, key, [ReceiptLineRequest(po_line.id, 4)], ctx=now),
                cancel_order_lines(first.order.id, [CancelRequest(a, 2)], ctx=now),
                receive(po.id, key, [ReceiptLineRequest(po_line.id, 4)], ctx=now),
            )
        )
        errors = [r for r in results if isinstance(r, BaseException)]
        assert not errors, (round_, errors)
        assert sorted(r.applied for r in results if isinstance(r, ReceiptResult)) == [False, True]
        line_a = await OrderLine.get(id=a)
        line_b = await OrderLine.get(id=b_line)
        assert (line_a.qty_allocated, line_a.qty_waiting, line_a.qty_cancelled) == (1, 0, 4), round_
        assert (line_b.qty_allocated, line_b.qty_waiting) == (3, 0), round_
        refreshed = await Product.get(id=product.id)
        assert (refreshed.on_hand, refreshed.waiting_units) == (0, 0), round_
        await check_invariants(b.TODAY, initial)


async def test_shipping_cancelling_and_receiving_one_line_at_once_lose_no_update() -> None:
    """A parcel leaves while the same line is cancelled in part and filled by a receipt.

    A ordered 5: 2 from stock (packed in a parcel), 3 waiting. At once: the parcel is marked
    shipped, 1 unit is cancelled, 3 units arrive. Every serial order ends the same way: A has
    shipped 2, cancelled 1, holds 2; the spare unit is in stock.
    """
    supplier = await b.supplier()
    initial: dict[int, int] = {}
    for round_ in range(ROUNDS):
        product = await b.product(supplier_=supplier, on_hand=2)
        initial[product.id] = 2
        po = await b.purchase_order(supplier, b.TODAY + dt.timedelta(days=9), (product, 10))
        po_line = await PurchaseOrderLine.get(purchase_order_id=po.id)
        placed = await b.order((product, 5))
        a = placed.order.lines[0].id
        parcel = await create_shipment(placed.order.id, ctx=b.ctx())
        now = b.later(b.ctx(), seconds=1)
        results = await race(
            *jittered(
                round_,
                mark_shipped(parcel.id, "DHL", f"T-{round_}", ctx=now),
                cancel_order_lines(placed.order.id, [CancelRequest(a, 1)], ctx=now),
                receive(po.id, f"r-{round_}", [ReceiptLineRequest(po_line.id, 3)], ctx=now),
            )
        )
        errors = [r for r in results if isinstance(r, BaseException)]
        assert not errors, (round_, errors)
        line = await OrderLine.get(id=a)
        assert (line.qty_allocated, line.qty_waiting, line.qty_shipped, line.qty_cancelled) == (
            2,
            0,
            2,
            1,
        ), round_
        refreshed = await Product.get(id=product.id)
        assert (refreshed.on_hand, refreshed.waiting_units) == (1, 0), round_
        await check_invariants(b.TODAY, initial)


async def test_priority_changes_racing_receipts_and_orders_keep_every_invariant() -> None:
    """Rule 8: staff move an order up while goods arrive and new orders come in.

    Three orders wait for 3 each. At once: the last one is moved to priority 5, 4 units
    arrive, a fourth order for 2 comes in, and the first order is moved down. Which lines get
    the 4 units depends on which runs first; the invariants must hold whatever the order.
    """
    supplier = await b.supplier()
    initial: dict[int, int] = {}
    for round_ in range(ROUNDS):
        product = await b.product(supplier_=supplier)
        initial[product.id] = 0
        po = await b.purchase_order(supplier, b.TODAY + dt.timedelta(days=9), (product, 20))
        po_line = await PurchaseOrderLine.get(purchase_order_id=po.id)
        placed = [
            await b.order((product, 3), context=b.later(b.ctx(), seconds=n)) for n in range(3)
        ]
        now = b.later(b.ctx(), seconds=5)
        results = await race(
            *jittered(
                round_,
                set_order_priority(placed[2].order.id, 5, ctx=now),
                receive(po.id, f"p-{round_}", [ReceiptLineRequest(po_line.id, 4)], ctx=now),
                place_order(request(product.sku, round_), ctx=now),
                set_order_priority(placed[0].order.id, -1, ctx=now),
            )
        )
        errors = [r for r in results if isinstance(r, BaseException)]
        assert not errors, (round_, errors)
        refreshed = await Product.get(id=product.id)
        assert (refreshed.on_hand, refreshed.waiting_units) == (0, 6), round_
        await check_invariants(now.today, initial)


async def test_the_same_line_cancelled_twice_at_once_is_cancelled_once() -> None:
    """A double click on "cancel everything": one succeeds, the other finds nothing left."""
    product = await b.product(on_hand=1)
    placed = await b.order((product, 3))
    behind = await b.order((product, 2), context=b.later(b.ctx(), seconds=1))
    a = placed.order.lines[0].id
    now = b.later(b.ctx(), seconds=2)
    results = await race(
        *(cancel_order_lines(placed.order.id, [CancelRequest(a)], ctx=now) for _ in range(2))
    )
    assert outcomes(results) == {"OrderView": 1, "InvalidInput": 1}, results
    assert isinstance(next(r for r in results if isinstance(r, Exception)), InvalidInput)
    line = await OrderLine.get(id=a)
    assert (line.qty_allocated, line.qty_waiting, line.qty_cancelled) == (0, 0, 3)
    next_in_line = await OrderLine.get(id=behind.order.lines[0].id)
    assert (next_in_line.qty_allocated, next_in_line.qty_waiting) == (1, 1)
    await check_invariants(b.TODAY, {product.id: 1})


@contextlib.asynccontextmanager
async def receipt_paused_after_filling(
    monkeypatch: pytest.MonkeyPatch, po_id: int, po_line_id: int, units: int
) -> AsyncIterator[asyncio.Event]:
    """A receipt that has filled the queue and holds its transaction open until released.

    It pauses where it recomputes ETAs, after the fill and before its commit: the lines
    already changed, uncommitted. On PostgreSQL a concurrent call then runs against exactly
    that state; on SQLite it waits for the transaction to end.
    """
    reached, release = asyncio.Event(), asyncio.Event()
    original = purchasing._recompute

    async def paused(*args: Any, **kwargs: Any) -> Any:
        reached.set()
        await release.wait()
        return await original(*args, **kwargs)

    monkeypatch.setattr(purchasing, "_recompute", paused)
    task = asyncio.create_task(
        receive(po_id, "paused", [ReceiptLineRequest(po_line_id, units)], ctx=b.ctx())
    )
    try:
        await asyncio.wait_for(reached.wait(), timeout=RACE_TIMEOUT)
        yield release
    finally:
        release.set()
        result = await asyncio.wait_for(task, timeout=RACE_TIMEOUT)
        assert result.applied


async def start_and_let_it_block(call: Awaitable[Any]) -> asyncio.Task[Any]:
    task = asyncio.ensure_future(call)
    await asyncio.sleep(0.3)  # it reads, then waits for the receipt's locks
    return task


async def test_a_parcel_leaving_while_a_receipt_fills_its_line_keeps_the_receipts_units(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A ordered 5: 2 in stock, packed; 3 wait. The parcel leaves while 3 units arrive."""
    supplier = await b.supplier()
    product = await b.product(supplier_=supplier, on_hand=2)
    po = await b.purchase_order(supplier, b.TODAY + dt.timedelta(days=9), (product, 10))
    po_line = await PurchaseOrderLine.get(purchase_order_id=po.id)
    placed = await b.order((product, 5))
    parcel = await create_shipment(placed.order.id, ctx=b.ctx())
    async with receipt_paused_after_filling(monkeypatch, po.id, po_line.id, 3) as release:
        shipping = await start_and_let_it_block(mark_shipped(parcel.id, "DHL", "T-1", ctx=b.ctx()))
        release.set()
        await asyncio.wait_for(shipping, timeout=RACE_TIMEOUT)
    line = await OrderLine.get(id=placed.order.lines[0].id)
    assert (line.qty_allocated, line.qty_waiting, line.qty_shipped) == (3, 0, 2)
    await check_invariants(b.TODAY, {product.id: 2})


async def test_a_cancel_racing_a_receipt_reads_the_line_as_the_receipt_left_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A waits for 5, B behind it for 3. A cancels everything while 4 units arrive.

    The receipt gives A 4 units; the cancel must see them, return them to B (3) and stock
    (1), and never answer "the order changed meanwhile" nor write back what it read before.
    """
    supplier = await b.supplier()
    product = await b.product(supplier_=supplier)
    po = await b.purchase_order(supplier, b.TODAY + dt.timedelta(days=9), (product, 10))
    po_line = await PurchaseOrderLine.get(purchase_order_id=po.id)
    first = await b.order((product, 5))
    second = await b.order((product, 3), context=b.later(b.ctx(), seconds=1))
    a = first.order.lines[0].id
    async with receipt_paused_after_filling(monkeypatch, po.id, po_line.id, 4) as release:
        cancelling = await start_and_let_it_block(
            cancel_order_lines(first.order.id, [CancelRequest(a)], ctx=b.ctx())
        )
        release.set()
        await asyncio.wait_for(cancelling, timeout=RACE_TIMEOUT)
    line_a = await OrderLine.get(id=a)
    assert (line_a.qty_allocated, line_a.qty_waiting, line_a.qty_cancelled) == (0, 0, 5)
    line_b = await OrderLine.get(id=second.order.lines[0].id)
    assert (line_b.qty_allocated, line_b.qty_waiting) == (3, 0)
    refreshed = await Product.get(id=product.id)
    assert (refreshed.on_hand, refreshed.waiting_units) == (1, 0)
    await check_invariants(b.TODAY, {product.id: 0})


async def test_build_units_racing_a_cancelled_build_each_reach_only_their_own_build() -> None:
    """Bea's unit arrives while Bea cancels, and Ada's arrives at once: whatever the order,
    Bea's unit ends in stock and Ada's line holds Ada's unit, never Bea's."""
    for round_ in range(ROUNDS // 2):
        motorcycle, ada, bea = await builds.two_builds()
        for_bea, for_ada = (
            await builds.made_for(motorcycle, bea),
            await builds.made_for(motorcycle, ada),
        )
        outcomes = await race(
            *jittered(
                round_,
                b.receipt(for_bea, 1),
                b.receipt(for_ada, 1),
                cancel_order_lines(bea.order_id, [CancelRequest(bea.id)], ctx=b.ctx()),  # type: ignore[attr-defined]
            )
        )
        assert not [o for o in outcomes if isinstance(o, BaseException)], outcomes
        assert await builds.quantities(bea) == (0, 0, 1)
        assert await builds.quantities(ada) == (0, 1, 0)
        held = await Allocation.filter(line_id=ada.id).values_list("receipt_id", flat=True)
        assert held == [outcomes[1].receipt_id]
        product = await Product.get(id=motorcycle.id)
        assert (product.on_hand, product.waiting_units) == (1, 0)
