"""PostgreSQL stopped and started under load: two app processes answer every request with
success or a clean 503 (JSON ``UNAVAILABLE`` for GraphQL, the HTML page for the portal), are
back to at least 99% success within 5 s of the restart, and every order they acknowledged is
in the database afterwards.

A private cluster (initdb into a temporary folder, its own port) is stopped, never the shared
server. Bounded: about 20 s of load in all."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx
import pytest

from tests.serving import free_port

ROOT = Path(__file__).resolve().parents[1]
PG_BIN = Path("/usr/lib/postgresql/15/bin")
WARM, DOWN, AFTER = 3.0, 5.0, 9.0  # seconds of load: before the stop, stopped, after the start
RECOVERY = 5.0  # seconds after the restart by which 99% must succeed

PRODUCTS = "{ products(first: %d) { nodes { sku availability { inStock canBackorder } } } }"
PLACE = """mutation($input: PlaceOrderInput!) {
  placeOrder(input: $input) { order { number } orderToken errors { code message } }
}"""


def _as_postgres(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run its tools as the postgres user then."""
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


class Cluster:
    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="preorder-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run(
            _as_postgres([str(PG_BIN / tool), *args]),
            check=True,
            capture_output=True,
            timeout=60,
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
            " -c max_connections=60"
        )
        self._run(
            "pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.folder / "log"), "-w",
            "start",
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def remove(self) -> None:
        try:
            self.stop("immediate")
        except subprocess.CalledProcessError:
            pass  # already stopped
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    made = Cluster()
    try:
        made.start()
        yield made
    finally:
        made.remove()


async def _wait_healthy(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 120
    async with httpx.AsyncClient() as client:
        while True:
            assert process.poll() is None, log.read_text()[-3000:]
            try:
                if (await client.get(f"{base}/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the app did not start"
            await asyncio.sleep(0.3)


@pytest.fixture
async def app_processes(cluster: Cluster, tmp_path: Path) -> AsyncIterator[tuple[str, list[str]]]:
    """Two ``preorder serve`` processes on the private cluster (the first migrates and seeds)."""
    name = f"preorder_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(cluster.url("postgres"))
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    url = cluster.url(name)
    processes: list[subprocess.Popen[bytes]] = []
    bases: list[str] = []
    try:
        for index in range(2):
            port = free_port()
            env = {
                **os.environ,
                "DATABASE_URL": url,
                "PORT": str(port),
                "SECRET_KEY": "restart-secret",
                "BASE_URL": f"http://127.0.0.1:{port}",
                "MAIL_SENDER": "worker",  # the outbox keeps the emails; no mailbox per process
                "DB_POOL_SIZE": "8",
                "RATE_LIMIT_PLACE_ORDER_CLIENT": "off",  # hundreds of orders from one client
            }
            log = tmp_path / f"app{index}.log"
            with open(log, "wb") as out:
                processes.append(
                    subprocess.Popen(
                        [sys.executable, "cli.py", "serve"],
                        cwd=ROOT,
                        env=env,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                    )
                )
            bases.append(f"http://127.0.0.1:{port}")
            await _wait_healthy(bases[-1], processes[-1], log)
        yield url, bases
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


@dataclass
class Tally:
    started_at: float
    outcomes: list[tuple[float, str, str]] = field(default_factory=list)  # (t, kind, outcome)
    bad: list[str] = field(default_factory=list)
    acknowledged: list[str] = field(default_factory=list)

    def record(self, t: float, kind: str, outcome: str, detail: str = "") -> None:
        self.outcomes.append((t, kind, outcome))
        if outcome == "bad":
            self.bad.append(f"{kind} at {t:.2f} s: {detail}"[:300])


def _graphql_outcome(response: httpx.Response) -> tuple[str, dict]:
    if response.status_code == 503:
        body = response.json()
        codes = [e.get("extensions", {}).get("code") for e in body.get("errors", [])]
        clean = codes == ["UNAVAILABLE"] and response.headers.get("retry-after", "").isdigit()
        return ("unavailable" if clean else "bad"), body
    if response.status_code != 200:
        return "bad", {}
    body = response.json()
    return ("ok" if not body.get("errors") else "bad"), body


def _page_outcome(response: httpx.Response) -> str:
    if response.status_code == 200:
        return "ok"
    clean = (
        response.status_code == 503
        and response.headers.get("content-type", "").startswith("text/html")
        and response.headers.get("retry-after", "").isdigit()
        and "back in a moment" in response.text
    )
    return "unavailable" if clean else "bad"


async def _client_loop(
    client: httpx.AsyncClient, base: str, skus: list[str], tally: Tally, until: float, n: int
) -> None:
    step = 0
    while time.monotonic() < until:
        step += 1
        t = time.monotonic() - tally.started_at
        kind = ("catalogue", "order", "page")[step % 3]
        try:
            if kind == "catalogue":
                # One body per client: the same request again and again (answered from the
                # cache, whose reads must answer 503 too), never the same one concurrently.
                query = PRODUCTS % (10 + n)
                response = await client.post(f"{base}/graphql", json={"query": query})
                outcome, body = _graphql_outcome(response)
                tally.record(t, kind, outcome, f"{response.status_code} {response.text}")
            elif kind == "order":
                sku = skus[step % len(skus)]
                variables = {
                    "input": {
                        "email": f"load{n}@example.com",
                        "name": "Load Test",
                        "shippingAddress": "1 Test Street\nTestville",
                        "lines": [{"sku": sku, "quantity": 1}],
                        "idempotencyKey": f"load-{n}-{step}",
                    }
                }
                response = await client.post(
                    f"{base}/graphql", json={"query": PLACE, "variables": variables}
                )
                outcome, body = _graphql_outcome(response)
                payload = (body.get("data") or {}).get("placeOrder") or {}
                if outcome == "ok" and payload.get("errors"):
                    # A refusal with a reason (sold out) is an answer, not an outage.
                    codes = {error["code"] for error in payload["errors"]}
                    outcome = "ok" if codes <= {"INSUFFICIENT_AVAILABILITY"} else "bad"
                elif outcome == "ok":
                    tally.acknowledged.append(payload["order"]["number"])
                tally.record(t, kind, outcome, f"{response.status_code} {response.text}")
            else:
                response = await client.get(f"{base}/products/{skus[step % len(skus)]}")
                tally.record(
                    t, kind, _page_outcome(response), f"{response.status_code} {response.text}"
                )
        except httpx.HTTPError as error:
            tally.record(t, kind, "bad", repr(error))


async def test_postgres_stopped_and_started_under_load_answers_only_success_or_clean_503(
    cluster: Cluster, app_processes: tuple[str, list[str]]
) -> None:
    url, bases = app_processes
    async with httpx.AsyncClient(timeout=15) as client:
        catalogue = await client.post(f"{bases[0]}/graphql", json={"query": PRODUCTS % 10})
        nodes = catalogue.json()["data"]["products"]["nodes"]
        skus = [n["sku"] for n in nodes if n["availability"]["inStock"]]
        skus += [n["sku"] for n in nodes if n["availability"]["canBackorder"]]
        assert skus, catalogue.text
        tally = Tally(started_at=time.monotonic())
        until = tally.started_at + WARM + DOWN + AFTER
        loops = [
            asyncio.create_task(_client_loop(client, bases[n % 2], skus, tally, until, n))
            for n in range(6)
        ]
        await asyncio.sleep(WARM)
        await asyncio.to_thread(cluster.stop)
        stopped = time.monotonic() - tally.started_at
        await asyncio.sleep(DOWN)
        await asyncio.to_thread(cluster.start)
        restarted = time.monotonic() - tally.started_at
        await asyncio.gather(*loops)

    counts = Counter((kind, outcome) for _, kind, outcome in tally.outcomes)
    during = Counter(o for t, _, o in tally.outcomes if stopped <= t < restarted)
    recovered = [o for t, _, o in tally.outcomes if t >= restarted + RECOVERY]
    success = sum(o == "ok" for o in recovered) / max(1, len(recovered))
    print(
        f"\nstopped at {stopped:.1f} s, started at {restarted:.1f} s; {dict(counts)};"
        f" while down {dict(during)}; {len(recovered)} requests from {RECOVERY:.0f} s after the"
        f" restart: {success:.1%} success; {len(tally.acknowledged)} orders acknowledged"
    )
    if os.environ.get("RESTART_DUMP"):
        Path(os.environ["RESTART_DUMP"]).write_text("\n----\n".join(tally.bad))
    assert tally.bad == [], tally.bad[:10]
    assert during["unavailable"] > 0, "the outage was seen"
    assert len(recovered) >= 50 and success >= 0.99

    conn = await asyncpg.connect(url)
    try:
        stored = {row["number"] for row in await conn.fetch("SELECT number FROM customer_order")}
    finally:
        await conn.close()
    missing = set(tally.acknowledged) - stored
    assert not missing, f"acknowledged orders missing: {sorted(missing)[:10]}"
