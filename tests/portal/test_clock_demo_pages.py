"""Rule 18 on the pages: after the clock's run on today's date, the demo store shows no past
date as a current delivery estimate, on the landing page, product pages or order pages."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import httpx

from domain.catalog.models import Product
from domain.clock.jobs import store_day
from domain.clock.runner import run_day
from domain.customers.links import link_token
from domain.demo import build_demo_store
from domain.ordering.models import Order
from domain.ordering.services import ORDER_LINK
from tests.portal.conftest import SETTINGS

MONTHS = {m: i for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), 1)}
DAY = r"[A-Z][a-z]{2} \d{1,2}(?:, \d{4})?"
WINDOW = DAY + r"(?:(?: to |–| – )(?:[A-Z][a-z]{2} )?\d{1,2}(?:, \d{4})?)?"


def earliest(window: str, today: dt.date) -> dt.date:
    """The first date of a window as the portal writes it (``Mar 3–6, 2027``)."""
    found = re.match(r"([A-Z][a-z]{2}) (\d{1,2})(?:, (\d{4}))?", window)
    assert found, window
    year = found.group(3)
    if year is None and len(re.findall(r"[A-Z][a-z]{2}", window)) == 1:
        trailing = re.search(r", (\d{4})$", window)
        year = trailing.group(1) if trailing else None
    return dt.date(int(year or today.year), MONTHS[found.group(1)], int(found.group(2)))


def current_estimates(html: str) -> list[str]:
    """Every "arrives/arriving ..." and each order line's "Now expected" cell."""
    text = unescape(re.sub(r"<[^>]+>", " ", html))
    text = re.sub(r"\s+", " ", text)
    found = re.findall(rf"\barriv(?:es|ing) ({WINDOW})", text)
    for row in re.findall(r"<tr>(.*?)</tr>", html, re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        if len(cells) == 7:  # the order's lines table: the last cell is the current estimate
            cell = re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", cells[-1]))).strip()
            if cell != "—" and (match := re.match(WINDOW, cell)):
                found.append(match.group(0))
    return found


async def test_the_demo_store_after_a_clock_run_today_shows_no_past_date_as_a_current_eta(
    client: httpx.AsyncClient,
) -> None:
    policy = SETTINGS.policy
    await build_demo_store(policy)
    today = store_day(policy)
    await run_day(today, policy)
    pages = ["/"]
    pages += [f"/products/{sku}" for sku in await Product.all().values_list("sku", flat=True)]
    for number, salt in await Order.all().values_list("number", "token_salt"):
        pages.append(f"/orders/{link_token(policy.secret_key, ORDER_LINK, number, salt)}")
    seen = 0
    for page in pages:
        response = await client.get(page)
        assert response.status_code == 200, page
        for window in current_estimates(response.text):
            seen += 1
            assert earliest(window, today) >= today, (page, window)
    assert seen > 10  # the check read real estimates
    landing = (await client.get("/")).text
    assert "Backordered, the supplier&#39;s delivery is late: now arrives" in landing
