"""The production topology, started as it is run: ``preorder serve --workers 2`` (two web
processes on one port), one ``preorder worker`` sending through a real SMTP server on
loopback, one ``preorder clock``, all on a fresh PostgreSQL database.

The journey: orders placed on both web processes, a supplier's date change for the purchase
order they wait on, every email sent exactly once (the request ids of the orders on them), and
the clock's daily run done exactly once while the web processes leave it to the clock.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import datetime as dt
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from domain.clock.jobs import DAILY
from tests.conftest import TEST_DATABASE_URL, _create_pg_database, _drop_pg_database, on_postgres
from tests.domain.notifications.conftest import SmtpServer
from tests.serving import ROOT, access_lines, free_port, isolated_env, logged, serving

pytestmark = pytest.mark.skipif(
    not on_postgres(),
    reason="the production topology is several processes on PostgreSQL (SQLite serves one)",
)

PLACE = """mutation PlaceOrder($input: PlaceOrderInput!) {
  placeOrder(input: $input) { order { number } errors { code message } } }"""
MOVE = """mutation MoveDate($input: UpdatePurchaseOrderExpectedDateInput!) {
  updatePurchaseOrderExpectedDate(input: $input) { errors { code message } } }"""
SKU = "AC-SPLIT-12"  # the demo store's air conditioner, backordered against purchase orders


@pytest.fixture
async def fresh_database() -> AsyncIterator[str]:
    url = await _create_pg_database(TEST_DATABASE_URL)
    try:
        yield url
    finally:
        await _drop_pg_database(TEST_DATABASE_URL, url)


@contextlib.contextmanager
def process(
    name: str, command: list[str], env: dict[str, str], tmp_path: Path
) -> Iterator[subprocess.Popen[bytes]]:
    log = tmp_path / f"{name}.log"
    with open(log, "w") as out:
        child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        yield child
        assert child.poll() is None, f"{name} ended: {log.read_text()[-3000:]}"
    finally:
        child.terminate()
        try:
            child.wait(timeout=20)
        except subprocess.TimeoutExpired:
            child.kill()


async def eventually(check, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.2)


def staff_token(env: dict[str, str]) -> str:
    made = subprocess.run(
        [sys.executable, "cli.py", "token", "create", "--name", "topology", "--scopes", "etas"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return made.stdout.strip().splitlines()[-1]


async def test_two_web_processes_a_worker_and_a_clock_serve_one_journey(
    fresh_database: str, smtp: SmtpServer, tmp_path: Path
) -> None:
    port = free_port()
    env = isolated_env(
        tmp_path,
        DATABASE_URL=fresh_database,
        PORT=str(port),
        SECRET_KEY="topology-secret",
        MAIL_SENDER="worker",  # only the worker sends
        CLOCK="process",  # only the clock runs the daily jobs
        CLOCK_POLL_SECONDS="0.5",
        DB_POOL_SIZE="4",
        SMTP_URL=f"smtp://127.0.0.1:{smtp.port}",
        MAIL_POLL_SECONDS="0.2",
        MAIL_FROM="orders@shop.example",
        RATE_LIMIT_PLACE_ORDER_CLIENT="off",
        METRICS_ALLOW_IPS="127.0.0.1",
    )
    async with serving(tmp_path, env, port, args=["--workers", "2"]) as base:
        token = staff_token(env)
        with (
            process("worker", [sys.executable, "cli.py", "worker"], env, tmp_path),
            process("clock", [sys.executable, "cli.py", "clock"], env, tmp_path) as clock,
        ):
            runs = await _journey(base, fresh_database, token, tmp_path, smtp)
    # The daily run: each job once, by the clock process (not by a web process).
    assert Counter(run["job"] for run in runs) == {job.name: 1 for job in DAILY}
    assert {run["runner"].rsplit(":", 1)[1] for run in runs} == {str(clock.pid)}


async def _journey(
    base: str, url: str, token: str, tmp_path: Path, smtp: SmtpServer
) -> list[asyncpg.Record]:
    """The journey, its emails checked; the clock's runs of the day, for the caller to check."""
    # Orders until both web processes have taken some (each on a new connection).
    numbers: dict[str, str] = {}  # request id: order number
    fresh = httpx.Limits(max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=base, limits=fresh, timeout=30) as client:
        for index in range(60):
            request_id = f"journey-order-{index}"
            response = await client.post(
                "/graphql",
                json={
                    "query": PLACE,
                    "operationName": "PlaceOrder",
                    "variables": {
                        "input": {
                            "email": f"buyer{index}@example.com",
                            "name": "Topology Buyer",
                            "shippingAddress": "1 Loop Road\nLocalhost",
                            "lines": [{"sku": SKU, "quantity": 1}],
                        }
                    },
                },
                headers={"X-Request-Id": request_id},
            )
            payload = response.json()["data"]["placeOrder"]
            assert payload["errors"] == [], payload
            numbers[request_id] = payload["order"]["number"]
            pids = {line["pid"] for line in _placed(access_lines(tmp_path / "server.log"))}
            if index >= 5 and len(pids) == 2:
                break
        await logged(  # orders on both processes
            tmp_path / "server.log", lambda lines: len({x["pid"] for x in _placed(lines)}) == 2
        )

        conn = await asyncpg.connect(url.replace("postgresql://", "postgres://", 1))
        try:
            pegged = await conn.fetch(
                "SELECT pl.purchase_order_id AS po, po.expected_date AS expected"
                " FROM order_line l JOIN customer_order o ON o.id = l.order_id"
                " JOIN purchase_order_line pl ON pl.id = l.pegged_po_line_id"
                " JOIN purchase_order po ON po.id = pl.purchase_order_id"
                " WHERE o.number = ANY($1::text[])",
                list(numbers.values()),
            )
            assert pegged, "the new orders wait on a purchase order"
            po, expected = Counter((r["po"], r["expected"]) for r in pegged).most_common(1)[0][0]
            po_id = base64.b64encode(f"PurchaseOrder:{po}".encode()).decode()
            moved = await client.post(
                "/graphql",
                json={
                    "query": MOVE,
                    "variables": {
                        "input": {
                            "purchaseOrderId": po_id,
                            "expectedDate": (expected + dt.timedelta(days=21)).isoformat(),
                            "reason": "The supplier's ship was delayed",
                        }
                    },
                },
                headers={"Authorization": f"Bearer {token}", "X-Request-Id": "journey-po-move"},
            )
            assert moved.json()["data"]["updatePurchaseOrderExpectedDate"]["errors"] == []

            async def all_sent() -> bool:
                pending = await conn.fetchval(
                    "SELECT COUNT(*) FROM outbox_message WHERE status = 'pending'"
                )
                return bool(pending == 0)

            await eventually(all_sent)
            rows = await conn.fetch("SELECT message_id, status, request_id FROM outbox_message")
            today = await _clock_day(conn)
            await eventually(lambda: _ran_all(conn, today))
            await asyncio.sleep(1.5)  # three more polls of the clock: nothing runs twice
            runs = await conn.fetch(
                "SELECT job, period, runner FROM job_run WHERE period = $1", today
            )
        finally:
            await conn.close()

    # Every email exactly once: one SMTP delivery per outbox row, none twice.
    sent = [row for row in rows if row["status"] == "sent"]
    received = Counter(str(r.message["Message-ID"]) for r in smtp.inbox.received)
    assert len(smtp.inbox.received) == len(sent) and max(received.values()) == 1
    assert {f"<{row['message_id']}@" for row in sent} == {m.split("@")[0] + "@" for m in received}
    ids = {str(r.message["X-Request-Id"]) for r in smtp.inbox.received}
    assert set(numbers) <= ids, "each confirmation carries the id of the request that placed it"
    assert "journey-po-move" in ids, "the date change's emails carry its request id"
    return runs


def _placed(lines: list[dict]) -> list[dict]:
    return [x for x in lines if x.get("operation") == "PlaceOrder" and x["status"] == 200]


async def _clock_day(conn: asyncpg.Connection) -> str:
    """The store day the clock runs: the period of its newest run."""

    async def some_run() -> bool:
        return bool(await conn.fetchval("SELECT COUNT(*) FROM job_run"))

    await eventually(some_run)
    return str(await conn.fetchval("SELECT MAX(period) FROM job_run"))


async def _ran_all(conn: asyncpg.Connection, day: str) -> bool:
    done = await conn.fetchval("SELECT COUNT(DISTINCT job) FROM job_run WHERE period = $1", day)
    return bool(done == len(DAILY))
