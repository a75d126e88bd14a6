"""Consent to wait (DOMAIN.md, who uses it: customers must know at once what waits). Pure.

An order whose lines partly wait is placed only when the customer confirmed that part of it ships
later. The portal asks, on the cart, and passes the answer; the API passes ``consentsToWaiting``
as its storefront sent it. A storefront that does not ask sends none, and ``None`` leaves the
rule nothing to check (storefronts written before the field show the split themselves).
"""

from __future__ import annotations

from collections.abc import Iterable

from domain.errors import InvalidInput

CONSENT_MESSAGE = "Please confirm that you understand part of this order ships later."


def asks_consent(waiting: Iterable[int]) -> bool:
    """Whether the customer must confirm before ordering: some units of some line would wait.
    ``waiting``: the units of each line that no stock covers."""
    return any(units > 0 for units in waiting)


def require_consent_to_wait(waiting: Iterable[int], consented: bool | None) -> None:
    """Refuse the order when some of its units would wait and the customer, asked, did not
    confirm it."""
    if consented is False and asks_consent(waiting):
        raise InvalidInput(CONSENT_MESSAGE, field="consent")
