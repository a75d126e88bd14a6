"""``python -m bench.processes``: one web process against two, side by side, each beside its
floor measured in the same run with the same number of processes.

The service runs as ``preorder serve --workers N`` runs it (uvicorn[standard], the factory
``ops.factory:app_from_env``, production settings, one JSON log line a request, metrics
counted). The FLOOR is uvicorn with the same N processes answering a bare Starlette route with
the bytes the service answered (bench/load.py's floor): what N processes of this machine can
serve at all. Workloads, at 8 keep-alive clients: ``products(first: 20)`` with every request
different (no answer reused) and ``placeOrder`` (each request a new order).

Against a database of its own (its name must contain "bench"; it is dropped and rebuilt
unless ``--reuse``), PostgreSQL only: SQLite serves one process::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/preorder_bench_processes \\
        python -m bench.processes --orders 20000
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.api import BENCH_SECRET, PRODUCTS, free_port, place_bodies, prepare, read
from bench.core import Scale, _guard
from bench.load import Result, Target, measure, post_once, request_bytes, wait_until_up
from settings import Settings

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = 8
FLOOR_FILE = "BENCH_FLOOR_FILE"


def floor_from_env() -> object:
    """The floor app for ``uvicorn --factory --workers N`` (each process builds its own)."""
    from bench.load import floor_app

    with open(os.environ[FLOOR_FILE]) as file:
        return floor_app(json.load(file))


def _uvicorn(app: str, port: int, workers: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable, "-m", "uvicorn", app, "--factory", "--workers", str(workers),
            "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
            "--no-access-log", "--no-proxy-headers", "--no-server-header",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip


def _serve(port: int, workers: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "cli.py", "serve", "--workers", str(workers)],
        cwd=ROOT,
        env={**env, "PORT": str(port)},
        stdout=subprocess.DEVNULL,  # the access log: written, as in production, then dropped
        stderr=subprocess.DEVNULL,
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    process.wait(timeout=60)


async def run(settings: Settings, scale: Scale, seconds: float, reuse: bool) -> int:
    if not settings.database_url.startswith(("postgres://", "postgresql://")):
        print("bench.processes: several web processes need PostgreSQL (SQLite serves one)")
        return 2
    if problem := _guard(settings.database_url):
        print(f"bench.processes: {problem}")
        return 2
    settings = dataclasses.replace(settings, environment="production", secret_key=BENCH_SECRET)
    await prepare(settings, scale, reuse)
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "PREORDER_ENV": "production",
        "SECRET_KEY": BENCH_SECRET,
        "MAIL_SENDER": "worker",
        "CLOCK": "process",
        "DB_POOL_SIZE": str(settings.db_pool_size),
        "METRICS_ALLOW_IPS": "127.0.0.1",
        "RATE_LIMIT_PLACE_ORDER_CLIENT": "off",
    }
    products = read("products(first: 20)", PRODUCTS, {"first": 20})
    workloads = {
        "products(first: 20)": lambda tag: products.distinct(tag),
        "placeOrder": lambda tag: place_bodies(scale, 40_000),
    }
    figures: dict[tuple[str, int], tuple[Result, Result]] = {}
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
        floor_file = file.name
    try:
        for workers in (1, 2):
            port = free_port()
            service = _serve(port, workers, env)
            try:
                await wait_until_up(port, timeout=120)
                answers = {
                    n: await post_once(port, make("check")[0]) for n, make in workloads.items()
                }
                with open(floor_file, "w") as out:
                    json.dump({n: a.decode() for n, a in answers.items()}, out)
                floor_port = free_port()
                floor = _uvicorn(
                    "bench.processes:floor_from_env", floor_port, workers,
                    {**env, FLOOR_FILE: floor_file},
                )  # fmt: skip
                try:
                    await wait_until_up(floor_port)
                    for index, (name, make) in enumerate(workloads.items()):
                        bodies = make(f"w{workers}")
                        api = await measure(
                            Target(
                                port, "/graphql", [request_bytes("/graphql", b) for b in bodies]
                            ),
                            CLIENTS,
                            seconds,
                        )
                        path = f"/floor/{index}"
                        bare = await measure(
                            Target(
                                floor_port, path, [request_bytes(path, b) for b in bodies[:200]]
                            ),
                            CLIENTS,
                            seconds,
                        )
                        figures[(name, workers)] = (api, bare)
                        print(f"  measured {name}, {workers} process(es)", flush=True)
                finally:
                    _stop(floor)
            finally:
                _stop(service)
    finally:
        os.unlink(floor_file)
    print(f"\n{seconds:g} s per measurement, {CLIENTS} clients; floor = same processes, bare route")
    print("| operation           | processes | API req/s | p50 ms | p99 ms | fail | floor r/s |"
          " of floor | 2 vs 1 (API) | 2 vs 1 (floor) |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name in workloads:
        one_api, one_floor = figures[(name, 1)]
        for workers in (1, 2):
            api, bare = figures[(name, workers)]
            share = api.rps / bare.rps * 100 if bare.rps else 0.0
            gain = gain_floor = ""
            if workers == 2:
                gain = f"{(api.rps / one_api.rps - 1) * 100:+.0f}%" if one_api.rps else "-"
                gain_floor = (
                    f"{(bare.rps / one_floor.rps - 1) * 100:+.0f}%" if one_floor.rps else "-"
                )
            print(
                f"| {name:<19} | {workers:>9} | {api.rps:>9.0f} | {api.p50_ms:>6.2f} |"
                f" {api.p99_ms:>6.2f} | {api.failed:>4} | {bare.rps:>9.0f} | {share:>7.1f}% |"
                f" {gain:>12} | {gain_floor:>14} |"
            )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.processes", description=__doc__)
    parser.add_argument("--products", type=int, default=2_000)
    parser.add_argument("--suppliers", type=int, default=200)
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--reuse", action="store_true", help="keep the store already built")
    args = parser.parse_args()
    scale = Scale(args.products, args.suppliers, args.orders)
    return asyncio.run(run(Settings.from_env(), scale, args.seconds, args.reuse))


if __name__ == "__main__":
    sys.exit(main())
