"""The HTML door: customer pages under ``/`` (named ``portal:...``), static files, error pages."""

from __future__ import annotations

import logging
from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from domain.context import Policy
from portal.pages import builds, catalog, orders
from portal.web import Web

log = logging.getLogger("preorder.portal")
STATIC = Path(__file__).parent / "static"


def portal_mount(policy: Policy, *, production: bool) -> tuple[list[Mount], dict]:
    """The portal's mounts and the app-wide error pages it renders."""
    web = Web(policy, production=production)
    routes = [*catalog.routes(web), *orders.routes(web), *builds.routes(web)]

    async def http_error(request: Request, error: Exception) -> Response:
        status = error.status_code if isinstance(error, HTTPException) else 500
        detail = error.detail if isinstance(error, HTTPException) else ""
        return web.render(request, "error.html", {"status": status, "detail": detail}, status=status)

    async def server_error(request: Request, error: Exception) -> Response:
        log.exception("unhandled error on %s", request.url.path, exc_info=error)
        return web.render(request, "error.html", {"status": 500, "detail": ""}, status=500)

    mounts = [
        Mount("/static", app=StaticFiles(directory=str(STATIC)), name="static"),
        Mount("", routes=routes, name="portal"),
    ]
    return mounts, {HTTPException: http_error, 500: server_error}
