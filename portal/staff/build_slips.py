"""A workshop slip from the console: a later build date for one custom build, or for a
made-to-order product's waiting lines. Shown first as its exact preview (every ETA event's:
made and rolled back) and kept only when confirmed from that page."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.builds.reads import builds_by_id
from domain.builds.slips import (
    preview_custom_build_slip,
    preview_made_to_order_slip,
    slip_custom_build,
    slip_made_to_order,
)
from domain.catalog.admin_reads import product_row
from domain.context import Context
from domain.errors import DomainError
from domain.ordering.impact import EventImpact
from domain.ordering.queue import Recomputed
from portal.staff.desk import desk_of
from portal.web import field_errors, text

FIELDS = ("build_date", "reason")
Preview = Callable[..., Awaitable[EventImpact]]
Slip = Callable[..., Awaitable[Recomputed]]


def form_page(
    request: Request,
    subject: dict[str, Any],
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    desk = desk_of(request)
    return desk.page(
        request,
        "build_slip.html",
        {**subject, "form": form or {}, "errors": errors or {}},
        status=status,
    )


async def handle(
    request: Request,
    subject: dict[str, Any],
    pk: int,
    preview: Preview,
    slip: Slip,
    done: Callable[[], Response],
    form: FormData | None,
) -> Response:
    desk = desk_of(request)
    if form is None:
        return form_page(request, subject)
    values = {name: text(form, name) for name in FIELDS}
    ctx: Context = desk.context(request)
    try:
        if text(form, "confirmed") != "yes":
            impact = await preview(pk, values["build_date"], values["reason"], ctx=ctx)
            return desk.page(
                request,
                "catalog_preview.html",
                {
                    "impact": impact,
                    "title": f"{subject['title']}: build date {values['build_date']}?",
                    "action": subject["action"],
                    "hidden": values,
                    "back": subject["back"],
                    "threshold": desk.policy.email_threshold_days,
                },
            )
        await slip(pk, values["build_date"], values["reason"], ctx=ctx)
    except DomainError as error:
        return form_page(request, subject, form=values, errors=field_errors(error), status=400)
    return done()


async def _posted(request: Request) -> FormData | None:
    """The form, its CSRF token checked before anything else is looked at."""
    desk = desk_of(request)
    return await desk.form(request) if request.method == "POST" else None


async def build_slip(request: Request) -> Response:
    desk = desk_of(request)
    form = await _posted(request)
    build_id = desk.path_int(request, "build_id")
    found = await builds_by_id([build_id])
    if build_id not in found:
        raise HTTPException(404)
    subject = {
        "title": f"Custom build {found[build_id].number}",
        "action": str(request.url_for("staff:build-slip", build_id=build_id)),
        "back": str(request.url_for("staff:build", build_id=build_id)),
        "section": "builds",
    }
    return await handle(
        request,
        subject,
        build_id,
        preview_custom_build_slip,
        slip_custom_build,
        lambda: desk.redirect(request, "staff:build", "done=slipped", build_id=build_id),
        form,
    )


async def product_slip(request: Request) -> Response:
    desk = desk_of(request)
    form = await _posted(request)
    product_id = desk.path_int(request, "product_id")
    row = await product_row(product_id)
    if row is None:
        raise HTTPException(404)
    subject = {
        "title": f"{row.sku}: {row.name}",
        "action": str(request.url_for("staff:product-slip", product_id=product_id)),
        "back": str(request.url_for("staff:product", product_id=product_id)),
        "section": "catalog",
    }
    return await handle(
        request,
        subject,
        product_id,
        preview_made_to_order_slip,
        slip_made_to_order,
        lambda: desk.redirect(request, "staff:product", "done=slipped", product_id=product_id),
        form,
    )


ROUTES = [
    Route(
        "/builds/{build_id:int}/slip",
        build_slip,
        methods=["GET", "POST"],
        name="build-slip",
    ),
    Route(
        "/products/{product_id:int}/slip",
        product_slip,
        methods=["GET", "POST"],
        name="product-slip",
    ),
]
