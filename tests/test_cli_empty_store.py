"""``preorder serve --empty`` starts a real shop with no demo data, and its landing page tells
staff how to begin."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.serving import free_port, isolated_env, serving


async def test_serve_empty_starts_without_the_demo_and_the_landing_page_says_how_to_start(
    tmp_path: Path,
) -> None:
    port = free_port()
    env = isolated_env(tmp_path, PORT=str(port))
    async with serving(tmp_path, env, port, args=["--empty"]) as base:
        async with httpx.AsyncClient() as client:
            home = await client.get(f"{base}/")
            feed = await client.get(f"{base}/staff/products", follow_redirects=False)
    assert home.status_code == 200
    assert "This shop has no products yet" in home.text
    assert "preorder staff add" in home.text
    assert "0 products" in home.text
    assert feed.status_code in (302, 303)  # the console asks staff to sign in
