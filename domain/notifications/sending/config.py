"""How the outbox sender is configured: timings, the SMTP server, the local mailbox. Pure.

``settings.py`` reads the environment once and builds a :class:`MailConfig`; everything below
receives it. Every timing is a float in seconds, so tests run the sender in milliseconds.

``SMTP_URL`` names the server and its TLS mode explicitly, never opportunistically:

- ``smtps://user:pass@host:465``: TLS from the first byte (implicit TLS);
- ``smtp+starttls://user:pass@host:587``: STARTTLS, required (the send fails without it);
- ``smtp://host:25``: no TLS at all; refused in production unless the host is loopback.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import unquote, urlsplit

from domain.notifications.composing.mime import mailbox


class TlsMode(StrEnum):
    NONE = "none"
    STARTTLS = "starttls"
    IMPLICIT = "implicit"


_SCHEMES = {
    "smtp": (TlsMode.NONE, 25),
    "smtp+starttls": (TlsMode.STARTTLS, 587),
    "smtps": (TlsMode.IMPLICIT, 465),
}


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    tls: TlsMode = TlsMode.NONE
    username: str = ""
    password: str = field(default="", repr=False)
    timeout: float = 10.0
    local_hostname: str = "preorder.local"

    @property
    def loopback(self) -> bool:
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return self.host == "localhost"


def parse_smtp_url(url: str, *, timeout: float, production: bool) -> SmtpConfig:
    """``SMTP_URL`` to a config; raises ``ValueError`` naming what is wrong."""
    parts = urlsplit(url)
    if parts.scheme not in _SCHEMES:
        raise ValueError("SMTP_URL must start with smtp://, smtp+starttls:// or smtps://")
    if not parts.hostname:
        raise ValueError("SMTP_URL needs a host")
    tls, default_port = _SCHEMES[parts.scheme]
    config = SmtpConfig(
        host=parts.hostname,
        port=parts.port or default_port,
        tls=tls,
        username=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        timeout=timeout,
    )
    if production and tls == TlsMode.NONE and not config.loopback:
        raise ValueError("SMTP_URL without TLS is allowed only to a loopback server in production")
    if config.username and tls == TlsMode.NONE and not config.loopback:
        raise ValueError("SMTP credentials are never sent without TLS")
    return config


@dataclass(frozen=True)
class SenderConfig:
    """The sender loop's timings and identity."""

    poll_interval: float = 1.0  # idle wait between claims when nothing is due
    batch_size: int = 100
    lease: float = 60.0  # a claimed row is another sender's again after this long
    backoff_base: float = 5.0
    backoff_max: float = 900.0
    give_up_after: float = 2 * 86400.0  # age of a row after which a failure is final
    from_address: str = "orders@preorder.local"
    from_name: str = "Home & Ride"
    message_id_domain: str = "preorder.local"

    def __post_init__(self) -> None:
        mailbox(self.from_name, self.from_address)  # refuses a From that is unsafe in a header
        if self.batch_size < 1 or self.lease <= 0 or self.backoff_base <= 0:
            raise ValueError("the sender needs a batch size, a lease and a backoff above zero")


@dataclass(frozen=True)
class MailConfig:
    """Everything the composition root needs to run the sender and, in development, a mailbox."""

    sender: SenderConfig
    smtp: SmtpConfig | None  # None: no server configured
    smtp_timeout: float = 10.0
    run_in_app: bool = True  # False: only ``preorder worker`` processes send
    mailbox_dir: str = "var/mailbox"
    mailbox_port: int = 0  # 0: any free port on 127.0.0.1
    production: bool = False


def message_id_domain(base_url: str) -> str:
    """The right-hand side of Message-IDs: the store's host name, else ``preorder.local``."""
    host = urlsplit(base_url).hostname or ""
    allowed = set("abcdefghijklmnopqrstuvwxyz0123456789.-")
    if host and set(host) <= allowed and not host.startswith(("-", ".")):
        return host
    return "preorder.local"
