"""GraphiQL (development) works with no internet: its files come from this machine's
node_modules (installed at set-up from package.json), exactly the files strawberry's template
pins by SRI hash, and nothing is fetched from a CDN."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import pytest
from playwright.async_api import Browser, async_playwright, expect
from strawberry.http.ides import get_graphql_ide_html

from api import ide
from tests.api.helpers import Api
from tests.portal.browser import CHROMIUM, CHROMIUM_FLAGS, artifact
from tests.portal.browser import live_server as live_server  # noqa: F401 - fixture

TEMPLATE = get_graphql_ide_html(graphql_ide="graphiql")
PINNED = re.findall(
    r'(?:src|href)="(https://unpkg\.com/[^"]+)"\s+integrity="sha384-([^"]+)"', TEMPLATE
)


async def ide_page(api: Api) -> str:
    page = await api.client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200, page.text[:500]
    return page.text


def test_the_template_still_pins_every_file_it_loads_by_hash() -> None:
    assert len(PINNED) == len(re.findall(r"https://unpkg\.com/", TEMPLATE)) == 7


async def test_every_rewritten_asset_answers_200_with_the_templates_sha384(api: Api) -> None:
    html = await ide_page(api)
    assert "unpkg.com" not in html
    for url, sha384 in PINNED:
        local = ide.local_ide_html(url)
        assert local.startswith("/graphiql-assets/")
        assert f'"{local}"' in html and sha384 in html  # the SRI hash is kept beside it
        served = await api.client.get(local)
        assert served.status_code == 200, local
        assert base64.b64encode(hashlib.sha384(served.content).digest()).decode() == sha384, local


async def test_the_ide_policy_allows_no_other_origin(api: Api) -> None:
    page = await api.client.get("/graphql", headers={"Accept": "text/html"})
    policy = page.headers["content-security-policy"]
    assert "unpkg" not in policy and "https:" not in policy
    assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";", 1)[0]


async def test_without_its_files_the_ide_says_how_to_install_them(
    api: Api, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(ide, "NODE_MODULES", tmp_path / "node_modules")
    page = await api.client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 503
    assert "npm ci --ignore-scripts" in page.text and "make run" in page.text
    assert (await api.post("{ __typename }"))["data"] == {"__typename": "Query"}


async def test_graphiql_renders_in_chromium_with_no_request_leaving_loopback(
    live_server: str,  # noqa: F811 - fixture
) -> None:
    requested: list[str] = []
    flags = [*CHROMIUM_FLAGS, "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
    async with async_playwright() as playwright:
        browser: Browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=flags)
        page = await browser.new_page()
        failed: list[str] = []
        page.on("request", lambda r: requested.append(r.url))
        page.on("requestfailed", lambda r: failed.append(r.url))
        page.on("console", lambda m: failed.append(m.text) if m.type == "error" else None)
        await page.goto(live_server + "/graphql")
        await expect(page.locator(".graphiql-editor").first).to_be_visible(timeout=20_000)
        await expect(page.get_by_text("Loading...")).to_have_count(0)
        await page.screenshot(path=str(artifact("graphiql-offline.png")))
        await browser.close()
    outside = [url for url in requested if not url.startswith(("http://127.0.0.1", "data:"))]
    assert outside == [], outside
    assert failed == [], failed
    assert sum("/graphiql-assets/" in url for url in requested) == 7
