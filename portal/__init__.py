"""The HTML door: customer pages under ``/`` (named ``portal:...``), the staff console under
``/staff`` (``staff:...``), static files, error pages."""

from __future__ import annotations

import logging
from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from domain.context import Policy
from portal.outage import OutagePages
from portal.pages import builds, catalog, orders
from portal.staff import staff_mount
from portal.web import Web

log = logging.getLogger("preorder.portal")
STATIC = Path(__file__).parent / "static"


def portal_mount(policy: Policy, *, production: bool) -> tuple[list[Mount], dict]:
    """The portal's mounts and the app-wide error pages it renders."""
    web = Web(policy, production=production)
    routes = [*catalog.routes(web), *orders.routes(web), *builds.routes(web)]

    def error_page(request: Request) -> str:
        return "staff/error.html" if request.url.path.startswith("/staff/") else "error.html"

    async def http_error(request: Request, error: Exception) -> Response:
        status = error.status_code if isinstance(error, HTTPException) else 500
        detail = error.detail if isinstance(error, HTTPException) else ""
        values = {"status": status, "detail": detail}
        return web.render(request, error_page(request), values, status=status)

    async def server_error(request: Request, error: Exception) -> Response:
        log.exception("unhandled error on %s", request.url.path, exc_info=error)
        return web.render(request, error_page(request), {"status": 500, "detail": ""}, status=500)

    def outage_page(request: Request, status: int) -> Response:
        return web.render(
            request, error_page(request), {"status": status, "detail": ""}, status=status
        )

    outages = [Middleware(OutagePages, render=outage_page)]
    mounts = [
        Mount("/static", app=StaticFiles(directory=str(STATIC)), name="static"),
        staff_mount(web, middleware=outages),  # before the catch-all customer mount
        Mount("", routes=routes, name="portal", middleware=outages),
    ]
    return mounts, {HTTPException: http_error, 500: server_error}
