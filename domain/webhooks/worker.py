"""Running the webhook sender beside the mail sender: in ``preorder serve`` (unless
MAIL_SENDER=worker) and in ``preorder worker``; supervised and stopped cleanly."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from domain.supervised import running
from domain.webhooks.config import WebhookConfig
from domain.webhooks.sender import WebhookSender

log = logging.getLogger("preorder.webhooks")


@contextlib.asynccontextmanager
async def running_webhook_sender(config: WebhookConfig) -> AsyncIterator[WebhookSender]:
    sender = WebhookSender(config)
    async with running(
        sender, name="webhook-sender", what="webhook sender", log=log, grace=config.timeout + 5
    ):
        yield sender
