"""Input checks shared by services: each failure names the field."""

from __future__ import annotations

import functools
import re

from email_validator import EmailNotValidError, validate_email

from domain.errors import InvalidInput

SKU_LENGTH = 64  # the catalogue's column; a longer text is no SKU, only an unknown one
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def clean_email(value: str, *, field: str = "email") -> str:
    """The address as stored and compared, or an error naming ``field``.

    Syntax only (email-validator, no DNS: a lookup would block and fails offline), and only
    addresses the mail path can send to: plain ASCII, since the sender writes no SMTPUTF8
    (an internationalised domain is kept in its ``xn--`` form). Lower-cased whole: a customer
    is one address whatever its spelling, and mailboxes do not tell case apart in practice.
    """
    address = (value or "").strip()
    if _CONTROL.search(address):
        raise InvalidInput("Enter a valid email address.", field=field)
    try:
        normalized = _normalized(address)
    except EmailNotValidError as error:
        raise InvalidInput(f"Enter a valid email address: {error}", field=field) from None
    if len(normalized) > 254:
        raise InvalidInput("Enter a valid email address.", field=field)
    return normalized


@functools.lru_cache(maxsize=1024)
def _normalized(address: str) -> str:
    """email-validator's answer for ``address``, remembered: it depends on the text alone, and
    placing an order checks its address three times (validation, fingerprint, customer).
    A refusal is an exception, which the cache does not keep: it is checked again."""
    checked = validate_email(address, check_deliverability=False, allow_smtputf8=False)
    return (checked.ascii_email or checked.normalized).lower()


def clean_text(
    value: str, *, field: str, max_length: int, required: bool = True, multiline: bool = False
) -> str:
    text = (value or "").strip()
    if required and not text:
        raise InvalidInput("This field is required.", field=field)
    if len(text) > max_length:
        raise InvalidInput(f"Use at most {max_length} characters.", field=field)
    if "\x00" in text or (not multiline and ("\n" in text or "\r" in text)):
        raise InvalidInput("This field contains characters that are not allowed.", field=field)
    if _CONTROL.search(text.replace("\n", "").replace("\r", "").replace("\t", "")):
        raise InvalidInput("This field contains characters that are not allowed.", field=field)
    return text


def positive_quantity(value: int, *, field: str, maximum: int = 10_000) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise InvalidInput("Enter a whole number of at least 1.", field=field)
    if value > maximum:
        raise InvalidInput(f"Enter at most {maximum}.", field=field)
    return value


def sku_shaped(value: str) -> bool:
    """Whether ``value`` could name a product at all. Longer texts, and texts with control
    characters (PostgreSQL refuses a NUL in any text parameter), are unknown, not errors."""
    return len(value) <= SKU_LENGTH and plain(value)


def plain(value: str) -> bool:
    """No control characters: what every stored name, number and SKU is."""
    return not _CONTROL.search(value)


def searchable(value: str) -> str:
    """Search text without the control characters no stored text holds (a NUL would make
    PostgreSQL refuse the whole query)."""
    return _CONTROL.sub("", value)


def idempotency_key(value: str | None, *, field: str = "idempotencyKey") -> str | None:
    if value is None:
        return None
    key = value.strip()
    if not key or len(key) > 100 or _CONTROL.search(key):
        raise InvalidInput("Use 1 to 100 printable characters.", field=field)
    return key
