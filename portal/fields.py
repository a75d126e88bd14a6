"""The HTML door's names for the fields that domain errors name: one table for the door.

A domain error names its field in the domain's words (``shipping_address``,
``lines[0].quantity``); a page shows the message beside the form field of that name
(``field_error(errors, name)`` in the templates), or at the top of the form when it names none.
The portal's forms are named in the domain's words, so most names pass as they are; ``RENAMED``
lists, per form (the route name it posts to), the fields a form names otherwise. Rows of a
table that each carry a form (``line-12``, ``order-7``) are keyed by the page itself.
"""

from __future__ import annotations

RENAMED: dict[str, dict[str, str]] = {
    # The waitlist form on a product page has one field: every refusal is told beside it.
    "portal:waitlist-join": {"email": "waitlist_email", "sku": "waitlist_email"},
}


def form_field(field: str | None, form: str | None = None) -> str:
    """The form field to show an error of the domain's ``field`` beside, on ``form``."""
    if not field:
        return "form"
    return RENAMED.get(form, {}).get(field, field) if form else field
