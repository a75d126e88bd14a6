"""Every staff page, signed in, in headless Chromium at 1280 and 390 px: axe-core finds no WCAG
2.0/2.1/2.2 A or AA violation and every focus outline stands out 3:1; the reports page reflows
at 320 px. Screenshots are kept in test-artifacts/ (``staff-<width>px-<page>.png``)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect

from tests.portal.browser import Survey, add_staff_member, artifact, horizontal_overflow

PASSWORD = "a long staff password"


@pytest.fixture(autouse=True)
def mail_stays_queued(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    monkeypatch.setenv("MAIL_SENDER", "worker")
    monkeypatch.setenv("MAILBOX_DIR", str(tmp_path / "mailbox"))
    yield


def nav(page: Page, name: str) -> object:
    return page.get_by_role("navigation", name="Staff").get_by_role("link", name=name, exact=True)


async def sign_in(page: Page, base: str) -> None:
    await page.goto(base + "/staff/")
    await page.get_by_label("Email").fill("ops@example.com")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", name=re.compile(r"^Today, "))).to_be_visible()


async def visit_every_staff_page(page: Page, base: str, survey: Survey) -> None:
    await page.goto(base + "/staff/sign-in")
    await survey.check(page, "sign-in")
    await sign_in(page, base)
    await survey.check(page, "dashboard")

    await page.goto(base + "/staff/purchase-orders")
    await survey.check(page, "purchase-orders")
    await page.goto(base + "/staff/purchase-orders/new")
    await survey.check(page, "purchase-order-new")
    await page.goto(base + "/staff/")
    overdue = page.locator(
        "section", has=page.get_by_role("heading", name="Overdue purchase orders")
    )
    await overdue.locator("tbody tr a").first.click()
    await survey.check(page, "purchase-order")
    po_url = page.url
    new_date = dt.date.today() + dt.timedelta(days=30)
    await page.get_by_label("New expected date").fill(new_date.isoformat())
    await page.get_by_label("Reason (customers read it)").fill("New ship date")
    await page.get_by_role("button", name="Preview the impact").click()
    await expect(page.locator("#impact-headline")).to_be_visible()
    await survey.check(page, "date-preview")
    await page.get_by_role("button", name=re.compile(r"^Confirm: move to")).click()
    await expect(page.get_by_text("Done.")).to_be_visible()
    await survey.check(page, "purchase-order-moved")

    await page.goto(base + "/staff/reorder")
    await page.get_by_role("button", name="Recompute now").click()
    await expect(page.get_by_text("Suggestions recomputed")).to_be_visible()
    await survey.check(page, "reorder")

    await page.goto(base + "/staff/receiving")
    await survey.check(page, "receiving")
    await page.goto(po_url)
    await page.get_by_role("link", name=re.compile(r"^Record a receipt against")).click()
    await survey.check(page, "receive")
    await page.get_by_label("Units of AC-SPLIT-12 received").fill("2")
    await page.get_by_role("button", name="Record the receipt").click()
    await expect(page.get_by_text("Receipt recorded.")).to_be_visible()
    await survey.check(page, "receipt")

    await page.goto(base + "/staff/orders")
    await survey.check(page, "orders")
    await page.locator("tbody tr a").first.click()
    await survey.check(page, "order")

    await page.goto(base + "/staff/shipping")
    await survey.check(page, "shipping")
    await page.get_by_role("button", name="Pack a parcel").first.click()
    await expect(page.get_by_text("Parcel packed.")).to_be_visible()
    await page.goto(base + "/staff/shipping")
    await survey.check(page, "shipping-packed")

    await page.goto(base + "/staff/builds")
    await survey.check(page, "builds")
    await page.locator("tbody tr a").first.click()
    await survey.check(page, "build")

    for view in ("waiting", "failing", "sent", "dead", "superseded"):
        await page.goto(f"{base}/staff/email?view={view}")
        await survey.check(page, f"email-{view}")
    await page.goto(base + "/staff/reports")
    await survey.check(page, "reports")
    await page.goto(base + "/staff/tokens")
    await survey.check(page, "tokens")
    await page.get_by_label(re.compile(r"^Name")).fill("Storefront")
    await page.locator("input[name=scopes]").first.check()
    await page.get_by_role("button", name="Create token").click()
    await survey.check(page, "token-created")
    await visit_the_catalogue_pages(page, base, survey)
    await page.goto(base + "/staff/orders/999999")
    await survey.check(page, "not-found")


async def visit_the_catalogue_pages(page: Page, base: str, survey: Survey) -> None:
    await page.goto(base + "/staff/products")
    await survey.check(page, "products")
    await page.locator("tbody tr a").first.click()
    await survey.check(page, "product")
    await page.goto(base + "/staff/products/new")
    await survey.check(page, "product-new")
    await page.goto(base + "/staff/suppliers")
    await survey.check(page, "suppliers")
    await page.locator("tbody tr a").first.click()
    await survey.check(page, "supplier")
    await page.goto(base + "/staff/suppliers/new")
    await survey.check(page, "supplier-new")
    await page.goto(base + "/staff/catalogue/import")
    await survey.check(page, "catalogue-import")


@pytest.mark.parametrize("width", [1280, 390], ids=["desktop", "phone"])
async def test_every_staff_page_passes_axe_signed_in(
    live_server: str, browser: Browser, width: int
) -> None:
    add_staff_member(live_server, "ops@example.com", "Olivia Ops", PASSWORD)
    context = await browser.new_context(
        viewport={"width": width, "height": 900},
        bypass_csp=True,  # to inject axe-core
    )
    page = await context.new_page()
    survey = Survey("staff", width, reflow=False)
    await visit_every_staff_page(page, live_server, survey)
    await context.close()
    assert len(survey.seen) == 33
    assert not survey.problems, survey.report()


async def test_the_reports_reflow_at_320_px_with_readable_chart_text(
    live_server: str, browser: Browser
) -> None:
    add_staff_member(live_server, "ops@example.com", "Olivia Ops", PASSWORD)
    context = await browser.new_context(viewport={"width": 320, "height": 800})
    page = await context.new_page()
    await sign_in(page, live_server)
    await page.goto(live_server + "/staff/reports")
    await page.screenshot(path=str(artifact("staff-320px-reports.png")), full_page=True)
    assert await horizontal_overflow(page) == 0
    smallest = await page.evaluate(
        "Math.min(...[...document.querySelectorAll('svg.chart text')]"
        ".map(t => t.getBoundingClientRect().height))"
    )
    assert smallest >= 11, f"chart text is drawn {smallest:.1f} px high"
    await context.close()
