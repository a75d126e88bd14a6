"""Email: waiting, failing, sent and dead-letter messages; requeue."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

from domain.outbox.models import OutboxMessage
from domain.vocabulary import OutboxKind, OutboxStatus
from tests.portal.staff.conftest import submit, text_of

pytestmark = pytest.mark.usefixtures("db")


async def _message(
    status: OutboxStatus, error: str = "", recipient: str = "ada@example.com"
) -> OutboxMessage:
    now = dt.datetime.now(dt.UTC)
    return await OutboxMessage.create(
        kind=OutboxKind.ORDER_LINKS,
        recipient=recipient,
        message_id=f"m-{recipient}-{status}",
        status=status,
        attempts=3 if error else 0,
        last_error=error,
        next_attempt_at=now + dt.timedelta(hours=1),
        created_at=now,
    )


async def test_the_email_page_opens_on_what_needs_attention(staff: httpx.AsyncClient) -> None:
    await _message(OutboxStatus.PENDING, recipient="waits@example.com")
    await _message(OutboxStatus.DEAD, "550 mailbox unavailable", recipient="dead@example.com")
    page = text_of((await staff.get("/staff/email")).text)
    assert (
        "Dead letters" in page and "dead@example.com" in page and "550 mailbox unavailable" in page
    )
    assert "waits@example.com" not in page
    waiting = text_of((await staff.get("/staff/email?view=waiting")).text)
    assert "waits@example.com" in waiting and "order links" in waiting


async def test_requeueing_a_dead_letter_makes_it_due_now(staff: httpx.AsyncClient) -> None:
    dead = await _message(OutboxStatus.DEAD, "550 mailbox unavailable")
    done = await submit(staff, "/staff/email?view=dead", f"/staff/email/{dead.id}/requeue", {})
    assert done.status_code == 303 and "done=requeued" in done.headers["location"]
    again = await OutboxMessage.get(id=dead.id)
    assert again.status == OutboxStatus.PENDING and again.attempts == 0
    assert again.next_attempt_at <= dt.datetime.now(dt.UTC)
    assert "1 email back in the queue" in text_of((await staff.get(done.headers["location"])).text)


async def test_a_failing_message_can_be_retried_now(staff: httpx.AsyncClient) -> None:
    failing = await _message(OutboxStatus.PENDING, "451 try later")
    done = await submit(
        staff, "/staff/email?view=failing", f"/staff/email/{failing.id}/requeue", {}
    )
    assert done.status_code == 303
    assert (await OutboxMessage.get(id=failing.id)).next_attempt_at <= dt.datetime.now(dt.UTC)


async def test_a_sent_message_cannot_be_requeued(staff: httpx.AsyncClient) -> None:
    sent = await _message(OutboxStatus.SENT)
    refused = await submit(staff, "/staff/email?view=sent", f"/staff/email/{sent.id}/requeue", {})
    assert refused.status_code == 400 and "not dead or failing" in refused.text
    assert (await OutboxMessage.get(id=sent.id)).status == OutboxStatus.SENT


async def test_requeueing_every_dead_letter(staff: httpx.AsyncClient) -> None:
    for n in range(3):
        await _message(OutboxStatus.DEAD, "550", recipient=f"d{n}@example.com")
    await _message(OutboxStatus.SENT, recipient="fine@example.com")
    done = await submit(staff, "/staff/email?view=dead", "/staff/email/requeue-dead", {})
    assert "3 emails back in the queue" in text_of((await staff.get(done.headers["location"])).text)
    assert await OutboxMessage.filter(status=OutboxStatus.DEAD).count() == 0
    assert await OutboxMessage.filter(status=OutboxStatus.SENT).count() == 1
