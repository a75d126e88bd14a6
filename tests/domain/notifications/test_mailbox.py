"""Mail a person can read during ``make run`` (issue #5, part 3): with no SMTP server, the
sender delivers over real SMTP to a local mailbox, shown on a development-only page."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import time
from pathlib import Path

import httpx
import pytest

from app import create_app
from domain.customers.models import Customer
from domain.notifications.config import MailConfig
from domain.notifications.mailbox import Mailbox
from domain.notifications.service import running_sender
from domain.outbox.models import OutboxMessage
from domain.vocabulary import OutboxStatus
from settings import Settings
from tests import builders as b
from tests.domain.notifications.conftest import FAST

pytestmark = pytest.mark.usefixtures("db")


async def _order_now(name: str = "Ada <b>Lovelace</b>") -> str:
    product = await b.product(on_hand=5)
    context = b.ctx(now=dt.datetime.now(dt.UTC))
    placed = await b.order((product, 1), context=context)
    await Customer.filter(email=placed.order.email).update(name=name)
    return placed.order.number


async def _until_sent(timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while await OutboxMessage.filter(status=OutboxStatus.PENDING).exists():
        assert time.monotonic() < deadline, "not sent"
        await asyncio.sleep(0.02)


async def test_without_smtp_url_mail_goes_through_smtp_to_the_local_mailbox(tmp_path: Path) -> None:
    number = await _order_now()
    config = MailConfig(sender=FAST, smtp=None, mailbox_dir=str(tmp_path), smtp_timeout=2.0)
    async with running_sender(config, b.POLICY) as sender:
        assert sender is not None and sender.smtp.host == "127.0.0.1" and sender.smtp.port
        await _until_sent()
    (message,) = Mailbox(tmp_path).messages()
    assert message.subject == f"Order {number} confirmed"
    assert message.envelope_from == FAST.from_address
    assert "Ada <b>Lovelace</b>" in message.text
    assert "Ada &lt;b&gt;Lovelace&lt;/b&gt;" in message.html


async def test_in_production_without_smtp_url_nothing_is_sent_and_nothing_is_lost(
    tmp_path: Path,
) -> None:
    await _order_now()
    config = MailConfig(sender=FAST, smtp=None, mailbox_dir=str(tmp_path), production=True)
    async with running_sender(config, b.POLICY) as sender:
        assert sender is None
        await asyncio.sleep(0.1)
    assert await OutboxMessage.filter(status=OutboxStatus.PENDING).count() == 1
    assert not tmp_path.joinpath("x").exists() and Mailbox(tmp_path).names() == []


async def test_the_development_page_lists_messages_and_shows_html_only_sandboxed(
    tmp_path: Path,
) -> None:
    await _order_now(name='<script>alert("x")</script>')
    config = MailConfig(sender=FAST, smtp=None, mailbox_dir=str(tmp_path), smtp_timeout=2.0)
    async with running_sender(config, b.POLICY):
        await _until_sent()
    settings = dataclasses.replace(Settings(), mailbox_dir=str(tmp_path))
    app = create_app(settings, manage_database=False)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as web:
        index = await web.get("/dev/mailbox")
        assert index.status_code == 200 and "confirmed" in index.text
        (name,) = Mailbox(tmp_path).names()
        page = await web.get(f"/dev/mailbox/{name}")
        assert page.status_code == 200
        assert "<script>" not in page.text and "&lt;script&gt;" in page.text
        assert f'<iframe sandbox src="http://t/dev/mailbox/{name}/html"' in page.text
        frame = await web.get(f"/dev/mailbox/{name}/html")
        assert "sandbox" in frame.headers["content-security-policy"]
        assert "default-src 'none'" in frame.headers["content-security-policy"]
        assert (await web.get("/dev/mailbox/..%2F..%2Fsettings.py")).status_code == 404


async def test_production_has_no_mailbox_page(tmp_path: Path) -> None:
    settings = dataclasses.replace(
        Settings(), environment="production", secret_key="s" * 32, mailbox_dir=str(tmp_path)
    )
    app = create_app(settings, manage_database=False)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as web:
        assert (await web.get("/dev/mailbox")).status_code == 404
