"""No email lost when the mail server or the sender fails; none sent twice while all is well
(issue #5, parts 1 and 4). A real SMTP server on loopback, millisecond timings."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal

import pytest

from domain.db import connection
from domain.notifications.composing import process as writing
from domain.notifications.sending.config import SenderConfig
from domain.outbox.claims import Claimed
from domain.outbox.enqueue import enqueue
from domain.outbox.models import OutboxMessage
from domain.supply.purchase_orders import revise_expected_date
from domain.vocabulary import OutboxKind, OutboxStatus
from tests import builders as b
from tests.domain.notifications.conftest import (
    FAST,
    RunningClock,
    SmtpServer,
    run_until,
    send_all,
    sender,
    settled,
    statuses,
)

pytestmark = pytest.mark.usefixtures("db")


def day(offset: int) -> dt.date:
    return b.TODAY + dt.timedelta(days=offset)


async def orders_on_a_po(count: int, *, emails: list[str] | None = None) -> int:
    """``count`` orders waiting on one PO line; returns the PO id."""
    supplier = await b.supplier()
    product = await b.product(supplier_=supplier)
    po = await b.purchase_order(supplier, day(10), (product, count))
    for index in range(count):
        email = emails[index] if emails else None
        await b.order((product, 1), email=email, context=b.later(b.ctx(), seconds=index))
    return po.id


async def rows() -> list[OutboxMessage]:
    return await OutboxMessage.all().order_by("id")


def assert_each_row_delivered_once(smtp: SmtpServer, sent: list[OutboxMessage]) -> None:
    received = smtp.inbox.by_message_id()
    expected = {f"<{row.message_id}@shop.example>" for row in sent}
    assert set(received) == expected
    assert all(len(copies) == 1 for copies in received.values())


async def test_eta_change_for_500_orders_while_the_server_is_down_is_delivered_once_when_up(
    smtp: SmtpServer,
) -> None:
    po_id = await orders_on_a_po(500)
    smtp.stop()
    impact = await revise_expected_date(
        po_id, day(30), "Port strike", ctx=b.later(b.ctx(), seconds=3600)
    )
    assert impact.emails_queued == 500
    clock = RunningClock(b.NOON + dt.timedelta(hours=1, minutes=1))
    stop = asyncio.Event()
    task = asyncio.create_task(sender(smtp, clock=clock).run(stop))
    try:
        while await OutboxMessage.filter(attempts__gte=2).count() < 200:
            await asyncio.sleep(0.02)
        assert await OutboxMessage.exclude(status=OutboxStatus.PENDING).count() == 0
        failed = await OutboxMessage.filter(attempts__gte=1).first()
        assert failed is not None and "Connect" in failed.last_error
        smtp.start()
        while not await settled():
            assert not task.done()
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)
    assert await statuses() == {"sent": 1000}
    everything = await rows()
    assert_each_row_delivered_once(smtp, everything)
    eta_rows = [r for r in everything if r.kind == OutboxKind.DELAY_NOTICE]
    assert len(eta_rows) == 500 and len({r.order_id for r in eta_rows}) == 500


async def test_4xx_for_a_while_then_ok_delivers_each_message_once_with_its_message_id(
    smtp: SmtpServer,
) -> None:
    await orders_on_a_po(20)
    smtp.inbox.data_reply = "451 4.3.0 Mailbox busy, try again later"
    stop = asyncio.Event()
    task = asyncio.create_task(sender(smtp).run(stop))
    try:
        while smtp.inbox.attempts < 60:
            await asyncio.sleep(0.01)
        smtp.inbox.data_reply = None
        while not await settled():
            await asyncio.sleep(0.02)
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)
    everything = await rows()
    assert all(row.status == OutboxStatus.SENT for row in everything)
    assert any(row.attempts > 1 for row in everything)
    assert_each_row_delivered_once(smtp, everything)


async def test_5xx_for_some_addresses_goes_to_dead_letter_with_the_reason(smtp: SmtpServer) -> None:
    emails = [f"buyer{i}@example.com" for i in range(10)]
    refused = {"buyer2@example.com", "buyer5@example.com", "buyer7@example.com"}
    for address in refused:
        smtp.inbox.refuse_rcpt[address] = "550 5.1.1 No such mailbox here"
    await orders_on_a_po(10, emails=emails)
    await send_all(smtp)
    everything = await rows()
    dead = [row for row in everything if row.status == OutboxStatus.DEAD]
    assert {row.recipient for row in dead} == refused
    assert all(row.attempts == 1 for row in dead), "a permanent failure is not retried"
    assert all("550" in row.last_error and "No such mailbox" in row.last_error for row in dead)
    delivered = [row for row in everything if row.status == OutboxStatus.SENT]
    assert len(delivered) == 7
    assert_each_row_delivered_once(smtp, delivered)
    assert not refused & {rcpt for m in smtp.inbox.received for rcpt in m.rcpt_tos}


async def test_sender_killed_mid_batch_loses_nothing_and_a_duplicate_keeps_its_message_id(
    smtp: SmtpServer,
) -> None:
    await orders_on_a_po(30)
    accepted: list[Claimed] = []
    killed = asyncio.Event()
    never = asyncio.Event()

    async def die_after_the_seventh(row: Claimed) -> None:
        accepted.append(row)
        if len(accepted) == 7:
            killed.set()
            await never.wait()  # accepted by the server, not yet recorded: killed here

    clock = RunningClock()
    config = SenderConfig(**{**FAST.__dict__, "batch_size": 20, "lease": 1.0})
    first = sender(smtp, config, clock=clock, on_accepted=die_after_the_seventh)
    task = asyncio.create_task(first.run(asyncio.Event()))
    await asyncio.wait_for(killed.wait(), 30)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 10)
    leased = await OutboxMessage.filter(status=OutboxStatus.PENDING, lease_until__not_isnull=True)
    assert accepted[-1].id in {row.id for row in leased}, "the seventh was sent, not recorded"
    assert len(leased) >= 14, "the rest of the batch was claimed when the sender died"

    clock.advance(seconds=2)  # the dead sender's leases run out
    await run_until(sender(smtp, config, clock=clock), settled)

    everything = await rows()
    assert all(row.status == OutboxStatus.SENT for row in everything)
    received = smtp.inbox.by_message_id()
    assert set(received) == {f"<{row.message_id}@shop.example>" for row in everything}
    duplicates = {mid: copies for mid, copies in received.items() if len(copies) > 1}
    assert f"<{accepted[-1].message_id}@shop.example>" in duplicates
    assert all(len(copies) == 2 for copies in duplicates.values())
    assert sum(len(copies) for copies in received.values()) == len(everything) + len(duplicates)


async def test_retries_stop_after_the_configured_age(smtp: SmtpServer) -> None:
    await orders_on_a_po(3)
    smtp.stop()
    clock = RunningClock()
    config = SenderConfig(**{**FAST.__dict__, "give_up_after": 600.0})

    async def retried_then_aged() -> bool:
        if await OutboxMessage.filter(attempts__gte=2).count() == 3:
            clock.advance(seconds=600)
        return await settled()

    await run_until(sender(smtp, config, clock=clock), retried_then_aged)
    everything = await rows()
    assert all(row.status == OutboxStatus.DEAD for row in everything)
    assert all(row.last_error.startswith("gave up after") for row in everything)
    assert all("SMTPConnect" in row.last_error for row in everything)
    assert smtp.inbox.received == []


async def test_only_the_newest_eta_email_is_sent_and_it_tells_every_change(
    smtp: SmtpServer,
) -> None:
    po_id = await orders_on_a_po(1)
    await send_all(smtp)  # the confirmation
    await revise_expected_date(po_id, day(14), "First slip", ctx=b.later(b.ctx(), seconds=10))
    await revise_expected_date(po_id, day(30), "Second slip", ctx=b.later(b.ctx(), seconds=20))
    await send_all(smtp)
    eta_rows = (
        await OutboxMessage.filter(order_id__not_isnull=True)
        .exclude(kind=OutboxKind.ORDER_CONFIRMATION)
        .order_by("id")
    )
    assert [row.status for row in eta_rows] == [OutboxStatus.SUPERSEDED, OutboxStatus.SENT]
    mails = smtp.inbox.received[1:]
    assert len(mails) == 1
    text = mails[0].text
    assert "First slip" in text and "Second slip" in text
    assert "You were expecting it by 16 March 2027" in text  # the promise, before both
    assert "2–5 April 2027" in text  # after both


async def test_an_older_eta_email_waiting_to_retry_is_never_sent_after_a_newer_one(
    smtp: SmtpServer,
) -> None:
    po_id = await orders_on_a_po(1)
    await send_all(smtp)
    await revise_expected_date(po_id, day(14), "First slip", ctx=b.later(b.ctx(), seconds=10))
    first = await OutboxMessage.filter(kind=OutboxKind.DELAY_NOTICE).get()
    await OutboxMessage.filter(id=first.id).update(next_attempt_at=b.NOON + dt.timedelta(hours=5))
    await revise_expected_date(po_id, day(30), "Second slip", ctx=b.later(b.ctx(), seconds=20))

    async def newer_sent() -> bool:  # the older one waits for its retry
        return await OutboxMessage.filter(id__gt=first.id, status=OutboxStatus.SENT).exists()

    await run_until(sender(smtp), newer_sent)
    assert (await OutboxMessage.get(id=first.id)).status == OutboxStatus.PENDING
    clock = RunningClock(b.NOON + dt.timedelta(hours=6))
    await send_all(smtp, clock=clock)
    assert (await OutboxMessage.get(id=first.id)).status == OutboxStatus.SUPERSEDED
    assert len([m for m in smtp.inbox.received if "delayed" in m.subject]) == 1


async def test_a_date_that_moved_and_moved_back_before_sending_sends_nothing(
    smtp: SmtpServer,
) -> None:
    po_id = await orders_on_a_po(1)
    await send_all(smtp)
    await revise_expected_date(po_id, day(20), "Slip", ctx=b.later(b.ctx(), seconds=10))
    await revise_expected_date(po_id, day(10), "Back on plan", ctx=b.later(b.ctx(), seconds=20))
    await send_all(smtp)
    assert len(smtp.inbox.received) == 1  # the confirmation only
    statuses_ = [row.status for row in await rows()]
    assert statuses_ == [OutboxStatus.SENT, OutboxStatus.SUPERSEDED, OutboxStatus.SUPERSEDED]


async def test_two_senders_side_by_side_send_each_row_once(smtp: SmtpServer) -> None:
    po_id = await orders_on_a_po(150)
    await revise_expected_date(po_id, day(20), "Slip", ctx=b.later(b.ctx(), seconds=3600))
    clock = RunningClock(b.NOON + dt.timedelta(hours=1, minutes=1))
    config = SenderConfig(**{**FAST.__dict__, "batch_size": 10})
    stop = asyncio.Event()
    senders = [sender(smtp, config, clock=clock) for _ in range(3)]
    tasks = [asyncio.create_task(s.run(stop)) for s in senders]
    try:
        while not await settled():
            await asyncio.sleep(0.02)
    finally:
        stop.set()
        stats = await asyncio.gather(*tasks)
    assert sum(s.sent for s in stats) == 300
    assert sum(1 for s in stats if s.sent) >= 2, "the work was shared"
    assert_each_row_delivered_once(smtp, await rows())


async def test_a_clean_stop_hands_back_claimed_rows_at_once(smtp: SmtpServer) -> None:
    await orders_on_a_po(40)
    stop = asyncio.Event()

    async def slow(row: Claimed) -> None:
        stop.set()
        await asyncio.sleep(0)

    config = SenderConfig(**{**FAST.__dict__, "batch_size": 20})
    await sender(smtp, config, on_accepted=slow).run(stop)
    leased = await OutboxMessage.filter(status=OutboxStatus.PENDING, lease_until__not_isnull=True)
    assert leased == []
    pending = await OutboxMessage.filter(status=OutboxStatus.PENDING)
    assert pending and all(row.attempts == 0 for row in pending)
    await send_all(smtp)
    assert_each_row_delivered_once(smtp, await rows())


async def test_a_dead_rendering_process_is_replaced_and_the_batch_is_written_by_the_new_one(
    smtp: SmtpServer,
) -> None:
    await orders_on_a_po(30)
    child = await writing.process_id()
    os.kill(child, signal.SIGKILL)
    stats = await send_all(smtp)
    assert (stats.sent, stats.released, stats.dead) == (30, 0, 0)
    assert await writing.process_id() != child
    assert_each_row_delivered_once(smtp, await rows())


async def test_batches_the_rendering_process_cannot_write_are_written_by_the_sender(
    smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rendering process is killed for real each time it is handed a batch."""
    await orders_on_a_po(6)
    in_process = writing._in_process
    killed = []

    async def killed_with_each_batch(function, *arguments):  # type: ignore[no-untyped-def]
        if function is writing.write:
            killed.append(await writing.process_id())
            os.kill(killed[-1], signal.SIGKILL)
        return await in_process(function, *arguments)

    monkeypatch.setattr(writing, "_in_process", killed_with_each_batch)
    stats = await send_all(smtp)
    assert killed, "the rendering process was handed a batch"
    assert (stats.sent, stats.released, stats.dead) == (6, 0, 0)
    assert_each_row_delivered_once(smtp, await rows())


async def test_a_row_that_cannot_be_told_goes_to_dead_letter_and_its_batch_is_sent(
    smtp: SmtpServer,
) -> None:
    await orders_on_a_po(5)
    queued = await enqueue(
        connection(),
        b.ctx(),
        OutboxKind.ORDER_LINKS,
        "someone@example.com",
        payload={"customer_id": "not a number"},  # written by hand, or by an older release
    )
    await send_all(smtp)
    broken = await OutboxMessage.get(id=queued.id)
    assert broken.status == OutboxStatus.DEAD
    assert "cannot render: ValueError" in broken.last_error
    assert_each_row_delivered_once(smtp, await OutboxMessage.exclude(id=broken.id))
