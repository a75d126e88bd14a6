"""``preorder serve`` as run in production, over real HTTP: forwarded headers believed only
from the proxies in FORWARDED_ALLOW_IPS, ``/metrics`` only for METRICS_ALLOW_IPS, several web
processes refused on SQLite.

A second loopback address (127.0.0.2) plays the proxy: one server, both kinds of client."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from ops.factory import YOUNG_OBJECTS, frozen_after_start
from settings import Settings
from tests.conftest import on_postgres
from tests.serving import ROOT, access_lines, free_port, isolated_env, logged, serving

PROXY = "127.0.0.2"


def client_from(address: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.AsyncHTTPTransport(local_address=address))


async def test_forwarded_headers_are_believed_only_from_the_configured_proxy(
    tmp_path: Path,
) -> None:
    port = free_port()
    env = isolated_env(
        tmp_path, PORT=str(port), FORWARDED_ALLOW_IPS=PROXY, METRICS_ALLOW_IPS="127.0.0.1"
    )
    forwarded = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
    async with serving(tmp_path, env, port) as base:
        async with client_from(PROXY) as proxy, client_from("127.0.0.1") as direct:
            through = await proxy.get(f"{base}/healthz", headers={**forwarded, "X-Request-Id": "p"})
            spoofed = await direct.get(
                f"{base}/healthz", headers={**forwarded, "X-Request-Id": "d"}
            )
            # The proxy's client is not allowed /metrics although the proxy itself is loopback.
            scrape_via_proxy = await proxy.get(f"{base}/metrics", headers=forwarded)
            scrape = await direct.get(f"{base}/metrics")
            answered = await logged(
                tmp_path / "server.log",
                lambda lines: {"p", "d"} <= {x["request_id"] for x in lines},
            )
            pid = answered[-1]["pid"]
            loaded = Path(f"/proc/{pid}/maps").read_text()
    assert "uvloop" in loaded and "httptools" in loaded, "uvicorn[standard]'s loop and parser"
    assert through.status_code == spoofed.status_code == 200
    lines = {line["request_id"]: line for line in access_lines(tmp_path / "server.log")}
    assert lines["p"]["client"] == "203.0.113.7"
    assert lines["d"]["client"] == "127.0.0.1"
    assert scrape_via_proxy.status_code == 404
    assert scrape.status_code == 200 and "preorder_http_requests_total" in scrape.text


async def test_racing_requests_on_two_web_processes_each_log_one_whole_line(
    db: str, tmp_path: Path
) -> None:
    """Two processes share standard output, a pipe as a process manager gives it, and batch
    their lines (``ops.requests._Batch``): under concurrent requests on both, every line is
    whole, once, and none is lost."""
    if not on_postgres():
        pytest.skip("several web processes are a PostgreSQL topology (SQLite serves one)")
    port = free_port()
    env = isolated_env(tmp_path, DATABASE_URL=db, PORT=str(port), MAIL_SENDER="worker")
    ids = [f"race-{n}" for n in range(400)]
    async with serving(tmp_path, env, port, args=["--workers", "2"], through_pipe=True) as base:
        fresh = httpx.Limits(max_keepalive_connections=0)  # each request may meet either process
        async with httpx.AsyncClient(limits=fresh, timeout=60) as client:

            async def ask(number: int) -> int:
                for request_id in ids[number::16]:  # long paths: batches fill past PIPE_BUF
                    answer = await client.get(
                        f"{base}/no-such-page/{request_id}/{'x' * 400}",
                        headers={"X-Request-Id": request_id},
                    )
                    assert answer.status_code == 404
                return number

            await asyncio.gather(*(ask(number) for number in range(16)))
            lines = await logged(
                tmp_path / "server.log",
                lambda found: set(ids) <= {line["request_id"] for line in found},
            )
    raced = [line for line in lines if line["request_id"].startswith("race-")]
    assert sorted(line["request_id"] for line in raced) == sorted(ids)  # each once
    assert len({line["pid"] for line in raced}) == 2, "both web processes answered"
    text = (tmp_path / "server.log").read_text()
    assert all(
        line.startswith('{"time": ') for line in text.splitlines() if '"request_id"' in line
    ), "a line split by another process's write"


def test_several_web_processes_are_refused_on_sqlite_with_the_reason(tmp_path: Path) -> None:
    env = isolated_env(tmp_path, PORT=str(free_port()))
    done = subprocess.run(
        [sys.executable, "cli.py", "serve", "--workers", "2"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "SQLite serves one process" in done.stderr and "PostgreSQL" in done.stderr
    assert not (tmp_path / "serve.db").exists() or (tmp_path / "serve.db").stat().st_size == 0


@pytest.mark.parametrize(
    ("variable", "value"),
    [("FORWARDED_ALLOW_IPS", "10.0.0.1, proxy.example"), ("METRICS_ALLOW_IPS", "10.0.0.300")],
)
def test_an_address_list_that_is_not_addresses_names_its_setting(variable: str, value: str) -> None:
    with pytest.raises(ValueError, match=variable):
        Settings.from_env({variable: value})


def test_metrics_are_private_in_production_unless_named() -> None:
    production = {"PREORDER_ENV": "production", "SECRET_KEY": "s" * 32}
    assert Settings.from_env(production).metrics_allow_ips == ""
    named = Settings.from_env({**production, "METRICS_ALLOW_IPS": "10.0.0.0/8"})
    assert named.metrics_allow_ips == "10.0.0.0/8"


async def test_the_readme_s_uvicorn_command_serves_the_app(tmp_path: Path) -> None:
    """``uvicorn ops.factory:app_from_env --factory ...`` as the README gives it, after
    ``preorder migrate``: the app, its request ids and its metrics, no proxy headers of its own."""
    port = free_port()
    env = isolated_env(tmp_path, PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"))
    (tmp_path / "metrics").mkdir()
    subprocess.run(
        [sys.executable, "cli.py", "migrate"], cwd=ROOT, env=env, check=True, timeout=120
    )
    command = [
        sys.executable, "-m", "uvicorn", "ops.factory:app_from_env", "--factory",
        "--host", "127.0.0.1", "--port", str(port),
        "--no-proxy-headers", "--no-access-log", "--no-server-header",
    ]  # fmt: skip
    with open(tmp_path / "uvicorn.log", "w") as log:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            await _until_up(client, server, tmp_path / "uvicorn.log")
            spoofed = await client.get("/healthz", headers={"X-Forwarded-For": "203.0.113.7"})
            scrape = await client.get("/metrics")
    finally:
        server.terminate()
        server.wait(timeout=20)
    assert spoofed.status_code == 200 and spoofed.headers["x-request-id"]
    assert scrape.status_code == 200 and 'route="/healthz"' in scrape.text
    line = next(x for x in access_lines(tmp_path / "uvicorn.log") if x["route"] == "/healthz")
    assert line["client"] == "127.0.0.1"  # FORWARDED_ALLOW_IPS unset: no proxy is believed


async def _until_up(client: httpx.AsyncClient, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        assert server.poll() is None, log.read_text()[-3000:]
        try:
            await client.get("/healthz")
            return
        except httpx.TransportError:
            assert time.monotonic() < deadline, "uvicorn did not start"
            await asyncio.sleep(0.2)


async def test_a_started_app_leaves_its_start_up_objects_out_of_the_collector() -> None:
    ran: list[str] = []

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        ran.append("started")
        yield

    app = frozen_after_start(Starlette(lifespan=lifespan))
    gc.unfreeze()
    threshold = gc.get_threshold()
    try:
        async with app.router.lifespan_context(app):
            assert ran == ["started"] and gc.get_freeze_count() > 0
            assert gc.get_threshold() == (YOUNG_OBJECTS, *threshold[1:])
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)


def test_the_served_app_collects_the_youngest_past_what_requests_in_flight_hold() -> None:
    """Eight catalogue requests in flight hold about 2,000 objects: collecting the youngest
    generation every 700 walked them every few requests."""
    assert YOUNG_OBJECTS >= 5 * 2_000
