"""One id per request: honoured from ``X-Request-Id`` when sane, else made; answered in the
same header, written on the one JSON log line of the request, kept on the outbox rows the
request caused and sent as a header on the emails those rows became."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
import logging
import select
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from app import create_app
from domain.outbox.models import OutboxMessage
from domain.request_ids import chosen, new_request_id, sane
from ops import requests
from ops.requests import access_log, configure_access_log
from settings import Settings
from tests import builders as b
from tests.api.test_ordering import PLACE, order_input
from tests.domain.notifications.conftest import RunningClock, SmtpServer, run_until, sender, settled

pytestmark = pytest.mark.usefixtures("db")

SETTINGS = Settings(database_url="sqlite://:memory:", secret_key="test-secret")


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(SETTINGS, manage_database=False))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as made:
        yield made


def access_lines(caplog: pytest.LogCaptureFixture) -> list[dict]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "preorder.access"]


@pytest.mark.parametrize(
    "offered",
    [
        "a" * 65,  # too long
        "abc\r\nBcc: x@example.com",  # a header or a log line smuggled in
        "=?utf-8?q?x?=",  # an encoded word
        "١٢٣",  # non-ASCII digits
        "",
        "-leading-dash",
    ],
)
def test_an_insane_request_id_is_replaced_by_a_new_one(offered: str) -> None:
    made = chosen(offered)
    assert made != offered and sane(made) and len(made) == 32


def test_a_new_request_id_is_a_random_uuid4_in_hex() -> None:
    made = {new_request_id() for _ in range(1000)}
    assert len(made) == 1000
    for value in made:
        parsed = uuid.UUID(value)
        assert parsed.hex == value and parsed.version == 4 and parsed.variant == uuid.RFC_4122


def test_a_sane_request_id_is_kept() -> None:
    assert chosen("req-7f3a:edge.1") == "req-7f3a:edge.1"


async def test_each_request_answers_its_id_and_logs_one_json_line(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="preorder.access"):
        kept = await client.get("/healthz", headers={"X-Request-Id": "from-the-proxy-1"})
        made = await client.get("/healthz", headers={"X-Request-Id": "bad id with spaces"})
        query = {"query": "query Products { products(first: 1) { nodes { sku } } }"}
        await client.post("/graphql", json={**query, "operationName": "Products"})
    assert kept.headers["x-request-id"] == "from-the-proxy-1"
    assert sane(made.headers["x-request-id"]) and made.headers["x-request-id"] != "bad id"
    lines = access_lines(caplog)
    assert len(lines) == 3
    assert lines[0]["request_id"] == "from-the-proxy-1"
    assert lines[0]["route"] == "/healthz" and lines[0]["status"] == 200
    assert lines[1]["request_id"] == made.headers["x-request-id"]
    assert lines[2]["route"] == "/graphql" and lines[2]["operation"] == "Products"
    assert lines[2]["duration_ms"] > 0 and lines[2]["method"] == "POST"


async def test_an_order_s_emails_carry_the_id_of_the_request_that_placed_it(
    client: httpx.AsyncClient, smtp: SmtpServer
) -> None:
    product = await b.product(on_hand=1)
    response = await client.post(
        "/graphql",
        json={"query": PLACE, "variables": {"input": order_input((product.sku, 2))}},
        headers={"X-Request-Id": "checkout-42"},
    )
    assert response.status_code == 200 and response.json()["data"]["placeOrder"]["order"]
    rows = await OutboxMessage.all()
    assert rows and {row.request_id for row in rows} == {"checkout-42"}
    clock = RunningClock(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1))
    await run_until(sender(smtp, clock=clock), settled)
    assert smtp.inbox.received
    assert {r.message["X-Request-Id"] for r in smtp.inbox.received} == {"checkout-42"}


async def test_rows_written_outside_a_request_have_no_id_and_their_emails_no_header(
    smtp: SmtpServer,
) -> None:
    product = await b.product(on_hand=1)
    await b.order((product, 1))
    assert {row.request_id for row in await OutboxMessage.all()} == {None}
    await run_until(sender(smtp), settled)
    assert smtp.inbox.received and all(
        r.message["X-Request-Id"] is None for r in smtp.inbox.received
    )


HOSTILE = [
    'a"b\\c',  # a quote and a backslash
    'line\r\n{"forged": 1}',  # a second log line smuggled in
    "tab\tnul\x00bell\x07del\x7f",
    "Заказ/日本/🛒",  # non-ASCII, astral included
    "\ud800lone",  # a lone surrogate
    "</script>\u2028\u2029",
]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_the_log_line_is_the_json_of_its_record_whatever_the_values(hostile: str) -> None:
    """The line is built from a template: each string escaped as ``json.dumps`` would."""
    scope = {"method": hostile, "path": "/p/" + hostile, "client": (hostile, 1)}
    line = requests._line(scope, hostile, hostile, hostile, 404, 0.0123456, 17, now=1_765_000_000.5)
    record = {
        "time": "2025-12-06T05:46:40.500+00:00",
        "request_id": hostile,
        "pid": requests._pid,
        "client": hostile,
        "method": hostile,
        "path": "/p/" + hostile,
        "route": hostile,
        "operation": hostile,
        "status": 404,
        "duration_ms": 12.35,
        "bytes": 17,
    }
    assert line == json.dumps(record, ensure_ascii=True)
    assert "\n" not in line and "\r" not in line and line.isascii()
    if "\ud800" not in hostile:  # a lone surrogate cannot round-trip through strict JSON
        assert json.loads(line) == record
    no_client = requests._line({**scope, "client": None}, "x", "/", None, 200, 0.0, 0)
    assert json.loads(no_client)["client"] is None and json.loads(no_client)["operation"] is None


def test_the_log_time_is_the_current_utc_time_to_the_millisecond() -> None:
    for now in (1_765_000_000.0, 1_765_000_000.999, 1_765_000_001.0004, 951_782_400.25):
        expected = dt.datetime.fromtimestamp(now, dt.UTC).isoformat(timespec="milliseconds")
        assert requests._timestamp(now) == expected


def served_as_configured() -> None:
    """Only the handler ``configure_access_log`` installs: pytest adds its own capturing
    handlers when a test starts, which would send every line through ``logging``."""
    access_log.handlers[:] = [
        h for h in access_log.handlers if isinstance(h, requests._AccessLines)
    ]


@pytest.fixture
def configured_log() -> Iterator[io.StringIO]:
    """The access log as ``preorder serve`` configures it, written into a buffer."""
    saved = (access_log.handlers[:], access_log.level, access_log.propagate)
    access_log.handlers.clear()
    configure_access_log()
    stream = io.StringIO()
    access_log.handlers[0].stream = stream  # type: ignore[attr-defined]
    try:
        yield stream
    finally:
        access_log.handlers[:] = saved[0]
        access_log.setLevel(saved[1])
        access_log.propagate = saved[2]


def written(stream: io.StringIO) -> str:
    """What the access log wrote, once the lines still waiting for their batch are written."""
    requests.flush_access_log()
    return stream.getvalue()


async def test_hostile_paths_ids_and_clients_are_escaped_in_the_served_log(
    configured_log: io.StringIO,
) -> None:
    """As served: one JSON object per line, whatever the path, the id or the client's address
    (behind a trusted proxy, the client is what X-Forwarded-For says)."""
    path = '/no/"such"\\page%0A%7B%22status%22:200%7D/%E2%80%A8%D0%97'
    peer = 'evil"\r\n{"x":1}'
    app = create_app(SETTINGS, manage_database=False)
    transport = httpx.ASGITransport(app=app, client=(peer, 1))
    served_as_configured()
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        await client.get(path, headers={"X-Request-Id": 'x"\\y'})
        await client.get("/healthz", headers={"X-Request-Id": "kept-1"})
    lines = written(configured_log).splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert first["path"] == '/no/"such"\\page\n{"status":200}/\u2028З'
    assert first["status"] == 404 and first["request_id"] != 'x"\\y' and sane(first["request_id"])
    assert first["client"] == peer and first["method"] == "GET"
    assert second["request_id"] == "kept-1" and second["route"] == "/healthz"
    keys = ["time", "request_id", "pid", "client", "method", "path", "route", "operation"]
    assert list(first) == [*keys, "status", "duration_ms", "bytes"]


async def test_a_filter_on_the_access_log_is_still_applied(
    client: httpx.AsyncClient, configured_log: io.StringIO
) -> None:
    """Anything configured beyond ``configure_access_log`` goes through ``logging`` again."""
    access_log.addFilter(dropped := (lambda record: "/healthz" not in record.getMessage()))
    try:
        await client.get("/healthz")
        await client.get("/no-such-page")
    finally:
        access_log.removeFilter(dropped)
    lines = [json.loads(line) for line in written(configured_log).splitlines()]
    assert [line["status"] for line in lines] == [404]


class _BrokenStream(io.StringIO):
    def write(self, text: str) -> int:
        raise BrokenPipeError("the log's reader is gone")


async def test_a_log_that_cannot_be_written_does_not_fail_the_request(
    client: httpx.AsyncClient, configured_log: io.StringIO, capsys: pytest.CaptureFixture[str]
) -> None:
    """As ``logging`` does: the failure is reported on standard error, the request answered."""
    served_as_configured()
    access_log.handlers[0].stream = _BrokenStream()  # type: ignore[attr-defined]
    response = await client.get("/healthz")
    requests.flush_access_log()
    assert response.status_code == 200 and response.headers["x-request-id"]
    assert "BrokenPipeError" in capsys.readouterr().err


class _Writes(io.StringIO):
    """A stream that keeps each write apart."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[str] = []

    def write(self, text: str) -> int:
        self.writes.append(text)
        return super().write(text)


async def test_racing_requests_lines_are_written_whole_in_batches_of_at_most_a_pipe_buffer(
    client: httpx.AsyncClient, configured_log: io.StringIO
) -> None:
    """Each write is whole lines and at most ``PIPE_BUF`` bytes: web processes sharing
    standard output never split one another's lines, to a file or a pipe."""
    served_as_configured()
    stream = _Writes()
    access_log.handlers[0].stream = stream  # type: ignore[attr-defined]
    paths = [f"/no-such-page/{n}/{'x' * (n % 7) * 300}" for n in range(300)]
    answers = await asyncio.gather(*(client.get(path) for path in paths))
    assert all(answer.status_code == 404 for answer in answers)
    requests.flush_access_log()
    assert stream.writes and all(
        len(text.encode()) <= select.PIPE_BUF == requests.BATCH_BYTES and text.endswith("\n")
        for text in stream.writes
    )
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert sorted(line["path"] for line in lines) == sorted(path[:512] for path in paths)
    assert len(stream.writes) < len(lines) / 4  # batched, not a write per request


async def test_a_line_is_written_within_the_flush_interval_without_further_requests(
    client: httpx.AsyncClient, configured_log: io.StringIO
) -> None:
    served_as_configured()
    await client.get("/healthz", headers={"X-Request-Id": "alone"})
    deadline = time.monotonic() + requests.FLUSH_SECONDS + 5
    while "alone" not in configured_log.getvalue():
        assert time.monotonic() < deadline, "the line waited past its flush"
        await asyncio.sleep(requests.FLUSH_SECONDS / 4)
    assert json.loads(configured_log.getvalue())["request_id"] == "alone"


def test_a_line_written_outside_an_event_loop_is_written_at_once(
    configured_log: io.StringIO,
) -> None:
    served_as_configured()
    requests._write('{"status": 200}')
    assert configured_log.getvalue() == '{"status": 200}\n'


def test_the_access_log_writes_to_standard_output() -> None:
    """One JSON line per request on standard output, apart from the service's warnings."""
    saved = (access_log.handlers[:], access_log.level, access_log.propagate)
    access_log.handlers.clear()
    try:
        configure_access_log()
        assert [h.stream for h in access_log.handlers] == [sys.stdout]  # type: ignore[attr-defined]
    finally:
        access_log.handlers[:] = saved[0]
        access_log.setLevel(saved[1])
        access_log.propagate = saved[2]
