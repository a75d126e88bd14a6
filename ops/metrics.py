"""``/metrics`` in Prometheus' text format, counted across every web process.

Under ``preorder serve --workers N`` each process writes its counters into files in
``PROMETHEUS_MULTIPROC_DIR`` (set by ``serve`` before any process imports prometheus-client),
and a scrape of any one process sums them: a fresh registry with a ``MultiProcessCollector``
per scrape (STACK.md, "prometheus-client under uvicorn --workers"). Without that directory (an
app built in a test) the process's own registry answers.

Outbox, dead letters and clock figures are read from the database at the scrape: they are the
work of other processes (``preorder worker``, ``preorder clock``) too.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import re
import time
from pathlib import Path
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from domain.staff.operations import clock_figures, outbox_figures, pool_use
from ops.addresses import Network, allowed, parse_networks

log = logging.getLogger("preorder.metrics")
MULTIPROCESS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"  # read by prometheus-client at import

REQUESTS = Counter(
    "preorder_http_requests",
    "HTTP requests answered, by route (or GraphQL operation) and status",
    ["route", "operation", "status"],
)
LATENCY = Histogram(
    "preorder_http_request_duration_seconds",
    "Time to answer an HTTP request, by route and GraphQL operation",
    ["route", "operation"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
POOL = Gauge(
    "preorder_db_pool_connections",
    "PostgreSQL connections of the web processes' pools, by state",
    ["state"],
    multiprocess_mode="livesum",
)


_POOL_STATES = (POOL.labels("in_use"), POOL.labels("idle"), POOL.labels("max"))
_pool_seen: list[float | None] = [None, None, None]


def record_pool() -> None:
    """This process's pool, summed over live processes, read now (at a scrape, and by
    ``record_pool_soon``). A gauge is written only when its figure changed (under multi-process
    mode each write goes through a lock into the process's file)."""
    use = pool_use()
    if use is None:
        return
    for index, value in enumerate((use.in_use, use.idle, use.max_size)):
        if _pool_seen[index] != value:
            _POOL_STATES[index].set(value)
            _pool_seen[index] = value


POOL_INTERVAL_SECONDS = 0.25


class _PoolRecorder:
    """Reading the pool costs a few microseconds (the ORM's connection lookup, then a pass over
    the pool's holders), which was several per cent of a small request. Requests ask for it at
    most once per interval; one asked for within an interval is done at its end, so the gauges
    always settle on the pool as it was at most one interval after the last request."""

    def __init__(self) -> None:
        self.next_at = 0.0
        self.pending = False

    def soon(self) -> None:
        now = time.monotonic()
        if now >= self.next_at:
            self.record(now)
            return
        if self.pending:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop (a synchronous caller): now rather than never
            self.record(now)
            return
        self.pending = True
        loop.call_later(self.next_at - now, self.trailing)

    def trailing(self) -> None:
        self.record(time.monotonic())

    def record(self, now: float) -> None:
        # A trailing call lost with its loop (a test's loop closed) is forgotten here: the
        # next one is scheduled again. Two in flight at once only read the pool twice.
        self.next_at = now + POOL_INTERVAL_SECONDS
        self.pending = False
        record_pool()


_pool_recorder = _PoolRecorder()
record_pool_soon = _pool_recorder.soon  # called at the end of every request


_request_metrics: dict[tuple[str, str, str], tuple[Any, Any]] = {}


def count_request(route: str, operation: str, status: str, seconds: float) -> None:
    """One request answered: its count and its latency. The labelled children are looked up
    once per label set (a route, a bounded operation label, a status), not on every request."""
    key = (route, operation, status)
    children = _request_metrics.get(key)
    if children is None:
        children = (REQUESTS.labels(route, operation, status), LATENCY.labels(route, operation))
        _request_metrics[key] = children
    children[0].inc()
    children[1].observe(seconds)


_LIVE_GAUGE = re.compile(r"gauge_live\w*_(\d+)\.db")


def sweep_dead_processes(directory: str) -> None:
    """A worker killed and restarted by uvicorn is never marked dead: its live gauges would be
    summed forever. Counter files of dead processes stay; they are part of the totals."""
    for file in Path(directory).glob("gauge_live*_*.db"):
        found = _LIVE_GAUGE.fullmatch(file.name)
        if found and not Path(f"/proc/{found.group(1)}").exists():
            mark_process_dead(int(found.group(1)), directory)


class _Figures:
    """The database's figures, read before the (synchronous) collection."""

    def __init__(self, metrics: list[Metric]) -> None:
        self.metrics = metrics

    def collect(self) -> list[Metric]:
        return self.metrics


async def database_figures() -> list[Metric]:
    up = GaugeMetricFamily("preorder_database_up", "Whether the scrape could read the database")
    pending = GaugeMetricFamily(
        "preorder_outbox_pending", "Emails waiting in the outbox, by kind", labels=["kind"]
    )
    age = GaugeMetricFamily(
        "preorder_outbox_oldest_pending_age_seconds",
        "Age of the oldest email waiting in the outbox, by kind",
        labels=["kind"],
    )
    dead = GaugeMetricFamily(
        "preorder_outbox_dead", "Emails given up on (dead letters), by kind", labels=["kind"]
    )
    runs = CounterMetricFamily(
        "preorder_clock_runs", "Scheduled job runs done, by job (job_run)", labels=["job"]
    )
    duration = GaugeMetricFamily(
        "preorder_clock_last_run_duration_seconds",
        "Duration of each job's last run",
        labels=["job"],
    )
    finished = GaugeMetricFamily(
        "preorder_clock_last_run_finished_timestamp_seconds",
        "When each job's last run finished (Unix time)",
        labels=["job"],
    )
    try:
        outbox = await outbox_figures(dt.datetime.now(dt.UTC))
        clock = await clock_figures()
    except Exception as error:  # noqa: BLE001 - the process's own figures are still worth reading
        log.warning("metrics: the database cannot be read: %r", error)
        up.add_metric([], 0)
        return [up]
    up.add_metric([], 1)
    for figure in outbox:
        pending.add_metric([figure.kind], figure.pending)
        age.add_metric([figure.kind], figure.oldest_pending_age_seconds)
        dead.add_metric([figure.kind], figure.dead)
    for job in clock:
        runs.add_metric([job.job], job.runs)
        duration.add_metric([job.job], job.last_duration_seconds)
        if job.last_finished_at is not None:
            finished.add_metric([job.job], job.last_finished_at.timestamp())
    return [up, pending, age, dead, runs, duration, finished]


def exposition(database: list[Metric]) -> bytes:
    directory = os.environ.get(MULTIPROCESS_DIR_VARIABLE)
    if directory:
        sweep_dead_processes(directory)
        registry = CollectorRegistry()
        MultiProcessCollector(registry, directory)
        text = generate_latest(registry)
    else:
        text = generate_latest(REGISTRY)
    extra = CollectorRegistry()
    extra.register(_Figures(database))  # type: ignore[arg-type]
    return text + generate_latest(extra)


def metrics_routes(allow_ips: str) -> list[Route]:
    """``GET /metrics`` for the addresses named; 404 for everyone else (nothing to see)."""
    networks: tuple[Network, ...] = parse_networks("METRICS_ALLOW_IPS", allow_ips)

    async def metrics(request: Request) -> Response:
        if not allowed(request.client.host if request.client else None, networks):
            return PlainTextResponse("Not Found", status_code=404)
        record_pool()
        body = exposition(await database_figures())
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    return [Route("/metrics", metrics, methods=["GET"], name="metrics")]
