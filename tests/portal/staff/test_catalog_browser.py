"""A shop from nothing, in headless Chromium against ``preorder serve --empty``: staff sign in,
add a supplier and a backordered product, see it on the landing page with its date, are
refused a cap below what waits, move its lead time through the preview, and import a CSV
whose bad row writes nothing until it is fixed. axe-core checks each catalogue page."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from PIL import Image
from playwright.async_api import Browser, Page, expect

from tests.conftest import TEST_DATABASE_URL
from tests.portal.browser import LIVE_DATABASES, _database, add_staff_member, axe_violations
from tests.serving import free_port, isolated_env, serving

PASSWORD = "a long staff password"
PLACE = """mutation($input: PlaceOrderInput!) { placeOrder(input: $input) {
  errors { code field message } } }"""


@pytest.fixture
async def empty_server(tmp_path: Path) -> AsyncIterator[str]:
    url, pg_name = await _database(tmp_path)
    port = free_port()
    env = isolated_env(tmp_path, DATABASE_URL=url, PORT=str(port), SECRET_KEY="browser-secret")
    try:
        async with serving(tmp_path, env, port, args=["--empty"]) as base:
            LIVE_DATABASES[base] = url
            try:
                yield base
            finally:
                LIVE_DATABASES.pop(base, None)
    finally:
        if pg_name:
            conn = await asyncpg.connect(
                TEST_DATABASE_URL.replace("postgresql://", "postgres://", 1)
            )
            await conn.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
            await conn.close()


async def _axe(page: Page, name: str) -> None:
    problems = await axe_violations(page)
    assert not problems, (name, problems)


async def _order(base: str, sku: str, quantity: int, email: str) -> None:
    async with httpx.AsyncClient() as client:
        answer = await client.post(
            f"{base}/graphql",
            json={
                "query": PLACE,
                "variables": {
                    "input": {
                        "email": email,
                        "name": "Ada Lovelace",
                        "shippingAddress": "1 Analytical Way\nLondon",
                        "lines": [{"sku": sku, "quantity": quantity}],
                    }
                },
            },
        )
    assert answer.json()["data"]["placeOrder"]["errors"] == [], answer.text


async def test_a_shop_from_nothing_keeps_its_catalogue_in_the_console(
    empty_server: str, browser: Browser, tmp_path: Path
) -> None:
    base = empty_server
    add_staff_member(base, "ops@example.com", "Olivia Ops", PASSWORD)
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = await context.new_page()
    await page.goto(base + "/")
    await expect(page.get_by_text("This shop has no products yet")).to_be_visible()
    await page.goto(base + "/staff/")
    await page.get_by_label("Email").fill("ops@example.com")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", name=re.compile(r"^Today, "))).to_be_visible()

    await page.get_by_role("navigation", name="Staff").get_by_role("link", name="Catalogue").click()
    await _axe(page, "products-empty")
    await page.goto(base + "/staff/suppliers/new")
    await page.get_by_label("Name").fill("Nordic Ride")
    await page.get_by_label("Email").fill("po@nordic.example")
    await page.get_by_label("Default lead time (days)").fill("20")
    await page.get_by_role("button", name="Create supplier").click()
    await expect(page.get_by_text("Supplier created.")).to_be_visible()
    await _axe(page, "supplier")

    await page.goto(base + "/staff/products/new")
    await page.get_by_label("SKU").fill("EB-9")
    await page.get_by_label("Name").fill("Trail e-bike")
    await page.get_by_label("Price").fill("2499.00")
    await page.get_by_label("Backorders").select_option("cap")
    await page.get_by_label("Cap (units that may wait)").fill("5")
    await page.locator("select[name=supplier_id]").select_option(label="Nordic Ride")
    await page.get_by_role("button", name="Create product").click()
    await expect(page.get_by_text("Product created.")).to_be_visible()
    await _axe(page, "product")
    product_url = page.url
    photo = tmp_path / "bike.png"
    Image.new("RGB", (800, 600), (30, 120, 200)).save(photo, format="PNG")
    await page.get_by_label("Image (JPEG, PNG or WebP, up to 10 MB)").set_input_files(str(photo))
    await page.get_by_label("Alt text (what it shows, for screen readers)").fill(
        "Blue trail e-bike, side view"
    )
    await page.get_by_role("button", name="Add image").click()
    await expect(page.get_by_text("Image added.")).to_be_visible()

    await page.goto(base + "/")
    card = page.locator("li.card", has=page.get_by_role("link", name="Trail e-bike"))
    await expect(card.locator(".estimate")).to_contain_text(re.compile(r"Backordered, arrives"))
    picture = card.get_by_role("img", name="Blue trail e-bike, side view")
    await expect(picture).to_be_visible()
    assert await picture.evaluate("img => img.naturalWidth") > 0  # the thumbnail is served

    await _order(base, "EB-9", 3, "first@example.com")
    await page.goto(product_url)
    await page.get_by_label("Cap (units that may wait)").fill("2")
    await page.get_by_role("button", name="Preview and save").click()
    await expect(page.get_by_text("3 units already wait").first).to_be_visible()

    await page.get_by_label("Cap (units that may wait)").fill("5")
    await page.get_by_label("Lead time (days; empty: the supplier's)").fill("60")
    await page.get_by_label("Reason customers read if their date moves").fill("Frames delayed")
    await page.get_by_role("button", name="Preview and save").click()
    await expect(page.locator("#impact-headline")).to_contain_text("moves 1 line in 1 order")
    await _axe(page, "product-preview")
    await page.get_by_role("button", name="Confirm").click()
    await expect(page.get_by_text("customers' dates were recomputed")).to_be_visible()

    bad = tmp_path / "products.csv"
    bad.write_text(
        "sku,name,price,mode,supplier\r\n"
        "EB-10,Road e-bike,1999.00,stocked,Nordic Ride\r\n"
        "EB-11,Kids bike,cheap,stocked,Nordic Ride\r\n",
        newline="",
    )
    await page.goto(base + "/staff/catalogue/import")
    await page.get_by_label("CSV file").set_input_files(str(bad))
    await page.get_by_role("button", name="Import").click()
    await expect(page.get_by_text("nothing was written")).to_be_visible()
    await expect(page.get_by_role("cell", name="price", exact=True)).to_be_visible()
    await _axe(page, "import-refused")
    bad.write_text(bad.read_text().replace("cheap", "299.00"), newline="")
    await page.get_by_label("CSV file").set_input_files(str(bad))
    await page.get_by_role("button", name="Import").click()
    await expect(page.get_by_text("2 were created")).to_be_visible()
    await page.goto(base + "/")
    await expect(page.get_by_role("link", name="Kids bike")).to_be_visible()
    await context.close()
