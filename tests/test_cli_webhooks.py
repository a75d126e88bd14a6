"""``preorder webhooks test ID`` sends a signed ping now and says what the receiver answered."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from standardwebhooks import Webhook

from domain.webhooks.signing import new_secret
from tests.domain.webhooks.receiver import receiving
from tests.test_cli_tokens import preorder


async def test_a_ping_reaches_the_receiver_signed(tmp_path: Path) -> None:
    database = tmp_path / "hooks.db"
    assert (await asyncio.to_thread(preorder, "migrate", database=database)).returncode == 0
    secret = new_secret()
    async with receiving() as receiver:
        with sqlite3.connect(database) as db:
            db.execute(
                "INSERT INTO webhook_subscription (id, url, description, events, secret, active,"
                " created_at, updated_at) VALUES (1, ?, '', '[\"order.placed\"]', ?, 1,"
                " '2026-12-01 10:00:00+00:00', '2026-12-01 10:00:00+00:00')",
                [receiver.url(), secret],
            )
        sent = await asyncio.to_thread(preorder, "webhooks", "test", "1", database=database)
        missing = await asyncio.to_thread(preorder, "webhooks", "test", "7", database=database)
    assert sent.returncode == 0, sent.stderr
    assert "HTTP 200" in sent.stdout
    [hit] = receiver.received
    assert Webhook(secret).verify(hit.body, hit.headers)["type"] == "webhook.ping"
    assert missing.returncode == 1 and "No such webhook subscription" in missing.stderr
