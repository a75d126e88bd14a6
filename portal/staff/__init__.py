"""The staff console under ``/staff`` (route names ``staff:...``).

Every route of every module below is wrapped by ``auth.guarded`` here, in one place, except the
sign-in page: a page added later is protected without anyone remembering to.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.middleware import Middleware
from starlette.routing import Mount, Route

from portal.staff import (
    build_slips,
    builds,
    catalog,
    catalog_files,
    dashboard,
    email,
    orders,
    purchasing,
    receiving,
    reports,
    session,
    shipping,
    supply,
    tokens,
    webhooks,
)
from portal.staff.auth import PUBLIC_ROUTES, guarded
from portal.staff.desk import Desk
from portal.web import Web

MODULES = (
    session,
    dashboard,
    purchasing,
    receiving,
    orders,
    shipping,
    builds,
    email,
    reports,
    tokens,
    catalog,
    supply,
    catalog_files,
    webhooks,
    build_slips,
)


def staff_mount(web: Web, *, middleware: Sequence[Middleware] = ()) -> Mount:
    desk = Desk(web)
    routes: list[Route] = [route for module in MODULES for route in module.routes(desk)]
    secured = [
        route if route.name in PUBLIC_ROUTES else guarded(route, web.policy.secret_key)
        for route in routes
    ]
    return Mount("/staff", routes=secured, name="staff", middleware=middleware)
