"""Whole numbers that arrive from outside: ids, page positions, quantities, other counts.

``str.isdigit()`` says yes to ``²`` and ``٣``; ``int()`` then refuses the first and reads the
second as 3, and neither cares how long the text is, while a database column holds 32 bits.
Every number a request carries (a form field, a query parameter, a path segment, the inside of
an opaque id or cursor) is read by one of the functions below: ASCII digits only, within the
range its kind allows, or an ``InvalidInput`` that names the field. The doors decide what that
means for them: a 400 page or a message next to the field on the portal, a ``UserError``, an
``INVALID`` GraphQL error or "not found" in the API.
"""

from __future__ import annotations

import re

from domain.errors import InvalidInput

MAX_ID = 2**31 - 1  # every primary key is a 32-bit integer column, on both databases
MAX_QUANTITY = 10_000  # the most units one line, receipt or purchase order line may carry
MAX_COUNT = 2**31 - 1  # any other count a request may carry (days, units in a cursor)
_DIGITS = re.compile(r"-?[0-9]{1,12}")  # 12 digits: past every bound, short enough to read


def whole_number(
    raw: object, *, field: str, minimum: int, maximum: int, message: str | None = None
) -> int:
    """``raw`` (text of ASCII digits, optionally signed, or an int) within ``minimum..maximum``.
    The refusal is made only when refused: most numbers read are good ones."""
    value: int | None = None
    if isinstance(raw, bool):
        pass
    elif isinstance(raw, int):
        value = raw
    elif isinstance(raw, str) and _DIGITS.fullmatch(stripped := raw.strip()):
        value = int(stripped)
    if value is None or not minimum <= value <= maximum:
        text = message or f"Enter a whole number from {minimum} to {maximum}."
        raise InvalidInput(text, field=field)
    return value


def byte_count(raw: str | None, *, field: str = "Content-Length") -> int:
    """A request's declared size; absent means 0."""
    return whole_number(
        raw or "0", field=field, minimum=0, maximum=2**53, message=f"{field} is not valid."
    )


def database_id(raw: object, *, field: str) -> int:
    """A primary key: 1 to ``MAX_ID``."""
    return whole_number(
        raw, field=field, minimum=1, maximum=MAX_ID, message="This id is not valid."
    )


def database_id_or_none(raw: object) -> int | None:
    """A primary key, or None when ``raw`` cannot be one (which reads as "not found")."""
    try:
        return database_id(raw, field="id")
    except InvalidInput:
        return None


def quantity(raw: object, *, field: str, maximum: int = MAX_QUANTITY) -> int:
    """Units of something: 1 to ``maximum``."""
    message = f"Enter a quantity from 1 to {maximum}."
    return whole_number(raw, field=field, minimum=1, maximum=maximum, message=message)


def page_position(raw: str | None, *, field: str) -> int | None:
    """A page link's ``after``/``before``: the id where the page starts; empty means the first."""
    if raw is None or raw == "" or raw == "0":
        return None
    return whole_number(
        raw, field=field, minimum=1, maximum=MAX_ID, message="This page link is not valid."
    )


def cursor_number(raw: object, *, field: str = "after", maximum: int = MAX_COUNT) -> int:
    """One number inside a pagination cursor's sort key: an int from 0 to ``maximum``."""
    if not isinstance(raw, int):
        raise InvalidInput("This cursor is not valid here.", field=field)
    return whole_number(
        raw, field=field, minimum=0, maximum=maximum, message="This cursor is not valid here."
    )
