"""Every address the domain hands out (emails, a supplier's link) is one the portal serves:
``domain/portal_urls.py`` spells them, the portal's router names them."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from app import create_app
from domain import portal_urls
from tests.portal.conftest import SETTINGS

BASE = "https://shop.example"

CASES: list[tuple[Callable[[str, str], str], str, dict[str, str]]] = [
    (portal_urls.order_url, "portal:order-status", {"token": "tok-1"}),
    (portal_urls.build_url, "portal:build-status", {"token": "tok-1"}),
    (portal_urls.supplier_po_url, "portal:supplier-po", {"token": "tok-1"}),
    (portal_urls.waitlist_confirm_url, "portal:waitlist-confirm", {"token": "tok-1"}),
    (portal_urls.waitlist_leave_url, "portal:waitlist-leave", {"token": "tok-1"}),
    (portal_urls.product_url, "portal:product", {"sku": "TOK-1"}),
]


@pytest.mark.parametrize(("url_of", "route", "params"), CASES)
def test_each_address_in_an_email_is_a_route_of_the_portal(
    url_of: Callable[[str, str], str], route: str, params: dict[str, str]
) -> None:
    app = create_app(SETTINGS, manage_database=False)
    (value,) = params.values()
    assert url_of(BASE, value) == BASE + app.url_path_for(route, **params)
    assert url_of(BASE + "/", value) == BASE + app.url_path_for(route, **params)
