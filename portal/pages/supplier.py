"""A supplier's private page for one purchase order (DOMAIN.md rule 24): no account, no
JavaScript; each line is confirmed or given another date or quantity. A link that is not ours
is 404, a tampered, replaced or expired one 403; either way nothing is shown or changed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain import numbers
from domain.errors import DomainError, InvalidInput, NotFound
from domain.supply.answers import LineAnswer, LinkRefused, answer_purchase_order, holder_of
from domain.supply.dropship import record_dropship_parcel
from domain.supply.reads import supplier_po
from portal.web import field_errors, text, web_of


def _date(form: FormData, name: str, field: str) -> dt.date | None:
    raw = text(form, name).strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput("Enter a date such as 2027-03-14.", field=field) from None


def _quantity(form: FormData, name: str, field: str) -> int | None:
    raw = text(form, name).strip()
    if not raw:
        return None
    return numbers.whole_number(
        raw, field=field, minimum=0, maximum=numbers.MAX_COUNT, message="Enter a whole number."
    )


async def show(
    request: Request,
    *,
    errors: dict[str, str] | None = None,
    form: dict[str, Any] | None = None,
    done: str = "",
    status: int = 200,
) -> Response:
    web = web_of(request)
    ctx = web.context()
    try:
        holder = await holder_of(request.path_params["token"], ctx=ctx)
    except LinkRefused as error:
        raise HTTPException(403, error.message) from None
    except NotFound:
        raise HTTPException(404) from None
    return web.render(
        request,
        "supplier_po.html",
        {
            "po": await supplier_po(holder),
            "token": request.path_params["token"],
            "errors": errors or {},
            "form": form or {},
            "done": done,
            "today": ctx.today,
        },
        status=status,
        private=True,
    )


async def page(request: Request) -> Response:
    web = web_of(request)
    if request.method == "GET":
        return await show(request)
    form = await web.form(request)  # CSRF first: a forged post is refused with 403
    values = {k: text(form, k) for k in form.keys() if k != "csrf_token"}
    token = request.path_params["token"]
    answers: list[LineAnswer] = []
    line_of: list[int] = []  # answer index -> line id, to show errors by the line
    try:
        for key in form.keys():
            if not key.startswith("answer_"):
                continue
            line_id = numbers.database_id_or_none(key.removeprefix("answer_"))
            choice = text(form, key)
            if line_id is None or choice not in ("confirm", "change"):
                continue
            field = f"lines[{len(answers)}]"
            line_of.append(line_id)
            answers.append(
                LineAnswer(
                    line_id,
                    confirm=choice == "confirm",
                    date=_date(form, f"date_{line_id}", f"{field}.date"),
                    quantity=_quantity(form, f"quantity_{line_id}", f"{field}.quantity"),
                    note=text(form, f"note_{line_id}"),
                )
            )
        done = await answer_purchase_order(token, answers, ctx=web.context())
    except LinkRefused as error:
        raise HTTPException(403, error.message) from None
    except NotFound as error:
        if error.field == "token":
            raise HTTPException(404) from None
        return await show(request, errors=_by_line(error, line_of), form=values, status=400)
    except DomainError as error:
        return await show(request, errors=_by_line(error, line_of), form=values, status=400)
    said = f"Thank you: {done.confirmed} lines confirmed, {done.proposed} changes proposed"
    if done.proposed and not done.applied:
        said += " (we will review them and come back to you)"
    return await show(request, done=said + ".")


async def parcel(request: Request) -> Response:
    """Rule 25: the supplier sent a dropship parcel; the customer is told its tracking."""
    web = web_of(request)
    form = await web.form(request)  # CSRF first: a forged post is refused with 403
    token = request.path_params["token"]
    line_id = numbers.database_id_or_none(text(form, "line_id")) or 0
    values = {
        f"carrier_{line_id}": text(form, "carrier")[:200],
        f"tracking_{line_id}": text(form, "tracking_number")[:200],
    }
    try:
        sent = await record_dropship_parcel(
            token,
            line_id,
            text(form, "carrier"),
            text(form, "tracking_number"),
            ctx=web.context(),
        )
    except LinkRefused as error:
        raise HTTPException(403, error.message) from None
    except NotFound as error:
        if error.field == "token":
            raise HTTPException(404) from None
        return await show(request, errors={"form": error.message}, form=values, status=400)
    except DomainError as error:
        errors = {f"parcel-{line_id}-{error.field or 'form'}": error.message}
        return await show(request, errors=errors, form=values, status=400)
    return await show(
        request,
        done=f"Thank you: the parcel for order {sent.order_number} is recorded as sent;"
        " we have told the customer.",
    )


def _by_line(error: DomainError, line_of: list[int]) -> dict[str, str]:
    """``lines[2].date`` becomes ``line-<id>``: the form shows it beside that line."""
    found = field_errors(error)
    field = error.field or ""
    if field.startswith("lines[") and "]" in field:
        index = field[6 : field.index("]")]
        if index.isdigit() and int(index) < len(line_of):
            return {f"line-{line_of[int(index)]}": error.message}
    return found or {"form": error.message}


ROUTES = [
    Route("/supplier/po/{token}", page, methods=["GET", "POST"], name="supplier-po"),
    Route("/supplier/po/{token}/parcel", parcel, methods=["POST"], name="supplier-po-parcel"),
]
