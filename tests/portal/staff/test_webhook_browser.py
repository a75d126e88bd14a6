"""The Webhooks page in headless Chromium at 1280 and 390 px: a subscription made by hand shows
its secret once; axe-core finds no WCAG A or AA violation before or after."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from tests.portal.browser import Survey, add_staff_member
from tests.portal.staff.test_staff_browser_pages import PASSWORD, sign_in


@pytest.fixture(autouse=True)
def senders_stay_out(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    monkeypatch.setenv("MAIL_SENDER", "worker")
    monkeypatch.setenv("MAILBOX_DIR", str(tmp_path / "mailbox"))
    yield


@pytest.mark.parametrize("width", [1280, 390], ids=["desktop", "phone"])
async def test_the_webhooks_page_passes_axe_and_shows_the_secret_once(
    live_server: str, browser: Browser, width: int
) -> None:
    add_staff_member(live_server, "ops@example.com", "Olivia Ops", PASSWORD)
    context = await browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    page = await context.new_page()
    survey = Survey("staff-webhooks", width, reflow=False)
    await sign_in(page, live_server)
    nav = page.get_by_role("navigation", name="Staff")
    await nav.get_by_role("link", name="Webhooks", exact=True).click()
    await expect(page.get_by_role("heading", name="Webhooks", exact=True)).to_be_visible()
    await survey.check(page, "webhooks")
    await page.get_by_label(re.compile(r"^URL")).fill("http://127.0.0.1:9/hook")
    await page.get_by_label("order.placed").check()
    await page.get_by_role("button", name="Create subscription").click()
    secret = page.locator("#new-secret")
    await expect(secret).to_have_text(re.compile(r"^whsec_"))
    await survey.check(page, "webhook-created")
    await page.goto(live_server + "/staff/webhooks")
    await expect(page.locator("#new-secret")).to_have_count(0)
    await context.close()
    assert not survey.problems, survey.report()
