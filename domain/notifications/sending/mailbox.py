"""A local mailbox for development: a real SMTP server on loopback that keeps what it receives.

With no ``SMTP_URL`` outside production, the sender delivers here through a real SMTP hop
(aiosmtpd in the app's own event loop, on 127.0.0.1 and a free port), so the messages a person
reads on ``/dev/mailbox`` went through exactly the code that talks to a real server. Messages are
kept as ``.eml`` files in a directory, newest ``keep`` only, so an app process and a
``preorder worker`` process can share one mailbox.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import email.policy
import logging
import os
import re
import secrets
import time
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from domain.notifications.sending.config import SmtpConfig, TlsMode

NAME = re.compile(r"^[0-9]{20}-[0-9a-f]{8}\.eml$")


@dataclass(frozen=True)
class Stored:
    name: str
    received_at: dt.datetime
    envelope_from: str
    envelope_to: str
    subject: str
    message_id: str
    text: str
    html: str
    headers: tuple[tuple[str, str], ...]


class Mailbox:
    def __init__(self, directory: Path | str, *, keep: int = 500) -> None:
        self.directory = Path(directory)
        self.keep = keep

    def store(self, sender: str, recipients: list[str], data: bytes) -> str:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"{time.time_ns():020d}-{secrets.token_hex(4)}.eml"
        trace = f"Return-Path: <{sender}>\r\nDelivered-To: {', '.join(recipients)}\r\n".encode(
            "ascii", "replace"
        )
        temporary = self.directory / f".{name}.tmp"
        temporary.write_bytes(trace + data)
        os.replace(temporary, self.directory / name)
        self._prune()
        return name

    def _prune(self) -> None:
        names = sorted(p.name for p in self.directory.glob("*.eml"))
        for old in names[: max(0, len(names) - self.keep)]:
            (self.directory / old).unlink(missing_ok=True)

    def names(self, limit: int = 200) -> list[str]:
        if not self.directory.is_dir():
            return []
        return sorted((p.name for p in self.directory.glob("*.eml")), reverse=True)[:limit]

    def read(self, name: str) -> Stored | None:
        if not NAME.match(name):
            return None
        path = self.directory / name
        try:
            data = path.read_bytes()
        except OSError:
            return None
        return parse(name, data)

    def messages(self, limit: int = 200) -> list[Stored]:
        found = (self.read(name) for name in self.names(limit))
        return [message for message in found if message is not None]


def _part(message: EmailMessage, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    if part is None or not isinstance(part, EmailMessage):
        return ""
    content: Any = part.get_content()
    return content if isinstance(content, str) else ""


def parse(name: str, data: bytes) -> Stored:
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    received = dt.datetime.fromtimestamp(int(name[:20]) / 1e9, dt.UTC)
    return Stored(
        name=name,
        received_at=received,
        envelope_from=str(message.get("Return-Path", "")).strip("<>"),
        envelope_to=str(message.get("Delivered-To", "")),
        subject=str(message.get("Subject", "")),
        message_id=str(message.get("Message-ID", "")),
        text=_part(message, "plain"),
        html=_part(message, "html"),
        headers=tuple((k, str(v)) for k, v in message.items()),
    )


class _Handler:
    def __init__(self, mailbox: Mailbox) -> None:
        self.mailbox = mailbox

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.mailbox.store(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
        return "250 2.0.0 OK: stored in the development mailbox"


class LocalMailServer:
    """aiosmtpd in the running event loop, on 127.0.0.1."""

    def __init__(self, server: asyncio.Server, mailbox: Mailbox) -> None:
        self.server = server
        self.mailbox = mailbox

    @property
    def port(self) -> int:
        return int(self.server.sockets[0].getsockname()[1])

    def smtp_config(self, timeout: float) -> SmtpConfig:
        return SmtpConfig(host="127.0.0.1", port=self.port, tls=TlsMode.NONE, timeout=timeout)

    async def close(self) -> None:
        self.server.close()
        await self.server.wait_closed()


async def start_local_mailbox(directory: Path | str, *, port: int = 0) -> LocalMailServer:
    from aiosmtpd.smtp import SMTP  # development only; imported when a mailbox is started

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command
    mailbox = Mailbox(directory)
    handler = _Handler(mailbox)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="mailbox.preorder.local", data_size_limit=10 * 2**20),
        host="127.0.0.1",
        port=port,
    )
    return LocalMailServer(server, mailbox)
