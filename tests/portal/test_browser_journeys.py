"""Customer journeys in headless Chromium against the real service (uvicorn, demo store).

The last page of each journey is kept as a screenshot in test-artifacts/.
"""

from __future__ import annotations

import re

from playwright.async_api import Browser, expect

from tests.portal.browser import artifact


async def test_customer_orders_a_mix_sees_the_split_and_cancels_a_line(
    live_server: str,
    browser: Browser,
) -> None:
    page = await browser.new_page()
    await page.goto(live_server + "/")
    await expect(
        page.get_by_role("heading", name="Order now, even what is still on its way")
    ).to_be_visible()
    await expect(page.get_by_text("In stock, arrives").first).to_be_visible()
    # The demo's first air-conditioner PO is overdue: what waits on it is late (rule 20).
    await expect(
        page.get_by_text("Backordered, the supplier's delivery is late: now arrives").first
    ).to_be_visible()

    await page.get_by_role("link", name="City helmet").click()
    await page.get_by_label("Quantity", exact=True).last.fill("1")
    await page.get_by_role("button", name="Add to cart").click()
    await page.get_by_role("link", name="Shop").click()
    await page.get_by_role("link", name="Split air conditioner 12k BTU").click()
    await page.get_by_role("button", name="Add to cart").click()

    await expect(page.get_by_role("heading", name="Your cart")).to_be_visible()
    await page.get_by_label("Email", exact=True).fill("browser.customer@example.com")
    await page.get_by_label("Full name").fill("Browser Customer")
    await page.get_by_label("Shipping address").fill("1 Test Street\nTestville")
    await page.get_by_label("I understand part of this order ships later").check()
    await page.get_by_role("button", name="Place order").click()

    await expect(page.get_by_role("heading", name=re.compile(r"^Order R"))).to_be_visible()
    status_url = page.url
    rows = page.locator("table.lines tbody tr")
    await expect(rows).to_have_count(2)
    await expect(
        page.get_by_role("heading", name="Thank you, your order is placed")
    ).to_be_visible()
    await expect(page.get_by_text("City helmet: 1 ships now")).to_be_visible()
    await expect(page.get_by_text("Split air conditioner 12k BTU: 1 waits")).to_be_visible()
    await expect(page.get_by_text("(in stock)", exact=True)).to_be_visible()
    await expect(
        page.get_by_text("(the supplier's delivery is late; new estimate)", exact=True)
    ).to_be_visible()
    await expect(page.get_by_text("from a confirmed supplier delivery")).to_have_count(0)

    await page.goto(status_url)
    option = page.locator("#line_id option", has_text="Split air conditioner")
    await page.get_by_label("Item", exact=True).select_option(await option.get_attribute("value"))
    await page.get_by_role("button", name="Cancel with refund").click()
    await expect(
        page.get_by_text("Cancelled. The refund for those items is on its way.")
    ).to_be_visible()
    await page.screenshot(path=str(artifact("journey-order-and-cancel.png")), full_page=True)
    await page.close()


async def test_customer_requests_a_custom_build_and_accepts_the_quote(
    live_server: str,
    browser: Browser,
) -> None:
    page = await browser.new_page()
    await page.goto(live_server + "/products/MOTO-CUSTOM")
    await page.get_by_label("Café racer").check()
    await page.get_by_label("900 cc triple").check()
    await page.get_by_label("Midnight blue").check()
    await expect(page.locator("#running-price")).to_have_text("13500.00")
    await page.get_by_label("Email", exact=True).fill("rider@example.com")
    await page.get_by_label("Full name").fill("Rider")
    await page.get_by_label("Shipping address").fill("2 Garage Lane")
    await page.get_by_role("button", name="Get my quote").click()
    await expect(page.get_by_text("€13,500.00")).to_be_visible()
    await page.get_by_role("button", name="Accept and order").click()
    await expect(page.get_by_role("heading", name=re.compile(r"^Order R"))).to_be_visible()
    await expect(page.get_by_text("(from the build time)")).to_be_visible()
    await page.screenshot(path=str(artifact("journey-custom-build.png")), full_page=True)
    await page.close()
