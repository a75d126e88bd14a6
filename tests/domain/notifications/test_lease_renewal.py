"""A batch that takes longer to send than the lease keeps its lease: nothing handed back
unsent, nothing taken and sent again by another sender."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from domain.notifications.config import SenderConfig
from domain.outbox.models import OutboxMessage
from tests import builders as b
from tests.domain.notifications.conftest import FAST, RunningClock, SmtpServer, sender, settled

pytestmark = pytest.mark.usefixtures("db")


async def test_a_batch_slower_than_its_lease_is_sent_once_with_nothing_handed_back(
    smtp: SmtpServer,
) -> None:
    product = await b.product(on_hand=100)
    for index in range(30):
        await b.order((product, 1), context=b.later(b.ctx(), seconds=index))
    assert await OutboxMessage.all().count() == 30
    smtp.inbox.delay = 0.05  # 30 messages take 1.5 s or more: several leases of 0.4 s
    config = SenderConfig(**{**FAST.__dict__, "batch_size": 30, "lease": 0.4})
    clock = RunningClock(b.NOON + dt.timedelta(minutes=5))
    stop = asyncio.Event()
    senders = [sender(smtp, config, clock=clock) for _ in range(2)]
    tasks = [asyncio.create_task(s.run(stop)) for s in senders]
    try:
        async with asyncio.timeout(30):
            while not await settled():
                await asyncio.sleep(0.02)
    finally:
        stop.set()
        stats = await asyncio.gather(*tasks)
    received = smtp.inbox.by_message_id()
    assert len(received) == 30
    assert all(len(copies) == 1 for copies in received.values()), "a message was sent twice"
    assert sum(s.sent for s in stats) == 30
    assert sum(s.released for s in stats) == 0, "rows were handed back unsent"
    assert {row.attempts for row in await OutboxMessage.all()} == {1}
