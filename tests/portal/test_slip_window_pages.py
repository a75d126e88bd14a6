"""DOMAIN.md rule 21 as customers read it: the order page shows the window widened by slips."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

from domain.promises.eta import Window
from domain.vocabulary import EtaBasis
from portal.formatting import window
from tests import builders as b

pytestmark = pytest.mark.usefixtures("db")
DAY = dt.timedelta(days=1)


async def test_the_order_page_shows_the_slip_widened_window(client: httpx.AsyncClient) -> None:
    supplier = await b.supplier()
    for slip in (2, 4, 6, 8):  # the store's only history: 90% of deliveries within 8 days
        other = await b.product(supplier_=supplier)
        po = await b.purchase_order(supplier, b.TODAY, (other, 1))
        await b.receipt(po, 1, context=b.later(b.ctx(), days=slip))
    context = b.later(b.ctx(), days=10)
    product = await b.product(supplier_=supplier)
    await b.purchase_order(supplier, b.TODAY + 30 * DAY, (product, 5), context=context)
    placed = await b.order((product, 1), context=context)
    page = await client.get(f"/orders/{placed.token}")
    assert page.status_code == 200
    expected = b.TODAY + 30 * DAY
    widened = Window(
        expected + b.POLICY.transit_days_min * DAY,
        expected + (8 + b.POLICY.transit_days_max) * DAY,
        EtaBasis.PURCHASE_ORDER,
    )
    unwidened = Window(widened.earliest, expected + b.POLICY.transit_days_max * DAY, widened.basis)
    assert window(widened) in page.text
    assert window(unwidened) not in page.text
