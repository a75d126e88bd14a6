"""Custom builds: requests to review, and a new quote when the automatic one is not right."""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.builds.reads import build_page, builds_by_id
from domain.builds.services import adjust_quote
from domain.errors import DomainError, InvalidInput
from domain.staff.actors import actor_labels
from domain.staff.admin_reads import quote_history
from domain.vocabulary import BuildStatus
from portal.staff.desk import desk_of, found
from portal.staff.forms import number_field
from portal.web import field_errors, query_page, text

PAGE = 25
PRICE = re.compile(r"\d{1,10}(\.\d{1,2})?")


async def listing(request: Request) -> Response:
    desk = desk_of(request)
    value = request.query_params.get("status", "")
    status = BuildStatus(value) if value in BuildStatus._value2member_map_ else None
    page = await build_page(status=status, before_id=query_page(request, "before"), first=PAGE)
    return desk.page(
        request,
        "builds.html",
        {
            "page": page,
            "status": value if status else "",
            "statuses": list(BuildStatus),
        },
    )


async def build(
    request: Request,
    *,
    errors: dict[str, Any] | None = None,
    form: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    desk = desk_of(request)
    build_id = desk.path_int(request, "build_id")
    view = found((await builds_by_id([build_id])).get(build_id))
    quotes = await quote_history(build_id)
    current = view.quote
    return desk.page(
        request,
        "build.html",
        {
            "build": view,
            "quotes": quotes,
            "who": await actor_labels(q.actor for q in quotes),
            "done": request.query_params.get("done", ""),
            "errors": errors or {},
            "form": form
            or (
                {
                    "price": str(current.price),
                    "lead_time_days": str(current.lead_time_days),
                    "note": "",
                }
                if current
                else {}
            ),
        },
        status=status,
    )


async def show(request: Request) -> Response:
    return await build(request)


async def quote(request: Request) -> Response:
    desk = desk_of(request)
    form = await desk.form(request)
    build_id = desk.path_int(request, "build_id")
    values = {k: text(form, k) for k in ("price", "lead_time_days", "note")}
    try:
        price = values["price"].strip().replace(",", "")
        if not PRICE.fullmatch(price):
            raise InvalidInput("Enter a price such as 1234.50.", field="price")
        await adjust_quote(
            build_id,
            price,
            number_field(form, "lead_time_days", field="leadTimeDays"),
            values["note"],
            ctx=desk.context(request),
        )
    except DomainError as error:
        return await build(request, errors=field_errors(error), form=values, status=400)
    return desk.redirect(request, "staff:build", "done=quoted", build_id=build_id)


ROUTES = [
    Route("/builds", listing, name="builds"),
    Route("/builds/{build_id:int}", show, name="build"),
    Route("/builds/{build_id:int}/quote", quote, methods=["POST"], name="build-quote"),
]
