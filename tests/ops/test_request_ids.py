"""One id per request: honoured from ``X-Request-Id`` when sane, else made; answered in the
same header, written on the one JSON log line of the request, kept on the outbox rows the
request caused and sent as a header on the emails those rows became."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import AsyncIterator

import httpx
import pytest

from app import create_app
from domain.outbox.models import OutboxMessage
from domain.request_ids import chosen, sane
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
