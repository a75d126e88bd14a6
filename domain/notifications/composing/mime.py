"""Safe headers and the MIME bytes of an email. Pure.

The interpreter this project runs on (CPython 3.11.7) lacks the fix for CVE-2024-6923: the
``email`` package could fold an RFC 2047 encoded word holding CR/LF into a second header line.
So no header here goes through ``email``'s folding at all: every value is checked first
(:func:`check_header_value` refuses CR, LF, NUL, ``=?`` and anything outside printable ASCII),
the headers are written by hand one per line, and the result is read back to prove that
exactly the intended header names came out. Customer text never goes into a header; it only
reaches the wire inside base64 bodies, which cannot contain a line break, a leading dot or an
SMTP command.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
import secrets
from dataclasses import dataclass
from email.utils import format_datetime

MAX_HEADER_VALUE = 900  # RFC 5322 allows 998 per line, name included
_PRINTABLE = re.compile(r"^[\x20-\x7e]*$")
_ADDRESS = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
_DISPLAY_NAME = re.compile(r"^[A-Za-z0-9 !#$%&'*+/=?^_`{|}~-]+$")  # atext and spaces


class HeaderRefused(ValueError):
    """A value that must not go into a header. The message is never built."""


def check_header_value(name: str, value: str) -> str:
    """STACK.md: reject CR, LF, NUL and ``=?`` in every header value, on every interpreter."""
    if "\r" in value or "\n" in value or "\0" in value:
        raise HeaderRefused(f"{name}: line break or NUL in a header value")
    if "=?" in value:
        raise HeaderRefused(f"{name}: encoded word in a header value")
    if not _PRINTABLE.match(value):
        raise HeaderRefused(f"{name}: only printable ASCII is allowed in a header value")
    if len(value) > MAX_HEADER_VALUE:
        raise HeaderRefused(f"{name}: header value too long")
    return value


def check_address(name: str, address: str) -> str:
    """A bare ``local@domain`` that is safe in a header and in an SMTP command."""
    check_header_value(name, address)
    if not _ADDRESS.match(address) or len(address) > 254:
        raise HeaderRefused(f"{name}: not a plain email address")
    return address


def mailbox(name: str, address: str) -> str:
    """``Display Name <address>``; the display name is ours (settings), never a customer's."""
    check_address("From", address)
    if not name:
        return address
    check_header_value("From", name)
    if not _DISPLAY_NAME.match(name):
        raise HeaderRefused("From: the display name has characters that need quoting")
    return f"{name} <{address}>"


def message_id_header(hex_id: str, domain: str) -> str:
    """``<hex@domain>``: the outbox row's random id, the same on every retry."""
    if not re.fullmatch(r"[0-9a-f]{16,64}", hex_id):
        raise HeaderRefused("Message-ID: the outbox id is not random hex")
    return check_header_value("Message-ID", f"<{hex_id}@{domain}>")


@dataclass(frozen=True)
class Envelope:
    sender: str
    recipient: str
    data: bytes


def _body(text: str, subtype: str) -> list[bytes]:
    encoded = base64.encodebytes(text.encode("utf-8")).replace(b"\n", b"\r\n")
    return [
        f'Content-Type: text/{subtype}; charset="utf-8"'.encode(),
        b"Content-Transfer-Encoding: base64",
        b"",
        encoded.rstrip(b"\r\n"),
    ]


def compose(
    *,
    from_name: str,
    from_address: str,
    recipient: str,
    subject: str,
    message_id: str,
    date: dt.datetime,
    text: str,
    html: str,
    request_id: str | None = None,
    attachments: tuple[tuple[str, str, str], ...] = (),
) -> Envelope:
    """A multipart/alternative message: plain text first, HTML preferred by mail clients.

    With attachments (name, MIME type, text), a multipart/mixed around it; their names are
    ours (generated numbers), checked like any header value."""
    boundary = "=_" + secrets.token_hex(16)
    outer = "=_" + secrets.token_hex(16)
    headers = [
        ("From", mailbox(from_name, from_address)),
        ("To", check_address("To", recipient)),
        ("Subject", check_header_value("Subject", subject)),
        ("Date", check_header_value("Date", format_datetime(date.astimezone(dt.UTC)))),
        ("Message-ID", check_header_value("Message-ID", message_id)),
        ("MIME-Version", "1.0"),
        ("Auto-Submitted", "auto-generated"),
        (
            "Content-Type",
            f'multipart/mixed; boundary="{outer}"'
            if attachments
            else f'multipart/alternative; boundary="{boundary}"',
        ),
    ]
    if request_id is not None:
        headers.insert(5, ("X-Request-Id", check_header_value("X-Request-Id", request_id)))
    lines = [f"{name}: {value}".encode("ascii") for name, value in headers]
    lines += [b"", b"This is a multipart message in MIME format.", b""]
    if attachments:
        lines += [
            f"--{outer}".encode(),
            f'Content-Type: multipart/alternative; boundary="{boundary}"'.encode(),
            b"",
        ]
    for subtype, body in (("plain", text), ("html", html)):
        lines.append(f"--{boundary}".encode())
        lines += _body(body, subtype)
    lines += [f"--{boundary}--".encode(), b""]
    for filename, mime, content in attachments:
        check_header_value("Content-Disposition", filename)
        if not re.fullmatch(r"[A-Za-z0-9._-]{1,100}", filename) or mime != "text/csv":
            raise HeaderRefused("attachment: unexpected name or type")
        part = _body(content, "csv")
        part[1:1] = [f'Content-Disposition: attachment; filename="{filename}"'.encode()]
        lines += [f"--{outer}".encode(), *part]
    if attachments:
        lines += [f"--{outer}--".encode(), b""]
    data = b"\r\n".join(lines)
    verify_headers(data, [name for name, _ in headers])
    return Envelope(from_address, recipient, data)


def verify_headers(data: bytes, expected: list[str]) -> None:
    """Read the header block back: exactly the expected names, one line each, nothing else."""
    head, separator, _ = data.partition(b"\r\n\r\n")
    if not separator:
        raise HeaderRefused("no end of headers")
    names = []
    for line in head.split(b"\r\n"):
        name, colon, _ = line.partition(b": ")
        if not colon or not re.fullmatch(rb"[A-Za-z-]+", name):
            raise HeaderRefused("a header line is malformed")
        names.append(name.decode("ascii"))
    if names != expected:
        raise HeaderRefused(f"unexpected headers: {names}")
