"""Running the webhook sender beside the mail sender: in ``preorder serve`` (unless
MAIL_SENDER=worker) and in ``preorder worker``; supervised and stopped cleanly."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from domain.webhooks.config import WebhookConfig
from domain.webhooks.sender import WebhookSender

log = logging.getLogger("preorder.webhooks")
RESTART_DELAY = 5.0


async def supervise(sender: WebhookSender, stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            await sender.run(stop)
        except Exception:  # noqa: BLE001 - the loop must survive anything
            log.exception("the webhook sender failed; restarting in %.0f s", RESTART_DELAY)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=RESTART_DELAY)


@contextlib.asynccontextmanager
async def running_webhook_sender(config: WebhookConfig) -> AsyncIterator[WebhookSender]:
    sender = WebhookSender(config)
    stop = asyncio.Event()
    task = asyncio.create_task(supervise(sender, stop), name="webhook-sender")
    try:
        yield sender
    finally:
        stop.set()
        try:
            await asyncio.wait_for(asyncio.shield(task), timeout=config.timeout + 5)
        except TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
