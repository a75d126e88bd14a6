"""Rule 24 in headless Chromium against the real service: staff turn suggestions into a PO and
send it; the supplier opens the emailed link, confirms one line and moves the other two weeks.
The last pages are kept in test-artifacts/."""

from __future__ import annotations

import asyncio
import datetime as dt
import re

import httpx
from playwright.async_api import Browser, expect

from tests.portal.browser import add_staff_member, artifact

PASSWORD = "a long staff password"


async def _supplier_link(base: str, po_number: str) -> str:
    """The link in the email the supplier received (the development mailbox)."""
    async with httpx.AsyncClient(base_url=base) as http:
        for _ in range(100):
            index = (await http.get("/dev/mailbox")).text
            found = re.search(rf'href="([^"]+)">Purchase order {po_number}<', index)
            if found:
                message = (await http.get(found.group(1))).text
                link = re.search(r"(http://[^\s<]+/supplier/po/[^\s<]+)", message)
                assert link, message[:2000]
                return link.group(1)
            await asyncio.sleep(0.1)
    raise AssertionError("the supplier's email did not arrive")


async def test_staff_send_a_suggested_po_and_the_supplier_answers_by_link(
    live_server: str, browser: Browser
) -> None:
    add_staff_member(live_server, "buyer@example.com", "Bo Buyer", PASSWORD)
    page = await browser.new_page()
    await page.goto(live_server + "/staff/sign-in")
    await page.get_by_label("Email").fill("buyer@example.com")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.get_by_role("navigation", name="Staff").get_by_role("link", name="Reorder").click()
    await page.get_by_role("button", name="Recompute now").click()
    await expect(page.get_by_role("heading", name="Nordic Ride")).to_be_visible()
    why = page.get_by_text(re.compile(r"\+ 60 safety stock .* needed"))
    await expect(why.first).to_be_visible()
    await page.get_by_label("Quantity of LIGHT-SET to order").fill("60")
    await page.get_by_role("button", name="Send to Nordic Ride").click()
    await expect(page.get_by_text("Emailed to the supplier")).to_be_visible()
    heading = await page.get_by_role("heading", name=re.compile(r"^Purchase order PO")).inner_text()
    po_number = re.search(r"PO[A-Z0-9]+", heading).group(0)  # type: ignore[union-attr]
    await page.screenshot(path=str(artifact("journey-supply-staff.png")), full_page=True)

    link = await _supplier_link(live_server, po_number)
    supplier = await browser.new_page(java_script_enabled=False)
    await supplier.goto(link)
    await expect(
        supplier.get_by_role("heading", name=f"Purchase order {po_number}")
    ).to_be_visible()
    helmet = supplier.locator("tr", has_text="HELMET-CITY")
    lights = supplier.locator("tr", has_text="LIGHT-SET")
    await helmet.locator("input[value=confirm]").check()
    await lights.locator("input[value=change]").check()
    later = dt.date.today() + dt.timedelta(days=14 + 30)
    await lights.get_by_label("Date").fill(later.isoformat())
    await lights.get_by_label("Note").fill("Our factory closes for two weeks")
    await supplier.get_by_role("button", name="Send my answers").click()
    await expect(supplier.get_by_text("1 lines confirmed, 1 changes proposed")).to_be_visible()
    await expect(supplier.get_by_text("confirmed for")).to_have_count(2)
    await supplier.screenshot(path=str(artifact("journey-supply-supplier.png")), full_page=True)
    await supplier.close()
    await page.close()
