"""``preorder bench-webhooks``: deliveries per second to a local receiver, and the cost of the
events of a PO date change that moves 20,000 lines.

(a) Deliveries: ``--deliveries`` rows of ``order.placed`` (each of another order) wait for one
    subscription whose receiver (uvicorn, answering 204) runs in a process of its own on
    127.0.0.1. The sender's figure covers everything: claiming with a lease, building and
    signing each body, resolving and checking the target, POSTing, reading the answer, and
    recording each row as sent. Beside it a FLOOR measured in the same run against the same
    receiver: a bare httpx loop POSTing the very same bytes and headers, with as many requests
    in flight as the sender may have to one target (``per_target``), and nothing else to do.
    They alternate three times (rows reset to pending between rounds); medians. Target: at
    least 60% of the floor.
(b) Fan-out: the store of ``preorder bench`` (``bench/core.py``) with a hot queue of ``--lines``
    lines pegged to one PO; ``revise_expected_date`` of that PO with no subscription, then with
    one subscription to every event (one delivery per moved line, per delay notice and for the
    PO), alternating three times, state restored between runs. Target on PostgreSQL: the events
    (the difference of the medians) take under 2 s.

Its database is dropped and recreated: the name must contain "bench"::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/preorder_bench_webhooks preorder bench-webhooks
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
from tortoise import Tortoise

from bench.core import (
    HOT_PO,
    Scale,
    _guard,
    build_store,
    measured_revise,
    recreate_database,
    restore,
    take_snapshot,
)
from domain.context import Actor, Context
from domain.db import connection, execute, fetch, is_postgres, tortoise_config
from domain.migrate import migrate
from domain.rows import as_date
from domain.webhooks.config import WebhookConfig
from domain.webhooks.emit import Event, emit
from domain.webhooks.events import EVENTS, body
from domain.webhooks.models import WebhookDelivery, WebhookSubscription
from domain.webhooks.sender import WebhookSender
from domain.webhooks.services import subscribe
from domain.webhooks.signing import headers
from settings import Settings

TARGET = 0.60
FANOUT_TARGET = 2.0  # seconds, PostgreSQL
ROUNDS = 3


def sink(port: int) -> None:
    """The receiver of the benchmark: takes every POST, answers 204."""
    import uvicorn

    async def app(scope: dict, receive, send) -> None:  # type: ignore[no-untyped-def]
        if scope["type"] != "http":
            return
        while (await receive()).get("more_body"):
            pass
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="error", lifespan="off")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _ctx(settings: Settings) -> Context:
    return Context(Actor("staff", "bench"), dt.datetime.now(dt.UTC), settings.policy)


SAMPLE = {
    "orderId": 1,
    "number": "R0000000",
    "shipPreference": "ship_when_ready",
    "lines": [
        {
            "lineId": 1,
            "productId": 1,
            "sku": "AC-9000",
            "quantity": 2,
            "allocated": 1,
            "waiting": 1,
            "eta": {"earliest": "2027-05-02", "latest": "2027-05-05", "basis": "purchase_order"},
        }
    ],
}


async def _queue(settings: Settings, count: int, subscription_id: int) -> None:
    ctx = _ctx(settings)
    events = [
        Event(dict(SAMPLE, orderId=i, number=f"R{i:07d}"), f"order:{i}") for i in range(count)
    ]
    for start in range(0, count, 500):
        await emit(connection(), ctx, "order.placed", events[start : start + 500])
    assert await WebhookDelivery.filter(subscription_id=subscription_id).count() == count


async def _reset() -> None:
    await execute(
        connection(),
        "UPDATE webhook_delivery SET status = 'pending', attempts = 0, lease_until = NULL,"
        " sent_at = NULL",
    )
    if is_postgres():
        await connection().execute_script("VACUUM ANALYZE webhook_delivery")


async def _floor(config: WebhookConfig, url: str, secret: str) -> tuple[float, int]:
    rows = await WebhookDelivery.all().order_by("id")
    requests = [(row.webhook_id, body(row.event, row.payload, row.created_at)) for row in rows]
    queue: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue()
    for item in requests:
        queue.put_nowait(item)
    ok = 0
    async with httpx.AsyncClient(
        timeout=config.timeout, trust_env=False, limits=httpx.Limits(max_connections=4)
    ) as client:

        async def worker() -> None:
            nonlocal ok
            while not queue.empty():
                webhook_id, content = queue.get_nowait()
                sent = headers(secret, webhook_id, int(time.time()), content)
                response = await client.post(url, content=content, headers=sent)
                ok += response.status_code < 300

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(config.per_target)))
        took = time.perf_counter() - began
    return len(requests) / took, ok


async def _measured(config: WebhookConfig) -> tuple[float, int]:
    began = time.perf_counter()
    stats = await WebhookSender(config).run(until_idle=True)
    return stats.sent / (time.perf_counter() - began), stats.sent


async def bench_deliveries(settings: Settings, count: int, port: int) -> bool:
    url = f"http://127.0.0.1:{port}/hook"
    made = await subscribe(url, ["order.placed"], ctx=_ctx(settings), production=False)
    await _queue(settings, count, made.subscription.id)
    config = dataclasses.replace(settings.webhooks, poll_interval=0.001, production=False)
    ratios, floors, measured = [], [], []
    for round_ in range(1, ROUNDS + 1):
        await _reset()
        floor_rate, ok = await _floor(config, url, made.secret)
        await _reset()
        rate, sent = await _measured(config)
        floors.append(floor_rate)
        measured.append(rate)
        ratios.append(rate / floor_rate)
        print(
            f"  round {round_}: floor {floor_rate:6.0f}/s ({ok} ok)   sender {rate:6.0f}/s"
            f" ({sent} sent)   {ratios[-1]:.0%}",
            flush=True,
        )
    ratio = statistics.median(ratios)
    print(
        f"  median: sender {statistics.median(measured):.0f} deliveries/s, floor"
        f" {statistics.median(floors):.0f}/s; sender/floor {ratio:.0%} (target {TARGET:.0%})"
        f" {'OK' if ratio >= TARGET else 'MISSED'}",
        flush=True,
    )
    await WebhookDelivery.all().delete()
    await WebhookSubscription.all().delete()
    return ratio >= TARGET


async def bench_fanout(settings: Settings, lines: int, port: int) -> bool:
    scale = Scale(products=max(20, lines // 100), suppliers=20, orders=5 * lines)
    t0 = time.perf_counter()
    await build_store(scale, settings.policy)
    if is_postgres():
        await connection().execute_script("VACUUM ANALYZE")
    print(f"  store built in {time.perf_counter() - t0:.1f} s", flush=True)
    snapshot = await take_snapshot()
    po_date = as_date(
        (
            await fetch(
                connection(), "SELECT expected_date FROM purchase_order WHERE id = ?", [HOT_PO]
            )
        )[0]["expected_date"]
    )
    assert po_date is not None
    new_date = po_date + dt.timedelta(days=14)
    made = await subscribe(
        f"http://127.0.0.1:{port}/hook", list(EVENTS), ctx=_ctx(settings), production=False
    )
    without: list[float] = []
    with_: list[float] = []
    deliveries = 0
    for _ in range(ROUNDS):
        for active, times in ((False, without), (True, with_)):
            await WebhookSubscription.filter(id=made.subscription.id).update(active=active)
            began = time.perf_counter()
            outcome = await measured_revise(settings.policy, new_date)
            times.append(time.perf_counter() - began)
            if active:
                deliveries = await WebhookDelivery.all().count()
            await WebhookDelivery.all().delete()
            await restore(snapshot)
            if is_postgres():
                await connection().execute_script("VACUUM ANALYZE order_line, eta_change")
    took = statistics.median(with_)
    bare = statistics.median(without)
    events = took - bare
    ok = events < FANOUT_TARGET or not is_postgres()
    print(
        f"  revise_expected_date moving {outcome.lines_moved:,} lines: {bare:.2f} s without"
        f" subscriptions, {took:.2f} s with one to every event ({deliveries:,} deliveries"
        f" written): the events take {events:.2f} s; target under {FANOUT_TARGET:.0f} s on"
        f" PostgreSQL {'OK' if ok else 'MISSED'}",
        flush=True,
    )
    return ok


async def run(settings: Settings, *, deliveries: int = 2000, lines: int = 20_000) -> int:
    url = settings.database_url
    refusal = _guard(url)
    if refusal:
        print(f"preorder bench-webhooks: {refusal}")
        return 2
    port = _free_port()
    receiver = subprocess.Popen(
        [sys.executable, "-m", "bench.webhooks", "--sink", str(port)],
        cwd=Path(__file__).resolve().parent.parent,
    )
    try:
        for _ in range(200):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.1):
                    break
            except OSError:
                await asyncio.sleep(0.05)
        await recreate_database(url)
        await migrate(url)
        await Tortoise.init(
            config=tortoise_config(url, pool_size=8, statement_timeout_ms=600_000),
            _enable_global_fallback=True,
        )
        try:
            kind = "PostgreSQL" if is_postgres() else "SQLite"
            print(f"(a) {deliveries:,} deliveries to a receiver on 127.0.0.1 ({kind}):", flush=True)
            a = await bench_deliveries(settings, deliveries, port)
            print(f"(b) a PO date change moving {lines:,} lines ({kind}):", flush=True)
            b = await bench_fanout(settings, lines, port)
        finally:
            await Tortoise.close_connections()
    finally:
        receiver.terminate()
        receiver.wait(timeout=10)
    return 0 if a and b else 1


if __name__ == "__main__":
    if sys.argv[1:2] == ["--sink"]:
        sink(int(sys.argv[2]))
