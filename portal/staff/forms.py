"""Reading staff form fields: dates, optional whole numbers, a fresh idempotency key."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from typing import Any

from domain.errors import InvalidInput
from portal.web import text, whole_number


def date_field(form: Mapping[str, Any], name: str, *, field: str) -> dt.date:
    raw = text(form, name).strip()
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput("Enter a date such as 2027-03-14.", field=field) from None


def number_field(
    form: Mapping[str, Any], name: str, *, field: str, default: int | None = None
) -> int:
    """A whole number; empty gives ``default`` when there is one."""
    if not text(form, name).strip() and default is not None:
        return default
    value = whole_number(form, name)
    if value is None:
        raise InvalidInput("Enter a whole number.", field=field)
    return value


def new_key() -> str:
    """A form's idempotency key: submitting the same form twice does the work once."""
    return secrets.token_urlsafe(16)
