"""A mail server that is down costs no customer action: the email waits in the outbox, and
the health check tells which dependency is away without failing the store."""

from __future__ import annotations

import asyncio
import socket

import httpx

from app import create_app
from domain.notifications.service import running_sender
from domain.outbox.models import OutboxMessage
from domain.vocabulary import OutboxStatus
from settings import Settings
from tests import builders as b
from tests.api.test_outages import PLACE, order_input
from tests.portal.conftest import csrf_token


def _refused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_with_the_mail_server_down_orders_and_links_succeed_and_healthz_names_smtp(
    db: str,
) -> None:
    settings = Settings(
        secret_key="test-secret",
        smtp_url=f"smtp://127.0.0.1:{_refused_port()}",
        mail_poll_seconds=0.02,
        mail_backoff_base_seconds=0.05,
        mail_backoff_max_seconds=0.2,
        smtp_timeout_seconds=1.0,
    )
    app = create_app(settings, manage_database=False)
    product = await b.product(on_hand=3)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with (
        running_sender(settings.mail, settings.policy) as sender,
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as client,
    ):
        app.state.sender = sender
        placed = await client.post(
            "/graphql",
            json={"query": PLACE, "variables": {"input": order_input(product.sku, None)}},
        )
        assert placed.status_code == 200, placed.text
        assert placed.json()["data"]["placeOrder"]["orderToken"], placed.text

        for _ in range(250):  # the sender tries the server and finds it down
            if sender is not None and sender.server_down:
                break
            await asyncio.sleep(0.02)
        health = await client.get("/healthz")
        assert health.status_code == 200, health.text
        assert health.json() == {"status": "degraded", "database": "up", "smtp": "down"}

        page = await client.get("/links")
        asked = await client.post(
            "/links", data={"csrf_token": csrf_token(page.text), "email": "ada@example.com"}
        )
        assert asked.status_code == 200, asked.text[:300]
    waiting = await OutboxMessage.filter(status=OutboxStatus.PENDING).count()
    assert waiting >= 2, "the confirmation and the links email wait in the outbox"
