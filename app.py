"""Composition root: builds the Starlette app; starts and stops the ORM, the email sender and
the promise clock."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from tortoise import Tortoise

from api.http import graphql_routes
from api.uploads import upload_routes
from domain.clock.runner import running_clock
from domain.db import connection, tortoise_config
from domain.notifications.sending.running import running_sender
from domain.notifications.sending.sender import Sender
from domain.webhooks.worker import running_webhook_sender
from ops.web import serving_middleware, serving_routes
from portal import portal_mount
from portal.devmail import routes as dev_mailbox_routes
from portal.security import security_headers
from portal.staff.desk import Desk
from portal.web import Web
from settings import Settings

log = logging.getLogger("preorder")


HEALTH_TIMEOUT_SECONDS = 2.0


async def healthz(request: Request) -> JSONResponse:
    """Which dependency is down: 503 when the database is, since then nothing can be served.

    The mail server is reported (when this process sends mail) but is no reason for 503: every
    email waits in the outbox, so orders and pages go on while it is away.
    """
    body: dict[str, str] = {"status": "ok", "database": "up"}
    try:
        await asyncio.wait_for(connection().execute_query("SELECT 1"), HEALTH_TIMEOUT_SECONDS)
    except Exception as error:  # noqa: BLE001 - any failure means the database cannot serve
        log.warning("health check: database unavailable: %r", error)
        body.update(status="unavailable", database="down")
    sender = getattr(request.app.state, "sender", None)
    if isinstance(sender, Sender):
        body["smtp"] = "down" if sender.server_down else "up"
        if sender.server_down and body["status"] == "ok":
            body["status"] = "degraded"
    return JSONResponse(body, status_code=503 if body["database"] == "down" else 200)


def create_app(settings: Settings, *, manage_database: bool = True) -> Starlette:
    """The whole service. Tests that already hold an ORM session pass ``manage_database=False``."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if not manage_database:
            yield
            return
        await Tortoise.init(
            config=tortoise_config(
                settings.database_url,
                pool_size=settings.db_pool_size,
                statement_timeout_ms=settings.db_statement_timeout_ms,
            ),
            _enable_global_fallback=True,
        )
        try:
            async with contextlib.AsyncExitStack() as background:
                if settings.mail_sender_in_app:
                    app.state.sender = await background.enter_async_context(
                        running_sender(settings.mail, settings.policy)
                    )
                    await background.enter_async_context(running_webhook_sender(settings.webhooks))
                if settings.clock_in_app:
                    await background.enter_async_context(
                        running_clock(settings.policy, poll_seconds=settings.clock_poll_seconds)
                    )
                yield
        finally:
            await Tortoise.close_connections()

    web = Web(settings.policy, production=settings.production)
    desk = Desk(web)
    portal_routes, error_pages = portal_mount(web, desk)
    dev_routes = [] if settings.production else dev_mailbox_routes(settings.mailbox_dir)
    routes = [
        Route("/healthz", healthz, name="healthz"),
        *serving_routes(settings),
        *graphql_routes(settings.policy, production=settings.production),
        *upload_routes(settings.policy),
        *dev_routes,  # before the portal's catch-all mount
        *portal_routes,
    ]
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers=error_pages,
        middleware=serving_middleware(
            settings, headers=security_headers(production=settings.production)
        ),
    )
    app.state.settings = settings
    app.state.web, app.state.desk = web, desk  # what every page shares: portal.web.web_of
    return app
