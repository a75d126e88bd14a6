"""Pages during an outage: a friendly 503 with ``Retry-After``, never a 500.

A database that cannot serve (``domain.db.outage`` tells it from a bug) can fail any page, in
any service it calls. The portal's mounts are wrapped in :class:`OutagePages`, so the mapping
is written once for every customer and staff page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from domain.db import DatabaseUnavailable, outage

log = logging.getLogger("preorder.portal")

Render = Callable[[Request, int], Response]


def unavailable_page(render: Render, request: Request, error: DatabaseUnavailable) -> Response:
    response = render(request, 503)
    response.headers["Retry-After"] = str(error.retry_after)
    response.headers["Cache-Control"] = "no-store"
    return response


class OutagePages:
    """ASGI middleware: an outage raised before the page started answers the 503 page."""

    def __init__(self, app: ASGIApp, render: Render) -> None:
        self.app = app
        self.render = render

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception as error:
            found = outage(error)
            if found is None or started:
                raise
            log.warning("database unavailable on %s: %r", scope.get("path"), error)
            request = Request(scope, receive)
            await unavailable_page(self.render, request, found)(scope, receive, send)
