"""GraphiQL (development only), served from this machine instead of unpkg.com.

strawberry's GraphiQL template loads React, GraphiQL and its explorer plugin from unpkg.com, so
the IDE stays on "Loading..." without internet. Set-up (``make run`` / ``make test``) installs the
same pinned versions from the npm registry into ``node_modules/`` (package.json), which is
mounted at ``/graphiql-assets``; the template's unpkg URLs are rewritten to it and its SRI
hashes kept, so a file that differs from the template's pin is refused by the browser.

When strawberry bumps its template, the pins in package.json must follow (the tests compare
every rewritten file with the template's sha384). Without ``node_modules`` the service still
starts, and ``/graphql`` says how to install the assets.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

from starlette.responses import HTMLResponse
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

NODE_MODULES = Path(__file__).resolve().parents[1] / "node_modules"
ASSETS_PATH = "/graphiql-assets"

# https://unpkg.com/<package, maybe @scoped>@<version>/<file> -> /graphiql-assets/<package>/<file>
CDN = re.compile(r"https://unpkg\.com/((?:@[^/]+/)?[^@/]+)@[^/]+/")
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def local_ide_html(template: str) -> str:
    return CDN.sub(ASSETS_PATH + r"/\1/", template)


def asset_paths(html: str) -> list[str]:
    """The files a rewritten page loads from ``/graphiql-assets``, relative to node_modules."""
    return re.findall(rf'"{re.escape(ASSETS_PATH)}/([^"]+)"', html)


def assets_installed(html: str) -> bool:
    return all((NODE_MODULES / path).is_file() for path in asset_paths(html))


def ide_csp(html: str) -> str:
    """Nothing from another origin; the page's own inline script allowed by its hash only."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
        for body in _INLINE_SCRIPT.findall(html)
    )
    return (
        f"default-src 'self'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; "
        "font-src 'self' data:; img-src 'self' data:; connect-src 'self'; "
        "frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    )


MISSING = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>GraphiQL is not installed</title></head>
<body>
<main>
<h1>GraphiQL's files are not installed</h1>
<p>The IDE is served from this machine, not from a CDN. Install its files once with
<code>make run</code> (or <code>npm ci --ignore-scripts</code> in the project directory), then
reload this page. The API itself works: send <code>POST /graphql</code>.</p>
</main>
</body>
</html>
"""


def missing_assets_page() -> HTMLResponse:
    return HTMLResponse(MISSING, status_code=503)


def assets_mount() -> Mount:
    """``check_dir=False``: the service starts whether or not the files are installed."""
    return Mount(
        ASSETS_PATH,
        app=StaticFiles(directory=str(NODE_MODULES), check_dir=False),
        name="graphiql-assets",
    )
