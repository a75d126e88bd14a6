"""The HTML door: customer pages under ``/`` (named ``portal:...``), the staff console under
``/staff`` (``staff:...``), static files, error pages.

Every page is a module-level function of the request. What pages share (templates, policy) is
one ``Web`` and, for the console, one ``Desk``, built by ``create_app`` and kept on the app's
state; a page reaches them with ``web_of(request)`` / ``desk_of(request)``. Each page module
lists its URLs once, in its ``ROUTES``.
"""

from __future__ import annotations

import logging
from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from portal.outage import OutagePages
from portal.pages import builds, catalog, orders, supplier, waitlist
from portal.pages import feeds as feed_pages
from portal.staff import staff_mount
from portal.staff.desk import Desk
from portal.web import Web

log = logging.getLogger("preorder.portal")
STATIC = Path(__file__).parent / "static"


def portal_mount(web: Web, desk: Desk) -> tuple[list[BaseRoute], dict]:
    """The portal's mounts and the app-wide error pages it renders; the app keeps ``web`` and
    ``desk`` on its state for the pages (``web_of``, ``desk_of``)."""
    policy = web.policy
    routes = [
        *catalog.ROUTES,
        *orders.ROUTES,
        *builds.ROUTES,
        *feed_pages.ROUTES,
        *supplier.ROUTES,
        *waitlist.ROUTES,
    ]

    def error_page(request: Request) -> str:
        return "staff/error.html" if request.url.path.startswith("/staff/") else "error.html"

    async def http_error(request: Request, error: Exception) -> Response:
        status = error.status_code if isinstance(error, HTTPException) else 500
        detail = error.detail if isinstance(error, HTTPException) else ""
        values = {"status": status, "detail": detail}
        response = web.render(request, error_page(request), values, status=status)
        if isinstance(error, HTTPException) and error.headers:
            response.headers.update(error.headers)  # Retry-After of a 429
        return response

    async def server_error(request: Request, error: Exception) -> Response:
        log.exception("unhandled error on %s", request.url.path, exc_info=error)
        return web.render(request, error_page(request), {"status": 500, "detail": ""}, status=500)

    async def favicon(request: Request) -> Response:
        """Browsers ask for /favicon.ico whatever the page links: the same icon, no 404."""
        return FileResponse(STATIC / "favicon.svg", media_type="image/svg+xml")

    async def staff_home(request: Request) -> Response:
        """``/staff`` is not under the ``/staff/`` mount: send it to the console, not to the
        customer 404."""
        return RedirectResponse(str(request.url_for("staff:dashboard")), status_code=308)

    def outage_page(request: Request, status: int) -> Response:
        return web.render(
            request, error_page(request), {"status": status, "detail": ""}, status=status
        )

    outages = [Middleware(OutagePages, render=outage_page)]
    # A store with no image yet still answers 404 for a missing one, not a missing directory.
    Path(policy.media_dir).mkdir(parents=True, exist_ok=True)
    mounts: list[BaseRoute] = [
        Mount("/static", app=StaticFiles(directory=str(STATIC)), name="static"),
        Mount(
            "/media",
            app=StaticFiles(directory=policy.media_dir, check_dir=False),
            name="media",
        ),
        Route("/favicon.ico", favicon, name="favicon"),
        Route("/staff", staff_home, name="staff-home"),
        staff_mount(desk, middleware=outages),  # before the catch-all customer mount
        Mount("", routes=routes, name="portal", middleware=outages),
    ]
    return mounts, {HTTPException: http_error, 500: server_error}
