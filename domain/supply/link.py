"""A supplier's private link to one purchase order (DOMAIN.md rule 24). Pure.

The token is ``<po id>.<last valid day as days since 2000-01-01>.<signature>``, the signature
an HMAC-SHA256 under the store's secret key of the purpose, PO id, last day and the PO's link
salt. Changing any part breaks the signature; a new salt (the PO sent again) revokes every
earlier link; the last day makes it expire. No account, nothing stored but the salt.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
from dataclasses import dataclass

EPOCH = dt.date(2000, 1, 1)
_SHAPE = re.compile(r"^([1-9][0-9]{0,9})\.([0-9]{1,6})\.([A-Za-z0-9_-]{43})$")


def _signature(secret_key: str, po_id: int, day: int, salt: str) -> str:
    digest = hmac.new(
        secret_key.encode(), f"supplier-po:{po_id}:{day}:{salt}".encode(), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def supplier_token(secret_key: str, po_id: int, expires: dt.date, salt: str) -> str:
    day = (expires - EPOCH).days
    return f"{po_id}.{day}.{_signature(secret_key, po_id, day, salt)}"


@dataclass(frozen=True)
class Claim:
    """What a token says before it is checked against the PO's salt."""

    po_id: int
    expires: dt.date
    day: int
    signature: str


def read_token(token: str) -> Claim | None:
    """The token's parts, or None when it is not shaped like one of ours."""
    found = _SHAPE.match(token or "")
    if found is None:
        return None
    day = int(found.group(2))
    return Claim(int(found.group(1)), EPOCH + dt.timedelta(days=day), day, found.group(3))


def signed_by_us(secret_key: str, claim: Claim, salt: str) -> bool:
    if not salt:
        return False
    expected = _signature(secret_key, claim.po_id, claim.day, salt)
    return hmac.compare_digest(expected, claim.signature)
