"""Running the sender beside an app, or as ``preorder worker``: supervised, stopped cleanly.

The composition root (``app.py`` lifespan, ``cli.py worker``) enters :func:`running_sender`
after the ORM is up and leaves it before the ORM closes. Without an SMTP server outside
production, a local mailbox (``mailbox.py``) is started and used.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator

from tortoise import Tortoise

from domain.context import Policy
from domain.db import tortoise_config
from domain.notifications.sending.config import MailConfig
from domain.notifications.sending.mailbox import LocalMailServer, start_local_mailbox
from domain.notifications.sending.outcomes import Stats
from domain.notifications.sending.sender import Sender
from domain.supervised import running
from domain.webhooks.config import WebhookConfig
from domain.webhooks.worker import running_webhook_sender

log = logging.getLogger("preorder.mail")


@contextlib.asynccontextmanager
async def running_sender(config: MailConfig, policy: Policy) -> AsyncIterator[Sender | None]:
    mailbox: LocalMailServer | None = None
    smtp = config.smtp
    if smtp is None:
        if config.production:
            log.error("SMTP_URL is not set: emails wait in the outbox until a sender can send them")
            yield None
            return
        mailbox = await start_local_mailbox(config.mailbox_dir, port=config.mailbox_port)
        smtp = mailbox.smtp_config(config.smtp_timeout)
        log.info(
            "no SMTP_URL: mail goes to the local mailbox on 127.0.0.1:%d (%s, /dev/mailbox)",
            mailbox.port,
            config.mailbox_dir,
        )
    sender = Sender(config.sender, smtp, policy)
    try:
        async with running(
            sender, name="outbox-sender", what="mail sender", log=log, grace=4 * smtp.timeout + 5
        ):
            yield sender
    finally:
        if mailbox is not None:
            await mailbox.close()


async def run_worker(
    database_url: str,
    *,
    pool_size: int,
    statement_timeout_ms: int,
    config: MailConfig,
    policy: Policy,
    webhooks: WebhookConfig | None = None,
) -> None:
    """``preorder worker``: only the sender, until SIGINT or SIGTERM."""
    await Tortoise.init(
        config=tortoise_config(
            database_url, pool_size=pool_size, statement_timeout_ms=statement_timeout_ms
        ),
        _enable_global_fallback=True,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        async with (
            running_sender(config, policy),
            running_webhook_sender(webhooks or WebhookConfig()),
        ):
            log.info("outbox worker running; stop with Ctrl-C or SIGTERM")
            await stop.wait()
    finally:
        await Tortoise.close_connections()


__all__ = ["Stats", "run_worker", "running_sender"]
