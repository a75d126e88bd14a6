"""The id of the request (or scheduled run) that caused a change, carried to what it writes.

The web door sets it for each request (``X-Request-Id`` when the client's is sane, else a new
one); outbox rows written while it is set keep it, and the emails they produce carry it in an
``X-Request-Id`` header, so one id leads from a log line to the row and to the message.
"""

from __future__ import annotations

import os
import re
from contextvars import ContextVar

MAX_LENGTH = 64
# Letters, digits and a few separators: safe in a log line, a column and an email header.
_SANE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")

_current: ContextVar[str | None] = ContextVar("request_id", default=None)


def sane(value: str | None) -> bool:
    return value is not None and _SANE.fullmatch(value) is not None


def new_request_id() -> str:
    """A random UUID version 4 in its 32 hex digits, as ``uuid.uuid4().hex`` writes it, without
    building a ``UUID`` object (made for every request that brings no id of its own)."""
    raw = bytearray(os.urandom(16))
    raw[6] = raw[6] & 0x0F | 0x40  # version 4
    raw[8] = raw[8] & 0x3F | 0x80  # RFC 4122 variant
    return raw.hex()


def chosen(offered: str | None) -> str:
    """The client's id when it is sane, else a new one: a client cannot inject into logs or
    headers, nor make every line of a log carry one huge id."""
    return offered if offered is not None and sane(offered) else new_request_id()


def current_request_id() -> str | None:
    return _current.get()


def set_request_id(value: str | None) -> object:
    """Set for the current task and what it starts; the token resets it."""
    return _current.set(value)


def reset_request_id(token: object) -> None:
    _current.reset(token)  # type: ignore[arg-type]
