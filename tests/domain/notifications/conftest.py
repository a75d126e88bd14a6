"""A real SMTP server on loopback (aiosmtpd) that can refuse, fail for a while, or be down;
and a sender with millisecond timings whose clock starts at the builders' noon."""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import email.policy
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from domain.notifications.config import SenderConfig, SmtpConfig
from domain.notifications.sender import Sender, Stats
from domain.outbox.claims import Claimed
from domain.outbox.models import OutboxMessage
from domain.vocabulary import OutboxStatus
from tests import builders as b


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.data, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def part(self, subtype: str) -> str:
        body = self.message.get_body(preferencelist=(subtype,))
        assert body is not None, f"no text/{subtype} part"
        content = body.get_content()
        assert isinstance(content, str)
        return content

    @property
    def text(self) -> str:
        return self.part("plain")

    @property
    def html(self) -> str:
        return self.part("html")


@dataclass
class Inbox:
    """The handler: what was accepted, and how to refuse."""

    received: list[Received] = field(default_factory=list)
    refuse_rcpt: dict[str, str] = field(default_factory=dict)  # address: reply
    data_reply: str | None = None  # e.g. "451 4.3.0 try again later"
    delay: float = 0.0  # seconds a slow server takes to accept each message
    attempts: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        reply = self.refuse_rcpt.get(address)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            self.attempts += 1
            if self.data_reply:
                return self.data_reply
            self.received.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
            )
        return "250 OK"

    def by_message_id(self) -> dict[str, list[Received]]:
        found: dict[str, list[Received]] = {}
        for message in list(self.received):
            found.setdefault(message.message_id, []).append(message)
        return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SmtpServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.inbox = Inbox()
        self._controller: Controller | None = None

    def start(self) -> None:
        if self._controller is None:
            self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
            self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def config(self) -> SmtpConfig:
        return SmtpConfig(host="127.0.0.1", port=self.port, timeout=2.0)


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


FAST = SenderConfig(
    poll_interval=0.01,
    batch_size=50,
    lease=5.0,
    backoff_base=0.02,
    backoff_max=0.2,
    give_up_after=86400.0,
    from_address="orders@shop.example",
    from_name="Home & Ride",
    message_id_domain="shop.example",
)


class RunningClock:
    """Starts just after the builders' noon and runs at real speed."""

    def __init__(self, start: dt.datetime | None = None) -> None:
        self.start = start or b.NOON + dt.timedelta(minutes=1)
        self.t0 = time.monotonic()
        self.offset = dt.timedelta()

    def __call__(self) -> dt.datetime:
        return self.start + self.offset + dt.timedelta(seconds=time.monotonic() - self.t0)

    def advance(self, **delta: float) -> None:
        self.offset += dt.timedelta(**delta)


def sender(
    smtp: SmtpServer,
    config: SenderConfig = FAST,
    *,
    clock: RunningClock | None = None,
    on_accepted: Callable[[Claimed], Awaitable[None]] | None = None,
) -> Sender:
    return Sender(
        config, smtp.config, b.POLICY, clock=clock or RunningClock(), on_accepted=on_accepted
    )


async def statuses() -> dict[str, int]:
    counts: dict[str, int] = {}
    for status in await OutboxMessage.all().values_list("status", flat=True):
        counts[str(status)] = counts.get(str(status), 0) + 1
    return counts


async def settled(expected_pending: int = 0) -> bool:
    return await OutboxMessage.filter(status=OutboxStatus.PENDING).count() == expected_pending


async def run_until(
    running: Sender,
    done: Callable[[], Awaitable[bool]],
    *,
    timeout: float = 60.0,
) -> Stats:
    """Run the sender in the background until ``done()`` holds; stop it cleanly."""
    stop = asyncio.Event()
    task = asyncio.create_task(running.run(stop))
    deadline = time.monotonic() + timeout
    try:
        while not await done():
            if task.done():
                task.result()
                raise AssertionError("the sender stopped by itself")
            if time.monotonic() > deadline:
                raise AssertionError(f"not done after {timeout} s: {await statuses()}")
            await asyncio.sleep(0.02)
    finally:
        stop.set()
        stats = await asyncio.wait_for(task, timeout=30)
    return stats


async def send_all(smtp: SmtpServer, **options: Any) -> Stats:
    """Run a sender until nothing is pending."""
    return await run_until(sender(smtp, **options), settled)
