"""Where emails and links point: every portal address the domain hands out, spelled here once.

The portal serves these paths (``portal/pages/``: ``order-status``, ``build-status``,
``supplier-po``, ``waitlist-confirm``, ``waitlist-leave``, ``product``); a test asks the
portal's router for each of them. ``base_url`` is where the portal is reached from outside.
"""

from __future__ import annotations


def _base(base_url: str) -> str:
    return base_url.rstrip("/")


def order_url(base_url: str, token: str) -> str:
    return f"{_base(base_url)}/orders/{token}"


def build_url(base_url: str, token: str) -> str:
    return f"{_base(base_url)}/builds/{token}"


def supplier_po_url(base_url: str, token: str) -> str:
    return f"{_base(base_url)}/supplier/po/{token}"


def waitlist_confirm_url(base_url: str, token: str) -> str:
    return f"{_base(base_url)}/waitlist/{token}"


def waitlist_leave_url(base_url: str, token: str) -> str:
    return f"{_base(base_url)}/waitlist/{token}/leave"


def product_url(base_url: str, sku: str) -> str:
    return f"{_base(base_url)}/products/{sku}"
