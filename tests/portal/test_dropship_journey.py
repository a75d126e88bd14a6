"""Rule 25 in headless Chromium against the real service and its demo store: the maker of the
arc lamp opens the link it was emailed, marks the customer's parcel sent with its tracking
number (without JavaScript), and the customer's email carries that tracking. The page passes
axe-core. The last pages are kept in test-artifacts/."""

from __future__ import annotations

import asyncio
import re

import httpx
from playwright.async_api import Browser, expect

from tests.portal.browser import Survey, artifact

TRACKING = "LUMEN-TRACK-20931"


async def _mail(base: str, subject: re.Pattern[str], to: str = "") -> str:
    """The plain text of the newest email whose subject (and recipient) match."""
    async with httpx.AsyncClient(base_url=base) as http:
        for _ in range(300):
            index = (await http.get("/dev/mailbox")).text
            for row in re.findall(r"<tr style=\"border-top.*?</tr>", index, re.DOTALL):
                link = re.search(r'href="([^"]+)">([^<]*)<', row)
                if link and subject.search(link.group(2)) and to in row:
                    page = (await http.get(link.group(1))).text
                    text = re.search(r"<pre[^>]*>(.*?)</pre>", page, re.DOTALL)
                    assert text, page[:2000]
                    return text.group(1)
            await asyncio.sleep(0.1)
    raise AssertionError(f"no email matching {subject.pattern} arrived")


async def test_the_maker_marks_a_dropship_parcel_sent_and_the_customer_gets_tracking(
    live_server: str, browser: Browser
) -> None:
    to_maker = await _mail(live_server, re.compile(r"parcels to send"), "lumenstudio")
    found = re.search(r"(http://[^\s<]+/supplier/po/[^\s<]+)", to_maker)
    assert found, to_maker[:2000]
    link = found.group(1)
    assert "12 Harbour" not in to_maker and "44 Victoria Road" in to_maker  # Sam's address only

    supplier = await browser.new_page(java_script_enabled=False)
    await supplier.goto(link)
    await expect(supplier.get_by_role("heading", name=re.compile(r"\(dropship\)$"))).to_be_visible()
    await expect(supplier.get_by_text("44 Victoria Road")).to_be_visible()
    parcel = supplier.locator("section.parcel", has_text="LAMP-ARC")
    await parcel.get_by_label("Carrier").fill("DPD")
    await parcel.get_by_label("Tracking number").fill(TRACKING)
    await parcel.get_by_role("button", name=re.compile(r"^Mark parcel \d+ sent$")).click()
    await expect(supplier.get_by_text("recorded as sent")).to_be_visible()
    await expect(supplier.get_by_text(f"tracking {TRACKING}")).to_be_visible()
    await supplier.screenshot(path=str(artifact("journey-dropship-supplier.png")), full_page=True)
    await supplier.close()

    context = await browser.new_context(viewport={"width": 390, "height": 900}, bypass_csp=True)
    page = await context.new_page()
    await page.goto(link)
    survey = Survey("dropship", 390, reflow=True)
    await survey.check(page, "supplier-po")
    await context.close()
    assert not survey.problems, survey.report()

    to_customer = await _mail(live_server, re.compile(r"a parcel is on its way"), "sam.okafor")
    assert TRACKING in to_customer and "DPD" in to_customer
    assert "shipped by the maker" in to_customer
