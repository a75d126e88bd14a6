"""SMTP_URL names TLS explicitly; the sender's timings come from settings (config.py)."""

from __future__ import annotations

import pytest

from domain.notifications.sending.config import (
    SmtpConfig,
    TlsMode,
    message_id_domain,
    parse_smtp_url,
)
from settings import Settings


@pytest.mark.parametrize(
    ("url", "tls", "port"),
    [
        ("smtps://u:p@mail.example.com", TlsMode.IMPLICIT, 465),
        ("smtp+starttls://u:p@mail.example.com", TlsMode.STARTTLS, 587),
        ("smtp://127.0.0.1:2525", TlsMode.NONE, 2525),
    ],
)
def test_the_scheme_says_how_tls_is_used(url: str, tls: TlsMode, port: int) -> None:
    config = parse_smtp_url(url, timeout=3.0, production=True)
    assert (config.tls, config.port, config.timeout) == (tls, port, 3.0)


@pytest.mark.parametrize(
    "url", ["smtp://mail.example.com", "smtp://u:p@mail.example.com", "http://mail.example.com"]
)
def test_plaintext_to_a_remote_server_is_refused_in_production(url: str) -> None:
    with pytest.raises(ValueError):
        parse_smtp_url(url, timeout=3.0, production=True)


def test_settings_pass_the_timings_down() -> None:
    settings = Settings.from_env(
        {
            "MAIL_POLL_SECONDS": "0.005",
            "MAIL_LEASE_SECONDS": "0.5",
            "MAIL_BATCH_SIZE": "7",
            "MAIL_BACKOFF_BASE_SECONDS": "0.01",
            "MAIL_BACKOFF_MAX_SECONDS": "0.1",
            "MAIL_GIVE_UP_AFTER_SECONDS": "2",
            "SMTP_TIMEOUT_SECONDS": "1.5",
            "SMTP_URL": "smtp://127.0.0.1:2525",
            "BASE_URL": "https://shop.example.com",
            "MAIL_SENDER": "worker",
        }
    )
    mail = settings.mail
    assert (mail.sender.poll_interval, mail.sender.lease, mail.sender.batch_size) == (0.005, 0.5, 7)
    assert (mail.sender.backoff_base, mail.sender.backoff_max, mail.sender.give_up_after) == (
        0.01,
        0.1,
        2.0,
    )
    assert mail.smtp is not None and mail.smtp.timeout == 1.5
    assert mail.sender.message_id_domain == "shop.example.com"
    assert not mail.run_in_app


def test_an_unsafe_sender_name_is_refused_at_start_up() -> None:
    with pytest.raises(ValueError):
        Settings.from_env({"MAIL_FROM_NAME": "Shop\r\nBcc: x@evil.example"})


def test_message_ids_fall_back_to_a_neutral_domain() -> None:
    assert message_id_domain("http://[::1]:8000") == "preorder.local"
    assert message_id_domain("https://Shop.Example") == "shop.example"
    assert message_id_domain("http://sh_op.example") == "preorder.local"


@pytest.mark.parametrize(
    ("tls", "use_tls", "start_tls"),
    [
        (TlsMode.NONE, False, False),
        (TlsMode.STARTTLS, False, True),
        (TlsMode.IMPLICIT, True, False),
    ],
)
def test_the_client_never_decides_tls_by_itself_and_always_has_a_timeout(
    tls: TlsMode, use_tls: bool, start_tls: bool
) -> None:
    from domain.notifications.sending.smtp import _client

    client = _client(SmtpConfig("mail.example.com", 25, tls, timeout=3.0))
    assert (client.use_tls, client._start_tls_on_connect) == (use_tls, start_tls)
    assert client.timeout == 3.0 and client.validate_certs
