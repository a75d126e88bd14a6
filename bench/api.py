"""``preorder bench-api``: the GraphQL API under uvicorn (one worker) on the benchmark store.

It builds (or, with ``--reuse``, keeps) the store of ``preorder bench`` (bench/core.py: 2,000
products, 200 suppliers, 100,000 orders), places one 10-line order through the domain, then
starts two servers, each uvicorn with one worker:

* the service itself as ``preorder serve`` runs it (``ops.factory.app_from_env``: production
  mode, a JSON log line per request, metrics in multi-process mode), mail left to the worker;
* the FLOOR: a bare Starlette route that reads the request and returns the bytes the service
  answered for the same operation (no GraphQL, no database).

For each operation, at 1 and 8 concurrent clients (keep-alive connections), it prints requests
per second, p50 and p99 latency of the service beside the floor, measured in the same run:
``products(first: 20)`` and ``products(first: 100)`` with availability and ETA,
``order(token:)`` of the 10-line order, and ``placeOrder`` (two-line orders over the whole
catalogue, as bench/core.py mixes them).

Every request of the API column is different (an unused variable makes each body unique), so
no answer is ever reused (api/cache.py): it is what the service costs. Each read is measured a
second time sending one body again and again, printed beside as "cached": what the answer cache
makes of a storefront asking the same page. Targets at 8 clients, judged on the API column
only: products(first: 20) at least 8% of its floor, placeOrder at least 400 orders a second.
The exit code is 1 if one is missed. The servers listen on free ports picked at start.

The last column is the service process's CPU per request of the API column (``/proc``, user
and system time over the measured requests): the figure that holds when the client and
PostgreSQL, sharing the machine's cores, make requests per second swing from run to run.

The load comes from ``bench.load`` in this process; the servers run in child processes. Run
it against a database of its own (its name must contain "bench"; it is dropped and rebuilt)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/preorder_bench preorder bench-api
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tortoise import Tortoise

from bench.core import Scale, _guard, build_store, order_mix, recreate_database
from bench.load import (
    HOST,
    Result,
    Target,
    failed_answer,
    measure,
    post_once,
    request_bytes,
    wait_until_up,
)
from domain.context import Actor, Context
from domain.db import connection, is_postgres, tortoise_config
from domain.migrate import migrate
from domain.ordering.services import LineRequest, OrderRequest, place_order
from settings import Settings

DISTINCT = 40_000  # bodies per measurement: more than any run here sends
PRODUCTS_TARGET = 8.0  # products(first: 20), every request different: % of its floor
PLACE_TARGET = 400  # placeOrder: orders a second
HEADER = (
    "| operation              |  c | API req/s | p50 ms  | p99 ms  | floor r/s | p50 ms | p99 ms"
    " | of floor | cached r/s | cached of floor | fail | API CPU us/req |"
)
BENCH_SECRET = "bench-api-secret-key"
PRODUCTS = (
    "query Products($first: Int!) { products(first: $first) { edges { node { id sku name price"
    " availability { mode inStock canBackorder backorderRemaining"
    " eta { earliest latest basis } } } } pageInfo { hasNextPage endCursor } } }"
)
ORDER = (
    "query Order($token: String!) { order(token: $token) { number shipPreference total"
    " lines { sku name quantities { ordered allocated waiting shipped cancelled }"
    " promisedEta { earliest latest basis } eta { earliest latest basis }"
    " etaHistory { at reason eta { latest } } }"
    " shipments { status carrier trackingNumber } openDelayNotices { id deadline } } }"
)
PLACE = (
    "mutation Place($input: PlaceOrderInput!) { placeOrder(input: $input) {"
    " order { number lines { sku quantities { allocated waiting } eta { earliest latest basis } } }"
    " orderToken errors { code field message } } }"
)


def _body(query: str, variables: dict[str, Any]) -> bytes:
    return json.dumps({"query": query, "variables": variables}).encode()


def place_bodies(scale: Scale, count: int) -> list[bytes]:
    """Two-line orders over the whole catalogue: in stock, backordered and mixed."""
    rng = random.Random(11)
    bodies = []
    for index, lines in enumerate(order_mix(scale, count)):
        customer = rng.randrange(1, scale.customers + 1)
        bodies.append(
            _body(
                PLACE,
                {
                    "input": {
                        "email": f"customer{customer}@bench.example",
                        "name": f"Bench customer {customer}",
                        "shippingAddress": "1 Bench Street, Testville",
                        "lines": [
                            {"sku": f"BENCH-{product}", "quantity": qty} for product, qty in lines
                        ],
                        "shipPreference": "SHIP_COMPLETE" if index % 3 == 0 else "SHIP_WHEN_READY",
                    }
                },
            )
        )
    return bodies


async def ten_line_order(scale: Scale, settings: Settings) -> str:
    """One order of 5 in-stock and 5 backordered products, placed through the domain."""
    stocked = range(scale.backordered_last + 1, scale.backordered_last + 6)
    waiting = range(2, 7)
    placed = await place_order(
        OrderRequest(
            "bench-reader@bench.example",
            "Bench reader",
            "1 Bench Street",
            [LineRequest(f"BENCH-{p}", 2) for p in (*stocked, *waiting)],
        ),
        ctx=Context(Actor("staff", "bench"), dt.datetime.now(dt.UTC), settings.policy),
    )
    return placed.token


async def prepare(settings: Settings, scale: Scale, reuse: bool) -> str:
    url = settings.database_url
    if not reuse:
        await recreate_database(url)
        await migrate(url)
    await Tortoise.init(
        config=tortoise_config(url, pool_size=4, statement_timeout_ms=600_000),
        _enable_global_fallback=True,
    )
    try:
        if not reuse:
            started = time.perf_counter()
            print("building the store (bench/core.py):", flush=True)
            await build_store(scale, settings.policy)
            print(f"  built in {time.perf_counter() - started:.0f} s", flush=True)
        token = await ten_line_order(scale, settings)
        if is_postgres():
            await connection().execute_script("VACUUM ANALYZE")
        return token
    finally:
        await Tortoise.close_connections()


def free_port() -> int:
    """A port nobody listens on: a fixed one could be another run's server, measured instead."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def start(
    kind: str, port: int, env: dict[str, str], floor_file: str = "", log: Any = None
) -> subprocess.Popen[bytes]:
    """``log``: where the server's log goes (the service writes a line per request)."""
    return subprocess.Popen(
        [sys.executable, "-m", "bench.load", kind, str(port), floor_file],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        stdout=log,
        stderr=log,
    )


@dataclass(frozen=True)
class Workload:
    """One operation: a request body per request (``distinct`` never repeats one), and for
    reads the one body that ``repeated`` sends again and again."""

    name: str
    distinct: Callable[[str], list[bytes]]  # a tag keeps two measurements' bodies apart
    repeated: bytes | None = None


@dataclass(frozen=True)
class Measured:
    api: Result  # every request different: nothing the service answered before is reused
    floor: Result
    cached: Result | None  # the same request again and again: what the answer cache makes of it
    bodies: int  # distinct bodies there were to send

    @property
    def share(self) -> float:
        return self.api.rps / self.floor.rps * 100 if self.floor.rps else 0.0

    @property
    def cached_share(self) -> float:
        if self.cached is None or not self.floor.rps:
            return 0.0
        return self.cached.rps / self.floor.rps * 100

    @property
    def repeated_bodies(self) -> bool:
        """True when the distinct bodies ran out (the run was longer than they last)."""
        return self.api.requests >= self.bodies


def _tell_errors(log: str) -> None:
    """The service's log is a JSON line per request (kept out of the table); anything else
    in it (a traceback, a warning) is printed."""
    with open(log, "rb") as file:
        lines = file.readlines()
    other = [line for line in lines if not line.startswith(b'{"time": ')]
    print(f"the service wrote {len(lines) - len(other):,} request log lines")
    for line in other[:40]:
        print(f"  service: {line.decode(errors='replace').rstrip()}")


def read(name: str, query: str, variables: dict[str, Any]) -> Workload:
    def distinct(tag: str) -> list[bytes]:
        # An unused variable makes each body unique; the cache is keyed by the exact body.
        return [_body(query, {**variables, "n": f"{tag}-{n}"}) for n in range(DISTINCT)]

    return Workload(name, distinct, _body(query, variables))


def row(name: str, clients: int, m: Measured) -> str:
    cached = f"{m.cached.rps:>10.0f}" if m.cached else f"{'-':>10}"
    cached_share = f"{m.cached_share:>14.1f}%" if m.cached else f"{'-':>15}"
    failed = m.api.failed + (m.cached.failed if m.cached else 0)
    cpu = f"{m.api.cpu_us:>14.0f}" if m.api.cpu_us is not None else f"{'-':>14}"
    return (
        f"| {name:<22} | {clients:>2} | {m.api.rps:>9.0f} | {m.api.p50_ms:>7.2f}"
        f" | {m.api.p99_ms:>7.2f} | {m.floor.rps:>9.0f} | {m.floor.p50_ms:>6.2f}"
        f" | {m.floor.p99_ms:>6.2f} | {m.share:>7.1f}% | {cached} | {cached_share} | {failed:>4}"
        f" | {cpu} |"
    )


def _cpu(result: Result) -> str:
    return f"; the service's CPU {result.cpu_us:,.0f} us a request" if result.cpu_us else ""


def checks(results: dict[tuple[str, int], Measured]) -> list[tuple[str, bool]]:
    """The targets, judged on requests that are all different: an answer the cache reuses
    shows what the cache saves, not what the service costs. The cached figure is printed
    beside each, labelled, and decides nothing."""
    products = results[("products(first: 20)", 8)]
    place = results[("placeOrder", 8)]
    cached = (
        f"; same request repeated (answer cache): {products.cached.rps:,.0f} req/s ="
        f" {products.cached_share:.1f}%"
        if products.cached
        else ""
    )
    return [
        (
            f"products(first: 20) at 8 clients, every request different: {products.api.rps:,.0f}"
            f" req/s = {products.share:.1f}% of its floor (target {PRODUCTS_TARGET:g}%){cached}"
            f"{_cpu(products.api)}",
            products.share >= PRODUCTS_TARGET
            and products.api.failed == 0
            and not products.repeated_bodies,
        ),
        (
            f"placeOrder at 8 clients: {place.api.rps:,.0f} orders/s (target {PLACE_TARGET}),"
            f" each request a new order; the bare floor {place.floor.rps:,.0f} req/s",
            place.api.rps >= PLACE_TARGET and place.api.failed == 0 and not place.repeated_bodies,
        ),
    ]


async def run(
    settings: Settings,
    *,
    products: int = 2_000,
    suppliers: int = 200,
    orders: int = 100_000,
    seconds: float = 5.0,
    reuse: bool = False,
) -> int:
    scale = Scale(products, suppliers, orders)
    problems = [*scale.problems(), *filter(None, [_guard(settings.database_url)])]
    if problems:
        for problem in problems:
            print(f"preorder bench-api: {problem}")
        return 2
    if not settings.production:  # the service runs as in production, with a key of its own
        settings = dataclasses.replace(settings, environment="production", secret_key=BENCH_SECRET)
    token = await prepare(settings, scale, reuse)
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "PREORDER_ENV": "production",
        "SECRET_KEY": settings.secret_key,
        "MAIL_SENDER": "worker",
        "DB_POOL_SIZE": str(settings.db_pool_size),
        # One client places thousands of orders a second here: it measures, it does not attack.
        "RATE_LIMIT_PLACE_ORDER_CLIENT": "off",
    }
    workloads = [
        read("products(first: 20)", PRODUCTS, {"first": 20}),
        read("products(first: 100)", PRODUCTS, {"first": 100}),
        read("order(token:) 10 lines", ORDER, {"token": token}),
        # A mutation: never answered from the cache; each body is a new order.
        Workload("placeOrder", lambda tag: place_bodies(scale, DISTINCT)),
    ]
    api_port, floor_port = free_port(), free_port()
    service_log = tempfile.NamedTemporaryFile("wb", prefix="bench-api-", suffix=".log")  # noqa: SIM115 - closed below
    api = start("api", api_port, env, log=service_log)
    floor = None
    floor_file = ""
    try:
        await wait_until_up(api_port)
        answers = {w.name: await post_once(api_port, w.distinct("check")[0]) for w in workloads}
        for name, answer in answers.items():
            if failed_answer(answer):
                print(f"preorder bench-api: {name} failed: {answer[:300]!r}")
                return 1
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
            json.dump({name: answer.decode() for name, answer in answers.items()}, file)
            floor_file = file.name
        floor = start("floor", floor_port, env, floor_file)
        await wait_until_up(floor_port)
        print(f"\n{seconds:g} s per measurement after a 1 s warm-up; uvicorn, one worker each.")
        print("API: every request different, so no answer is reused (what the service costs);")
        print("cached: the same request repeated, answered by the answer cache when it may be")
        print("(api/cache.py). Targets are judged on the API column, never on the cached one.\n")
        print(HEADER)
        print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        results: dict[tuple[str, int], Measured] = {}
        for index, workload in enumerate(workloads):
            path = f"/floor/{index}"
            for clients in (1, 8):
                bodies = workload.distinct(f"{clients}")
                api_result = await measure(
                    Target(api_port, "/graphql", [request_bytes("/graphql", b) for b in bodies]),
                    clients,
                    seconds,
                    server=api.pid,
                )
                cached = None
                if workload.repeated is not None:
                    cached = await measure(
                        Target(
                            api_port, "/graphql", [request_bytes("/graphql", workload.repeated)]
                        ),
                        clients,
                        seconds,
                    )
                floor_result = await measure(
                    Target(floor_port, path, [request_bytes(path, b) for b in bodies[:200]]),
                    clients,
                    seconds,
                )
                measured = Measured(api_result, floor_result, cached, len(bodies))
                results[(workload.name, clients)] = measured
                print(row(workload.name, clients, measured), flush=True)
                if measured.repeated_bodies:
                    print(f"  ({workload.name}: the {len(bodies)} distinct bodies ran out)")
    finally:
        for process in (api, floor):
            if process is not None:
                process.terminate()
                process.wait(timeout=30)
        if floor_file:
            os.unlink(floor_file)
        _tell_errors(service_log.name)
        service_log.close()
    print()
    verdicts = checks(results)
    for label, passed in verdicts:
        print(f"{'PASS' if passed else 'MISS'}  {label}")
    return 0 if all(passed for _, passed in verdicts) else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(run(Settings.from_env())))
