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


def staff_mount(desk: Desk, *, middleware: Sequence[Middleware] = ()) -> Mount:
    routes: list[Route] = [
        *session.ROUTES,
        *dashboard.ROUTES,
        *purchasing.ROUTES,
        *receiving.ROUTES,
        *orders.ROUTES,
        *shipping.ROUTES,
        *builds.ROUTES,
        *email.ROUTES,
        *reports.ROUTES,
        *tokens.ROUTES,
        *catalog.ROUTES,
        *supply.ROUTES,
        *catalog_files.ROUTES,
        *webhooks.ROUTES,
        *build_slips.ROUTES,
    ]
    secured = [
        route if route.name in PUBLIC_ROUTES else guarded(route, desk.policy.secret_key)
        for route in routes
    ]
    return Mount("/staff", routes=secured, name="staff", middleware=middleware)
