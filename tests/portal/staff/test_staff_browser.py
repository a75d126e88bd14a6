"""A staff member runs the day in headless Chromium against the real service and demo store:
signs in, moves the overdue purchase order's date after reading who it touches, and sees the
customers' emails queued. Each main page is kept as a screenshot in test-artifacts/.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect

from tests.portal.browser import add_staff_member, artifact

PASSWORD = "a long staff password"


@pytest.fixture(autouse=True)
def mail_stays_queued(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Only a separate worker would send: the emails the change queues stay visible as queued."""
    monkeypatch.setenv("MAIL_SENDER", "worker")
    monkeypatch.setenv("MAILBOX_DIR", str(tmp_path / "mailbox"))
    yield


async def shot(page: Page, name: str) -> None:
    await page.screenshot(path=str(artifact(f"staff-{name}.png")), full_page=True)


async def test_staff_move_a_po_date_knowing_its_impact_and_see_the_emails_queued(
    live_server: str,
    browser: Browser,
) -> None:
    add_staff_member(live_server, "ops@example.com", "Olivia Ops", PASSWORD)
    page = await browser.new_page(viewport={"width": 1360, "height": 900})
    await page.goto(live_server + "/staff/")
    await expect(page.get_by_role("heading", name="Staff sign-in")).to_be_visible()
    await page.get_by_label("Email").fill("ops@example.com")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()

    await expect(page.get_by_role("heading", name=re.compile(r"^Today, "))).to_be_visible()
    await expect(page.get_by_text("Olivia Ops")).to_be_visible()
    overdue = page.locator(
        "section", has=page.get_by_role("heading", name="Overdue purchase orders")
    )
    await expect(overdue.locator("tbody tr")).to_have_count(1)
    await shot(page, "dashboard")

    await overdue.locator("tbody tr a").first.click()
    await expect(
        page.get_by_role("heading", name=re.compile(r"^Purchase order PO"))
    ).to_be_visible()
    po_url = page.url
    await expect(page.get_by_text(re.compile(r"overdue by \d+ days"))).to_be_visible()
    new_date = dt.date.today() + dt.timedelta(days=30)
    await page.get_by_label("New expected date").fill(new_date.isoformat())
    await page.get_by_label("Reason (customers read it)").fill(
        "The supplier confirmed a new ship date"
    )
    await page.get_by_role("button", name="Preview the impact").click()

    headline = page.locator("#impact-headline")
    await expect(headline).to_have_text(
        re.compile(
            r"This moves 3 lines in 3 orders; 2 customers will be emailed \(3 emails\);"
            r" 3 lines pass their promised date and get a delay notice\."
        )
    )
    touched = page.get_by_role("table").filter(has_text="Who it touches")
    await expect(touched.locator("tbody tr")).to_have_count(3)
    await expect(touched.get_by_text("tom.becker@example.com").first).to_be_visible()
    await shot(page, "date-preview")

    await page.get_by_role("button", name=re.compile(r"^Confirm: move to")).click()
    await expect(
        page.get_by_text(
            re.compile(
                r"Moved 3 lines in 3 orders; 2 customers emailed \(3 emails queued\);"
                r" 3 delay notices"
            )
        )
    ).to_be_visible()
    await expect(
        page.get_by_text(re.compile(r"by Olivia Ops <ops@example.com>\. “The supplier"))
    ).to_be_visible()
    await shot(page, "purchase-order")

    await page.get_by_role("link", name="See the queued emails").click()
    await expect(page.get_by_role("heading", name="Waiting to send")).to_be_visible()
    newest = [await page.locator("tbody tr").nth(i).inner_text() for i in range(3)]  # newest first
    assert all("delay notice" in row for row in newest)
    assert sorted(row.split("\t")[2] for row in newest) == [
        "aiko.tanaka@example.com",
        "tom.becker@example.com",
        "tom.becker@example.com",
    ]
    await shot(page, "email")

    await page.goto(po_url)
    await page.get_by_role("link", name=re.compile(r"^Record a receipt against")).click()
    await page.get_by_label("Units of AC-SPLIT-12 received").fill("4")
    await shot(page, "receive")
    await page.get_by_role("button", name="Record the receipt").click()
    await expect(page.get_by_text("Receipt recorded.")).to_be_visible()
    filled = page.locator("table").last  # "Orders it filled"
    await expect(filled.locator("tbody tr")).to_have_count(2)  # 2 for Tom first, then 2 of Aiko's 4
    await shot(page, "receipt")

    await (
        page.get_by_role("navigation", name="Staff")
        .get_by_role("link", name="Custom builds")
        .click()
    )
    await page.locator("tbody tr a").first.click()
    await page.get_by_label("Price").fill("10250.00")
    await page.get_by_label("Note to the customer").fill("A higher seat for a tall rider")
    await page.get_by_role("button", name="Send the new quote").click()
    await expect(page.get_by_text("New quote saved")).to_be_visible()
    await expect(page.get_by_role("cell", name="Olivia Ops <ops@example.com>")).to_be_visible()
    await shot(page, "build")

    for link, heading, name in [
        ("Purchase orders", "Purchase orders", "purchase-orders"),
        ("Receiving", "Receiving", "receiving"),
        ("Orders", "Orders", "orders"),
        ("Shipping", "Shipping", "shipping"),
        ("Custom builds", "Custom builds", "builds"),
        ("Reports", "Reports", "reports"),
        ("API tokens", "API tokens", "tokens"),
    ]:
        await (
            page.get_by_role("navigation", name="Staff")
            .get_by_role("link", name=link, exact=True)
            .click()
        )
        await expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        await shot(page, name)

    await (
        page.get_by_role("navigation", name="Staff")
        .get_by_role("link", name="Orders", exact=True)
        .click()
    )
    await page.locator("tbody tr a").first.click()
    await expect(page.get_by_role("heading", name=re.compile(r"^Order R"))).to_be_visible()
    await shot(page, "order")

    await page.get_by_role("button", name="Sign out").click()
    await expect(page.get_by_role("heading", name="Staff sign-in")).to_be_visible()
    await page.goto(live_server + "/staff/reports")
    await expect(page.get_by_role("heading", name="Staff sign-in")).to_be_visible()
    await page.close()
