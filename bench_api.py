"""``preorder bench-api``: the GraphQL API under uvicorn (one worker) on the benchmark store.

It builds (or, with ``--reuse``, keeps) the store of ``preorder bench`` (bench.py: 2,000
products, 200 suppliers, 100,000 orders), places one 10-line order through the domain, then
starts two servers, each uvicorn with one worker:

* the service itself: ``create_app(settings)`` in production mode, mail left to the worker;
* the FLOOR: a bare Starlette route that reads the request and returns the bytes the service
  answered for the same operation (no GraphQL, no database).

For each operation, at 1 and 8 concurrent clients (keep-alive connections), it prints requests
per second, p50 and p99 latency of the service beside the floor, measured in the same run:
``products(first: 20)`` and ``products(first: 100)`` with availability and ETA,
``order(token:)`` of the 10-line order, and ``placeOrder`` (two-line orders over the whole
catalogue, as bench.py mixes them). ``products(first: 20) *`` sends a distinct body each time,
so that no answer is reused (api/cache.py): it shows what executing the query costs. Targets
at 8 clients: products(first: 20) at least 5% of
its floor, placeOrder at least 100 orders a second. The exit code is 1 if one is missed.

The load comes from ``bench_http`` in this process; the servers run in child processes. Run
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
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tortoise import Tortoise

from bench import Scale, _guard, build_store, order_mix, recreate_database
from bench_http import Result, Target, measure, post_once, request_bytes, wait_until_up
from domain.context import Actor, Context
from domain.db import connection, is_postgres, tortoise_config
from domain.migrate import migrate
from domain.ordering.services import LineRequest, OrderRequest, place_order
from settings import Settings

API_PORT, FLOOR_PORT = 8731, 8732
HEADER = (
    "| operation              |  c | API req/s | p50 ms  | p99 ms  | floor r/s | p50 ms | p99 ms"
    " | of floor | fail |"
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
            print("building the store (bench.py):", flush=True)
            await build_store(scale, settings.policy)
            print(f"  built in {time.perf_counter() - started:.0f} s", flush=True)
        token = await ten_line_order(scale, settings)
        if is_postgres():
            await connection().execute_script("VACUUM ANALYZE")
        return token
    finally:
        await Tortoise.close_connections()


def start(
    kind: str, port: int, env: dict[str, str], floor_file: str = ""
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "bench_http", kind, str(port), floor_file],
        cwd=Path(__file__).resolve().parent,
        env=env,
    )


def row(name: str, clients: int, api: Result, floor: Result) -> str:
    share = api.rps / floor.rps * 100 if floor.rps else 0.0
    return (
        f"| {name:<22} | {clients:>2} | {api.rps:>8.0f} | {api.p50_ms:>7.2f} | {api.p99_ms:>7.2f}"
        f" | {floor.rps:>8.0f} | {floor.p50_ms:>6.2f} | {floor.p99_ms:>6.2f} | {share:>5.1f}% |"
        f" {api.failed:>4} |"
    )


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
    workloads: dict[str, list[bytes]] = {
        "products(first: 20)": [_body(PRODUCTS, {"first": 20})],
        # Every body distinct (an unused variable), so no answer is reused: execution's cost.
        "products(first: 20) *": [_body(PRODUCTS, {"first": 20, "n": n}) for n in range(20_000)],
        "products(first: 100)": [_body(PRODUCTS, {"first": 100})],
        "order(token:) 10 lines": [_body(ORDER, {"token": token})],
        "placeOrder": place_bodies(scale, 20_000),
    }
    api = start("api", API_PORT, env)
    floor = None
    try:
        await wait_until_up(API_PORT)
        answers = {name: await post_once(API_PORT, bodies[0]) for name, bodies in workloads.items()}
        for name, answer in answers.items():
            if b'"errors": [{' in answer or answer.startswith(b'{"data": null'):
                print(f"preorder bench-api: {name} failed: {answer[:300]!r}")
                return 1
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
            json.dump({name: answer.decode() for name, answer in answers.items()}, file)
        floor = start("floor", FLOOR_PORT, env, file.name)
        await wait_until_up(FLOOR_PORT)
        print(f"\n{seconds:.0f} s per measurement after a 1 s warm-up; uvicorn, one worker each\n")
        print(HEADER)
        print("|---|---|---|---|---|---|---|---|---|---|")
        results: dict[tuple[str, int], tuple[Result, Result]] = {}
        for name, bodies in workloads.items():
            path = "/floor/" + str(list(workloads).index(name))
            for clients in (1, 8):
                measured = await measure(
                    Target(API_PORT, "/graphql", [request_bytes("/graphql", b) for b in bodies]),
                    clients,
                    seconds,
                )
                floor_result = await measure(
                    Target(FLOOR_PORT, path, [request_bytes(path, b) for b in bodies[:200]]),
                    clients,
                    seconds,
                )
                results[(name, clients)] = (measured, floor_result)
                print(row(name, clients, measured, floor_result), flush=True)
    finally:
        for process in (api, floor):
            if process is not None:
                process.terminate()
                process.wait(timeout=30)
    products20, products20_floor = results[("products(first: 20)", 8)]
    place8, _ = results[("placeOrder", 8)]
    checks = [
        (
            "products(first: 20) at 8 clients >= 5% of its floor",
            products20.rps >= 0.05 * products20_floor.rps,
        ),
        ("placeOrder at 8 clients >= 100 orders/s", place8.rps >= 100 and place8.failed == 0),
    ]
    print()
    for label, passed in checks:
        print(f"{'PASS' if passed else 'MISS'}  {label}")
    return 0 if all(passed for _, passed in checks) else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(run(Settings.from_env())))
