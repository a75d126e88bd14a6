"""Reading staff form fields: dates, optional whole numbers, a fresh idempotency key."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from typing import Any

from domain import numbers
from domain.errors import InvalidInput
from portal.web import text


def date_field(form: Mapping[str, Any], name: str, *, field: str) -> dt.date:
    raw = text(form, name).strip()
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput("Enter a date such as 2027-03-14.", field=field) from None


def number_field(
    form: Mapping[str, Any],
    name: str,
    *,
    field: str,
    default: int | None = None,
    minimum: int = 0,
    maximum: int = numbers.MAX_COUNT,
) -> int:
    """A whole number of ASCII digits; empty gives ``default`` when there is one. The bounds
    only keep it storable (ids: ``minimum=1, maximum=numbers.MAX_ID``); the service says what
    its rule allows."""
    raw = text(form, name)
    if not raw.strip() and default is not None:
        return default
    return numbers.whole_number(
        raw, field=field, minimum=minimum, maximum=maximum, message="Enter a whole number."
    )


def new_key() -> str:
    """A form's idempotency key: submitting the same form twice does the work once."""
    return secrets.token_urlsafe(16)
