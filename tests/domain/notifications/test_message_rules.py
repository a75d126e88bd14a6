"""Header values are checked and written by hand (composing/mime.py; STACK.md, CVE-2024-6923).

Pure.
"""

from __future__ import annotations

import base64
import datetime as dt
import email
import email.policy

import pytest

from domain.notifications.composing.mime import (
    HeaderRefused,
    check_address,
    check_header_value,
    compose,
    mailbox,
    message_id_header,
    verify_headers,
)

WHEN = dt.datetime(2027, 3, 1, 12, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    "value",
    ["a\r\nBcc: x@evil.example", "a\nb", "a\rb", "a\x00b", "=?utf-8?q?hi?=", "héllo", "a" * 901],
)
def test_unsafe_header_values_are_refused(value: str) -> None:
    with pytest.raises(HeaderRefused):
        check_header_value("Subject", value)


@pytest.mark.parametrize(
    "address",
    ["a b@example.com", "<a@example.com>", "a@example.com, b@example.com", "a@b", "ü@example.com"],
)
def test_only_plain_addresses_are_accepted(address: str) -> None:
    with pytest.raises(HeaderRefused):
        check_address("To", address)


def test_from_display_name_must_need_no_quoting() -> None:
    assert mailbox("Home & Ride", "orders@shop.example") == "Home & Ride <orders@shop.example>"
    with pytest.raises(HeaderRefused):
        mailbox('Shop", evil@example.com', "orders@shop.example")


def test_message_id_is_the_row_hex_at_the_store_domain() -> None:
    assert message_id_header("ab" * 16, "shop.example") == f"<{'ab' * 16}@shop.example>"
    with pytest.raises(HeaderRefused):
        message_id_header("not-hex\r\n", "shop.example")


def test_compose_writes_exactly_the_intended_headers_and_base64_bodies() -> None:
    envelope = compose(
        from_name="Home & Ride",
        from_address="orders@shop.example",
        recipient="ada@example.com",
        subject="Order R1 confirmed",
        message_id="<ab@shop.example>",
        date=WHEN,
        text="Hello\n.\nBcc: evil@example.com\n",
        html="<p>Hello &amp; bye</p>",
    )
    head, _, body = envelope.data.partition(b"\r\n\r\n")
    names = [line.split(b":")[0] for line in head.split(b"\r\n")]
    assert names == [
        b"From",
        b"To",
        b"Subject",
        b"Date",
        b"Message-ID",
        b"MIME-Version",
        b"Auto-Submitted",
        b"Content-Type",
    ]
    assert b"\r\n.\r\n" not in body and b"Bcc" not in body  # customer text is base64 on the wire
    parsed = email.message_from_bytes(envelope.data, policy=email.policy.default)
    assert parsed["Date"] == "Mon, 01 Mar 2027 12:00:00 +0000"
    plain = parsed.get_body(preferencelist=("plain",))
    assert plain is not None and plain.get_content() == "Hello\n.\nBcc: evil@example.com\n"
    assert base64.b64decode(b"SGVsbG8=") == b"Hello"


def test_a_header_block_with_an_extra_line_is_refused() -> None:
    data = b"From: a@example.com\r\nBcc: x@evil.example\r\nTo: b@example.com\r\n\r\nbody"
    with pytest.raises(HeaderRefused):
        verify_headers(data, ["From", "To"])
