"""``preorder bench-api`` judges its targets on requests that are all different; the figure the
answer cache earns is printed beside, labelled, and decides nothing."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx

from app import create_app
from bench.api import DISTINCT, PRODUCTS, Measured, checks, free_port, read
from bench.load import (
    Result,
    Target,
    measure,
    process_cpu_seconds,
    request_bytes,
    wait_until_up,
)
from settings import Settings

ROOT = Path(__file__).resolve().parent.parent
ROW = re.compile(
    r"^\| (?P<op>[^|]+?) +\| +(?P<clients>\d+) \| +(?P<api>\d+) \|.*\|"
    r" +(?P<share>\d+\.\d)% \| +(?P<cached>\d+|-) \| +(?P<cached_share>\d+\.\d%|-) \| +\d+"
    r" \| +(?P<cpu>\d+|-) \|$"
)


def result(rps: int) -> Result:
    return Result(rps, 0, 1.0, [1 / rps] * rps)


def measured(api: int, floor: int, cached: int | None) -> Measured:
    return Measured(result(api), result(floor), result(cached) if cached else None, DISTINCT)


def test_a_pass_the_cache_alone_earns_is_a_miss() -> None:
    results = {
        ("products(first: 20)", 8): measured(api=79, floor=1000, cached=500),
        ("placeOrder", 8): measured(api=400, floor=1000, cached=None),
    }
    (products_label, products_passed), (_, place_passed) = checks(results)
    assert not products_passed and place_passed
    assert "every request different: 79 req/s = 7.9% of its floor (target 8%)" in products_label
    assert "same request repeated (answer cache): 500 req/s = 50.0%" in products_label


def test_the_uncached_path_at_its_target_passes_whatever_the_cache_does() -> None:
    results = {
        ("products(first: 20)", 8): measured(api=80, floor=1000, cached=55),
        ("placeOrder", 8): measured(api=399, floor=1000, cached=None),
    }
    (_, products_passed), (_, place_passed) = checks(results)
    assert products_passed and not place_passed


def test_a_run_that_ran_out_of_distinct_bodies_is_not_a_pass() -> None:
    fast = Measured(result(DISTINCT), result(DISTINCT), None, DISTINCT)
    results = {("products(first: 20)", 8): fast, ("placeOrder", 8): fast}
    assert fast.repeated_bodies
    assert [passed for _, passed in checks(results)] == [False, False]


def test_distinct_bodies_never_repeat_within_or_across_measurements() -> None:
    workload = read("products(first: 20)", PRODUCTS, {"first": 20})
    one, eight = workload.distinct("1"), workload.distinct("8")
    assert len(set(one) | set(eight)) == 2 * DISTINCT
    assert workload.repeated is not None and workload.repeated not in set(one)
    assert json.loads(one[0])["variables"]["first"] == 20


def test_bench_api_runs_end_to_end_and_reports_both_figures(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite://{tmp_path / 'bench.db'}"}
    done = subprocess.run(
        [sys.executable, "cli.py", "bench-api", "--products", "20", "--suppliers", "5"]
        + ["--orders", "500", "--seconds", "0.2"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode in (0, 1), done.stdout + done.stderr
    rows = {(m["op"], int(m["clients"])): m for m in map(ROW.match, done.stdout.splitlines()) if m}
    operations = ("products(first: 20)", "products(first: 100)", "order(token:) 10 lines")
    for operation in operations:
        for clients in (1, 8):
            row = rows[(operation, clients)]
            assert int(row["api"]) > 0 and row["cached"] != "-", done.stdout
            # The service's CPU per request, read from /proc: a figure, and a plausible one.
            assert 10 <= int(row["cpu"]) <= 1_000_000, done.stdout
    assert rows[("placeOrder", 8)]["cached"] == "-"
    products = rows[("products(first: 20)", 8)]
    verdict = next(line for line in done.stdout.splitlines() if "products(first: 20) at 8" in line)
    # The verdict quotes the row of all-different requests, and the cached figure beside it.
    assert f"every request different: {int(products['api']):,} req/s" in verdict
    assert f"= {products['share']}% of its floor" in verdict
    assert f"(answer cache): {int(products['cached']):,} req/s" in verdict
    assert f"the service's CPU {int(products['cpu']):,} us a request" in verdict
    # Served as `preorder serve` serves it: a JSON log line for each request, measured too.
    logged = re.search(r"^the service wrote ([\d,]+) request log lines$", done.stdout, re.M)
    assert logged and int(logged.group(1).replace(",", "")) > 100, done.stdout
    assert "service: " not in done.stdout, done.stdout


async def test_an_answer_with_errors_counts_as_failed_in_the_form_the_service_writes() -> None:
    """The service answers compact JSON: a check for the spaced form alone never failed."""
    from bench.load import failed_answer

    settings = Settings(database_url="sqlite://:memory:", secret_key="k")
    transport = httpx.ASGITransport(app=create_app(settings, manage_database=False))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        query = "{ products(first: 1000) { edges { cursor } } }"
        refused = await client.post("/graphql", json={"query": query})
    assert b'"errors":[{' in refused.content  # what the service writes
    assert failed_answer(refused.content)
    assert failed_answer(b'{"data":null,"errors":[{"message":"x"}]}')
    assert failed_answer(b'{"data":{"placeOrder":{"errors":[{"code":"SOLD_OUT"}]}}}')
    assert not failed_answer(b'{"data":{"placeOrder":{"errors":[],"orderToken":"t"}}}')
    assert not failed_answer(b'{"data":{"products":{"edges":[]}}}')


def test_a_process_cpu_is_read_from_proc_and_grows_with_work() -> None:
    before = process_cpu_seconds(os.getpid())
    deadline = time.process_time() + 0.3
    while time.process_time() < deadline:
        pass
    after = process_cpu_seconds(os.getpid())
    assert before is not None and after is not None
    assert 0.2 <= after - before <= 5.0
    assert process_cpu_seconds(2**22 + 7) is None  # above the kernel's largest process id


async def test_the_cpu_per_request_is_the_servers_cpu_over_the_measured_requests() -> None:
    """A server burning 2 ms of CPU a request measures about 2,000 us a request."""
    server = subprocess.Popen(
        [sys.executable, "-c", BUSY_SERVER, str(port := free_port())],
        cwd=ROOT,
    )
    try:
        await wait_until_up(port)
        measured = await measure(
            Target(port, "/", [request_bytes("/", b"{}")]), 2, 1.0, 0.2, server=server.pid
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert measured.requests > 20 and measured.cpu_us is not None
    assert 1_500 <= measured.cpu_us <= 6_000, measured.cpu_us
    assert result(100).cpu_us is None  # no server named: no figure


BUSY_SERVER = """
import sys, time
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route
from bench.load import _serve

async def busy(request):
    await request.body()
    deadline = time.process_time() + 0.002
    while time.process_time() < deadline:
        pass
    return Response(b"{}", media_type="application/json")

_serve(Starlette(routes=[Route("/", busy, methods=["POST"])]), int(sys.argv[1]))
"""
