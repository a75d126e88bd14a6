"""The SMTP adapter: the only module that imports aiosmtplib (ARCHITECTURE.md rule 7).

One :class:`Mailer` keeps one connection open across messages and batches, reconnecting when
it broke or sat idle. TLS is always explicit (``use_tls`` and ``start_tls`` are both set, so
aiosmtplib never decides on its own), and every command has a timeout. Errors leave as a
:class:`~domain.outbox.retry.Failure` with its scope, never as aiosmtplib exceptions.
The envelope is checked once more here: an address with CR/LF would otherwise become a second
SMTP command.
"""

from __future__ import annotations

import time

import aiosmtplib

from domain.notifications.config import SmtpConfig, TlsMode
from domain.notifications.message import Envelope, HeaderRefused, check_address
from domain.outbox.retry import Failure, Scope

IDLE_CHECK_SECONDS = 20.0  # a connection idle this long is checked with NOOP before reuse


class SendFailed(Exception):
    def __init__(self, failure: Failure) -> None:
        super().__init__(str(failure))
        self.failure = failure


def _client(config: SmtpConfig) -> aiosmtplib.SMTP:
    return aiosmtplib.SMTP(
        hostname=config.host,
        port=config.port,
        username=config.username or None,
        password=config.password or None,
        timeout=config.timeout,
        use_tls=config.tls == TlsMode.IMPLICIT,
        start_tls=config.tls == TlsMode.STARTTLS,
        validate_certs=True,
        local_hostname=config.local_hostname,
    )


def _server_failure(error: BaseException) -> Failure:
    code = getattr(error, "code", None)
    return Failure(Scope.SERVER, f"{type(error).__name__}: {error}"[:500], code)


def _message_failure(error: BaseException) -> Failure:
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused) and error.recipients:
        refused = error.recipients[0]
        return Failure(Scope.MESSAGE, f"recipient refused: {refused.message}", refused.code)
    if isinstance(error, aiosmtplib.SMTPResponseException):
        scope = Scope.SERVER if error.code == 421 else Scope.MESSAGE  # 421: server closing
        return Failure(scope, f"{type(error).__name__}: {error.message}", error.code)
    if isinstance(error, ValueError):  # aiosmtplib refused an address
        return Failure(Scope.CONTENT, f"address refused: {error}")
    return _server_failure(error)


class Mailer:
    """One reused SMTP connection. Not safe for concurrent sends: one sender task owns it."""

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self._smtp: aiosmtplib.SMTP | None = None
        self._last_used = 0.0

    async def _connection(self) -> aiosmtplib.SMTP:
        smtp = self._smtp
        if smtp is not None and smtp.is_connected:
            if time.monotonic() - self._last_used < IDLE_CHECK_SECONDS:
                return smtp
            try:
                await smtp.noop()
                return smtp
            except (aiosmtplib.SMTPException, OSError):
                await self.close()
        elif smtp is not None:
            await self.close()
        smtp = _client(self.config)
        try:
            await smtp.connect()
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
            raise SendFailed(_server_failure(error)) from None
        self._smtp = smtp
        return smtp

    async def send(self, envelope: Envelope) -> None:
        """Deliver one message to the server, or raise :class:`SendFailed`."""
        try:
            check_address("MAIL FROM", envelope.sender)
            check_address("RCPT TO", envelope.recipient)
        except HeaderRefused as error:
            raise SendFailed(Failure(Scope.CONTENT, str(error))) from None
        smtp = await self._connection()
        try:
            await smtp.sendmail(envelope.sender, [envelope.recipient], envelope.data)
        except (aiosmtplib.SMTPException, OSError, TimeoutError, ValueError) as error:
            failure = _message_failure(error)
            if failure.scope == Scope.SERVER or not smtp.is_connected:
                await self.close()
            raise SendFailed(failure) from None
        self._last_used = time.monotonic()

    def abort(self) -> None:
        """Drop the connection without a word, as a killed process would."""
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            smtp.close()

    async def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            if smtp.is_connected:
                await smtp.quit(timeout=min(self.config.timeout, 2.0))
        except (aiosmtplib.SMTPException, OSError, TimeoutError):
            smtp.close()
