"""Every customer page in headless Chromium at a desktop (1280 px) and a phone (390 px) width:
nothing scrolls sideways, axe-core finds no WCAG 2.0/2.1/2.2 A or AA violation, and every focus
outline stands out 3:1. Screenshots of each page are kept in test-artifacts/."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, Page, expect

from tests.portal.browser import Survey

PRODUCTS = {
    "in-stock": "HELMET-CITY",
    "backordered": "AC-SPLIT-12",
    "sold-out": "CUSHION-LINEN",
    "preorder": "EBIKE-VOLT2",
    "made-to-order": "SOFA-OSLO-3",
    "custom-build": "MOTO-CUSTOM",
}


async def add_to_cart(page: Page, base: str, sku: str, quantity: int) -> None:
    await page.goto(f"{base}/products/{sku}")
    await page.get_by_label("Quantity", exact=True).last.fill(str(quantity))
    await page.get_by_role("button", name="Add to cart").click()
    await expect(page.get_by_role("heading", name="Your cart")).to_be_visible()


async def fill_customer(page: Page, email: str) -> None:
    await page.get_by_label("Email", exact=True).fill(email)
    await page.get_by_label("Full name").fill("Phone Customer")
    await page.get_by_label("Shipping address").fill("1 Narrow Street\nSmallville")


async def visit_every_customer_page(page: Page, base: str, survey: Survey) -> None:
    await page.goto(base + "/")
    await survey.check(page, "landing")
    for mode, sku in PRODUCTS.items():
        await page.goto(f"{base}/products/{sku}")
        await survey.check(page, f"product-{mode}")
    await page.goto(f"{base}/products/AC-SPLIT-12?quantity=3")
    await survey.check(page, "product-split-preview")

    await page.goto(base + "/cart")
    await survey.check(page, "cart-empty")
    await add_to_cart(page, base, "HELMET-CITY", 2)
    await add_to_cart(page, base, "AC-SPLIT-12", 1)
    await add_to_cart(page, base, "SOFA-OSLO-3", 1)
    await survey.check(page, "cart")

    await page.get_by_label("Email", exact=True).fill("not an email")
    await page.get_by_role("button", name="Place order").click()  # the browser checks the email
    await page.evaluate("document.querySelector('form.checkout').noValidate = true")
    await page.get_by_role("button", name="Place order").click()
    await expect(page.locator(".error").first).to_be_visible()
    await survey.check(page, "checkout-refused")

    await fill_customer(page, "phone.customer@example.com")
    await page.get_by_label(re.compile("I understand part of this order ships later")).check()
    await page.get_by_role("button", name="Place order").click()
    await expect(page.get_by_role("heading", name=re.compile(r"^Order R"))).to_be_visible()
    await survey.check(page, "order-placed")
    status = page.url
    option = page.locator("#line_id option", has_text="Split air conditioner")
    await page.get_by_label("Item", exact=True).select_option(await option.get_attribute("value"))
    await page.get_by_role("button", name="Cancel with refund").click()
    await expect(page.get_by_text("Cancelled.")).to_be_visible()
    await page.goto(status)
    await survey.check(page, "order-status")

    await page.goto(base + "/links")
    await survey.check(page, "links")
    await page.get_by_label("Email", exact=True).fill("phone.customer@example.com")
    await page.get_by_role("button", name="Email me my links").click()
    await survey.check(page, "links-sent")

    await page.goto(f"{base}/products/MOTO-CUSTOM")
    await page.get_by_label("Café racer").check()
    await page.get_by_label("900 cc triple").check()
    await page.get_by_label("Midnight blue").check()
    await survey.check(page, "build-request")
    await fill_customer(page, "rider@example.com")
    await page.get_by_role("button", name="Get my quote").click()
    await expect(page.get_by_role("button", name="Accept and order")).to_be_visible()
    await survey.check(page, "build-quote")

    await page.goto(base + "/no-such-page")
    await survey.check(page, "not-found")
    await page.goto(base + "/orders/not-a-real-token")
    await survey.check(page, "order-not-found")


@pytest.mark.parametrize("width", [1280, 390], ids=["desktop", "phone"])
async def test_every_customer_page_fits_the_window_and_passes_axe(
    live_server: str, browser: Browser, width: int
) -> None:
    context = await browser.new_context(
        viewport={"width": width, "height": 900},
        bypass_csp=True,  # to inject axe-core
    )
    page = await context.new_page()
    survey = Survey("customer", width, reflow=True)
    await visit_every_customer_page(page, live_server, survey)
    await context.close()
    assert len(survey.seen) == 19
    assert not survey.problems, survey.report()


async def test_the_page_checks_catch_what_they_look_for(browser: Browser) -> None:
    """The scans above pass because the pages are right, not because the checks see nothing."""
    context = await browser.new_context(viewport={"width": 390, "height": 600}, bypass_csp=True)
    page = await context.new_page()
    await page.set_content(
        '<html lang="en"><head><title>Bad page</title><style>'
        "a:focus { outline: 3px solid #f2a900; } .wide { width: 900px; }</style></head>"
        '<body><main><h1>Bad</h1><img src="x.png"><a href="#">link</a>'
        '<div aria-labelledby="t"><p id="t">Text</p></div>'
        "<table><tr><th>Name</th><th></th></tr><tr><td>a</td><td>b</td></tr></table>"
        '<p class="wide">wide</p></main></body></html>'
    )
    survey = Survey("check", 390, reflow=True)
    await survey.check(page, "bad")
    await context.close()
    found = "\n".join(survey.problems["bad (about:blank)"])
    assert "scrolls sideways by" in found
    assert "image-alt" in found
    assert "needs review: aria-prohibited-attr" in found
    assert 'focus outline a "link": 2.01:1' in found
    assert "empty table header in Name" in found
