"""A real service under uvicorn with the demo store, and headless Chromium to drive it."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from playwright.async_api import Browser, Page, async_playwright

from tests.conftest import TEST_DATABASE_URL, on_postgres
from tests.serving import free_port, isolated_env, serving

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


# The database behind each running live server, by its base URL (for ``add_staff_member``).
LIVE_DATABASES: dict[str, str] = {}


async def _database(tmp_path: Path) -> tuple[str, str | None]:
    if not on_postgres():
        return f"sqlite://{tmp_path / 'live.db'}", None
    name = f"preorder_live_{uuid.uuid4().hex[:10]}"
    server = TEST_DATABASE_URL.replace("postgresql://", "postgres://", 1)
    conn = await asyncpg.connect(server)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    return f"{server.rpartition('/')[0]}/{name}", name


@pytest.fixture
async def live_server(tmp_path: Path) -> AsyncIterator[str]:
    """``preorder serve`` on a free port: migrated, demo store loaded, real HTTP. Its database,
    mailbox and log are under the test's temporary directory."""
    url, pg_name = await _database(tmp_path)
    port = free_port()
    env = isolated_env(tmp_path, DATABASE_URL=url, PORT=str(port), SECRET_KEY="browser-secret")
    try:
        async with serving(tmp_path, env, port) as base:
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


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield launched
        await launched.close()


def artifact(name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / name


def add_staff_member(base: str, email: str, name: str, password: str) -> None:
    """``preorder staff add`` against the live server's own database."""
    done = subprocess.run(
        [
            sys.executable,
            "cli.py",
            "staff",
            "add",
            "--email",
            email,
            "--name",
            name,
            "--password-stdin",
        ],
        cwd=ROOT,
        input=password + "\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "DATABASE_URL": LIVE_DATABASES[base]},
    )
    assert done.returncode == 0, done.stderr[-2000:]


AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]


# axe cannot judge the contrast of SVG text ("needs review"): the charts' text is judged here,
# its fill against the chart's background, at the 4.5:1 of normal text.
_AXE_RUN = """
tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, elementRef: true}).then(r => {
  const rgb = s => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const ratio = (a, b) => {
    const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
    return (x + 0.05) / (y + 0.05);
  };
  const svgTextReadable = n => {
    const svg = n.element && n.element.closest('svg');
    if (!svg || n.element.tagName.toLowerCase() !== 'text') return false;
    return ratio(rgb(getComputedStyle(n.element).fill),
                 rgb(getComputedStyle(svg).backgroundColor)) >= 4.5;
  };
  const line = (kind, v, nodes) => kind + v.id + ': ' + v.help + ' at '
    + nodes.map(n => n.target.join(' ')).join(', ');
  const review = r.incomplete
    .map(v => [v, v.id === 'color-contrast' ? v.nodes.filter(n => !svgTextReadable(n)) : v.nodes])
    .filter(([v, nodes]) => nodes.length);
  const why = nodes => ' (' + ((nodes[0].any[0] || nodes[0].all[0] || {}).message || '') + ')';
  return [...r.violations.map(v => line('', v, v.nodes)),
          ...review.map(([v, nodes]) => line('needs review: ', v, nodes) + why(nodes))];
})
"""


async def axe_violations(page: Page) -> list[str]:
    """axe-core's WCAG 2.0/2.1/2.2 A and AA rules on the page as it is now, one line each:
    its violations, and what it could not decide ("needs review"), which is counted too: a
    prohibited ``aria-labelledby`` on an element with text, for one, is only "needs review".

    The page's CSP allows no inline script: open pages to be scanned in a context made with
    ``bypass_csp=True``. axe-core is installed at set-up (``make test``) from package.json.
    """
    assert AXE.is_file(), f"{AXE} is missing: run `make test` (or `npm ci --ignore-scripts`)"
    await page.add_script_tag(path=str(AXE))
    found = await page.evaluate(_AXE_RUN, WCAG_TAGS)
    return [str(line) for line in found]


async def horizontal_overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than the window (0: nothing scrolls sideways)."""
    return int(await page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


# Every focusable element is focused in turn; its outline must stand out 3:1 (WCAG 2.2 1.4.11)
# against the background it is drawn on (the nearest ancestor that paints one).
_FOCUS_CONTRAST = """
() => {
  const rgb = s => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const ratio = (a, b) => {
    const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
    return (x + 0.05) / (y + 0.05);
  };
  const backdrop = el => {
    for (let n = el.parentElement; n; n = n.parentElement) {
      const c = rgb(getComputedStyle(n).backgroundColor);
      if (c.length === 3 || c[3] > 0) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const failures = [];
  const selector =
    'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]';
  for (const el of document.querySelectorAll(selector)) {
    if (el.offsetParent === null && getComputedStyle(el).position !== 'fixed') continue;
    el.focus();
    if (document.activeElement !== el) continue;
    const style = getComputedStyle(el);
    const width = parseFloat(style.outlineWidth);
    const r = style.outlineStyle === 'none' || !width
      ? 0 : ratio(rgb(style.outlineColor), backdrop(el));
    const what = (el.textContent || el.name || '').trim().slice(0, 30);
    if (r < 3) failures.push(`${el.tagName.toLowerCase()} "${what}": ${r.toFixed(2)}:1`);
  }
  document.activeElement && document.activeElement.blur();
  return failures;
}
"""


async def weak_focus_outlines(page: Page) -> list[str]:
    """The focusable elements whose focus outline contrasts less than 3:1 with their backdrop."""
    return [str(line) for line in await page.evaluate(_FOCUS_CONTRAST)]


async def empty_headers(page: Page) -> list[str]:
    """Table headers with no text (axe counts these as best practice, not WCAG): the caption or
    first header of each table that has one."""
    found = await page.evaluate(
        "[...document.querySelectorAll('th')].filter(th => !th.textContent.trim())"
        ".map(th => { const t = th.closest('table');"
        " return (t.caption ? t.caption.textContent : t.querySelector('th').textContent).trim(); })"
    )
    return [str(where) for where in found]


class Survey:
    """Looks at pages one by one at one window width and keeps what is wrong with each:
    sideways scrolling (when ``reflow``), axe-core violations, weak focus outlines. Each page is
    kept as a screenshot in test-artifacts/ (``<prefix>-<width>px-<name>.png``)."""

    def __init__(self, prefix: str, width: int, *, reflow: bool) -> None:
        self.prefix = prefix
        self.width = width
        self.reflow = reflow
        self.seen: list[str] = []
        self.problems: dict[str, list[str]] = {}

    async def check(self, page: Page, name: str) -> None:
        await page.wait_for_load_state("load")
        await page.screenshot(
            path=str(artifact(f"{self.prefix}-{self.width}px-{name}.png")), full_page=True
        )
        found: list[str] = []
        if self.reflow and (overflow := await horizontal_overflow(page)) > 0:
            found.append(f"scrolls sideways by {overflow} px")
        found += await axe_violations(page)
        found += [f"focus outline {line}" for line in await weak_focus_outlines(page)]
        found += [f"empty table header in {where}" for where in await empty_headers(page)]
        self.seen.append(name)
        if found:
            self.problems[f"{name} ({page.url})"] = found

    def report(self) -> str:
        return "\n".join(
            f"{page}:\n" + "\n".join(f"  - {problem}" for problem in problems)
            for page, problems in self.problems.items()
        )
