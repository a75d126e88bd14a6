"""``/metrics``: what the service is doing, in Prometheus' format, for the addresses named in
METRICS_ALLOW_IPS only; counted across every web process of ``preorder serve --workers``."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from app import create_app
from domain.clock.runner import run_day
from domain.outbox.models import OutboxMessage
from domain.vocabulary import OutboxStatus
from ops.requests import OPERATIONS
from settings import Settings
from tests import builders as b
from tests.conftest import on_postgres
from tests.outage import database_down
from tests.serving import access_lines, free_port, isolated_env, logged, serving

pytestmark = pytest.mark.usefixtures("db")

SETTINGS = Settings(
    database_url="sqlite://:memory:", secret_key="test-secret", metrics_allow_ips="127.0.0.1"
)


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def total(found: dict, name: str, **labels: str) -> float:
    return sum(
        value
        for (sample, sample_labels), value in found.items()
        if sample == name and set(labels.items()) <= set(sample_labels)
    )


@pytest.fixture
async def app_client() -> AsyncIterator[httpx.AsyncClient]:
    OPERATIONS.known.clear()  # the process's operation labels: other tests' names freed
    app = create_app(SETTINGS, manage_database=False)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 5000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def test_metrics_are_not_found_by_an_address_not_named() -> None:
    app = create_app(SETTINGS, manage_database=False)
    for client in (("203.0.113.9", 5000), ("127.0.0.2", 5000)):
        transport = httpx.ASGITransport(app=app, client=client)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as outsider:
            response = await outsider.get("/metrics")
        assert response.status_code == 404
        assert "preorder" not in response.text


async def test_metrics_count_requests_by_route_operation_and_status(
    app_client: httpx.AsyncClient,
) -> None:
    before = samples((await app_client.get("/metrics")).text)
    query = {"query": "query Shelf { products(first: 1) { nodes { sku } } }"}
    await app_client.post("/graphql", json={**query, "operationName": "Shelf"})
    await app_client.get("/healthz")
    await app_client.get("/no-such-page-at-all")
    after = samples((await app_client.get("/metrics")).text)
    name = "preorder_http_requests_total"

    def grew(**labels: str) -> float:
        return total(after, name, **labels) - total(before, name, **labels)

    assert grew(route="/graphql", operation="Shelf", status="200") == 1
    assert grew(route="/healthz", status="200") == 1
    assert grew(status="404") == 1
    latency = "preorder_http_request_duration_seconds_count"
    assert total(after, latency, operation="Shelf") - total(before, latency, operation="Shelf") == 1


async def test_metrics_tell_outbox_depth_age_dead_letters_and_clock_runs(
    app_client: httpx.AsyncClient,
) -> None:
    product = await b.product(on_hand=1)
    for _ in range(3):
        await b.order((product, 1))
    an_hour_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    await OutboxMessage.all().update(created_at=an_hour_ago)
    dead = await OutboxMessage.first()
    assert dead is not None
    await OutboxMessage.filter(id=dead.id).update(status=OutboxStatus.DEAD)
    await run_day(b.TODAY, b.POLICY)
    found = samples((await app_client.get("/metrics")).text)
    assert found[("preorder_database_up", ())] == 1
    assert total(found, "preorder_outbox_pending", kind="order_confirmation") == 2
    assert total(found, "preorder_outbox_dead", kind="order_confirmation") == 1
    age = total(found, "preorder_outbox_oldest_pending_age_seconds", kind="order_confirmation")
    assert 3500 < age < 4000
    assert total(found, "preorder_clock_runs_total", job="review_etas") == 1
    assert ("preorder_clock_last_run_duration_seconds", (("job", "review_etas"),)) in found


async def test_every_web_process_is_counted_and_its_pool_shown(db: str, tmp_path: Path) -> None:
    if not on_postgres():
        pytest.skip("several web processes are a PostgreSQL topology (SQLite serves one)")
    port = free_port()
    env = isolated_env(
        tmp_path,
        DATABASE_URL=db,
        PORT=str(port),
        MAIL_SENDER="worker",
        CLOCK="process",
        DB_POOL_SIZE="3",
        METRICS_ALLOW_IPS="127.0.0.1",
    )
    async with serving(tmp_path, env, port, args=["--workers", "2"]) as base:
        fresh = httpx.Limits(max_keepalive_connections=0)  # each request may meet either process
        async with httpx.AsyncClient(limits=fresh) as client:
            for _ in range(200):
                assert (await client.get(f"{base}/healthz")).status_code == 200
            scrapes = [samples((await client.get(f"{base}/metrics")).text) for _ in range(6)]
            counted = total(scrapes[-1], "preorder_http_requests_total", route="/healthz")
            lines = await logged(
                tmp_path / "server.log",
                lambda found: sum(line["route"] == "/healthz" for line in found) >= counted,
            )
            killed = await _kill_one_web_process(client, base, tmp_path / "server.log")
            after_kill = [samples((await client.get(f"{base}/metrics")).text) for _ in range(6)]
    assert len({line["pid"] for line in lines}) == 2, "both web processes answered"
    answered = sum(line["route"] == "/healthz" for line in lines)  # ours and the start-up probe
    assert answered >= 200
    for found in scrapes:
        assert total(found, "preorder_http_requests_total", route="/healthz") == answered
        assert total(found, "preorder_db_pool_connections", state="max") == 6
    # A process killed and restarted: its requests still count, its pool no longer does.
    assert killed in {line["pid"] for line in lines}
    for found in after_kill:
        assert total(found, "preorder_http_requests_total", route="/healthz") >= answered
        assert total(found, "preorder_db_pool_connections", state="max") <= 6


async def _kill_one_web_process(client: httpx.AsyncClient, base: str, log: Path) -> int:
    """SIGKILL one web process; uvicorn starts another. Returns the killed pid."""
    victim = access_lines(log)[-1]["pid"]
    os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + 60
    while True:
        assert time.monotonic() < deadline, "no new web process answered"
        try:
            await client.get(f"{base}/healthz")
        except httpx.TransportError:
            pass
        pids = {line["pid"] for line in access_lines(log)}
        if len(pids) >= 3:
            return victim
        await asyncio.sleep(0.2)


async def test_operation_names_from_clients_cannot_grow_the_metrics_without_bound(
    app_client: httpx.AsyncClient,
) -> None:
    """Clients choose operation names: a process keeps 100 as labels, the rest are "other";
    a name that is not a plain GraphQL name (10 kB, non-ASCII) is "anonymous"."""
    query = "query Q { products(first: 1) { nodes { sku } } }"
    for index in range(110):
        await app_client.post("/graphql", json={"query": query, "operationName": f"Op{index}"})
    for hostile in ("x" * 10_000, "Заказ", "a b"):
        await app_client.post("/graphql", json={"query": query, "operationName": hostile})
    found = samples((await app_client.get("/metrics")).text)
    operations = {
        dict(labels).get("operation")
        for (name, labels) in found
        if name == "preorder_http_requests_total" and dict(labels).get("route") == "/graphql"
    }
    assert {op for op in operations if op and op.startswith("Op")} == {f"Op{n}" for n in range(100)}
    assert "other" in operations and "anonymous" in operations
    assert not any(op and len(op) > 64 for op in operations)


async def test_metrics_answer_while_the_database_is_down_and_say_so(
    app_client: httpx.AsyncClient, tmp_path: Path
) -> None:
    async with database_down(tmp_path):
        response = await app_client.get("/metrics")
    assert response.status_code == 200
    found = samples(response.text)
    assert found[("preorder_database_up", ())] == 0
    assert "preorder_http_requests_total" in response.text


def test_the_pool_gauges_follow_every_change_of_the_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    """The gauges are written only when a figure changed: each change still shows."""
    from domain.staff.operations import PoolUse
    from ops import metrics

    def gauges() -> dict[str, float]:
        return {
            state: metrics.POOL.labels(state)._value.get()  # type: ignore[attr-defined]
            for state in ("in_use", "idle", "max")
        }

    for size, idle in ((4, 1), (4, 1), (5, 5), (2, 0), (5, 5)):
        monkeypatch.setattr(metrics, "pool_use", lambda s=size, i=idle: PoolUse(s, i, 8))
        metrics.record_pool()
        assert gauges() == {"in_use": size - idle, "idle": idle, "max": 8}


async def test_requests_read_the_pool_at_most_once_an_interval_and_settle_on_its_last_state(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Requests ask for the pool gauges; the pool is read at once, then at most once per
    interval: a change within the interval shows at its end, though no request follows.
    Only this recorder's reads are counted: the process's own recorder may still settle what
    an earlier test's requests asked for."""
    from domain.staff.operations import PoolUse
    from ops import metrics

    reads: list[PoolUse] = []
    pool = [PoolUse(4, 1, 8)]

    class CountedRecorder(metrics._PoolRecorder):
        def record(self, now: float) -> None:
            reads.append(pool[0])
            super().record(now)

    def in_use() -> float:
        return metrics.POOL.labels("in_use")._value.get()  # type: ignore[attr-defined,no-any-return]

    monkeypatch.setattr(metrics, "pool_use", lambda: pool[0])
    monkeypatch.setattr(metrics, "POOL_INTERVAL_SECONDS", 0.2)
    recorder = CountedRecorder()
    recorder.soon()
    assert in_use() == 3 and len(reads) == 1
    pool[0] = PoolUse(6, 1, 8)
    for _ in range(100):  # a burst of requests within the interval
        recorder.soon()
    assert in_use() == 3 and len(reads) == 1
    await asyncio.sleep(0.3)
    assert in_use() == 5 and len(reads) == 2  # the last state, read once after the burst
    await asyncio.sleep(0.3)
    assert len(reads) == 2  # nothing asked, nothing read
    recorder.soon()
    assert len(reads) == 3
