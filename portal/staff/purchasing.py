"""Purchase orders: the list (overdue first), creating one, its page with who changed what,
an expected-date change previewed exactly before it is confirmed, and cancelling a line."""

from __future__ import annotations

import datetime as dt
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain import numbers
from domain.audit.reads import audit_of
from domain.errors import DomainError, InvalidInput
from domain.ordering.eta_events import event_impact
from domain.purchasing.reads import (
    PoCursor,
    po_cursor,
    purchase_order_page,
    purchase_orders_by_id,
)
from domain.purchasing.receipts import date_changes_of, receipts_of
from domain.staff.actors import actor_labels
from domain.staff.admin_reads import product_choices, supplier_choices
from domain.supply.date_changes import change_expected_date, preview_expected_date
from domain.supply.purchase_orders import (
    PoLineRequest,
    cancel_purchase_order_line,
    create_purchase_order,
)
from domain.vocabulary import PurchaseOrderStatus
from portal.staff.desk import desk_of, found
from portal.staff.forms import date_field, new_key, number_field
from portal.web import field_errors, query_number, text

NEW_LINES = 5
PAGE = 25


def _cursor(raw: str) -> PoCursor | None:
    """The ``after`` of a page link: ``rank_date_id``; a broken link is a 400."""
    if not raw:
        return None
    rank, _, rest = raw.partition("_")
    day, _, ident = rest.partition("_")
    try:
        return PoCursor(
            numbers.whole_number(rank, field="after", minimum=0, maximum=1),
            dt.date.fromisoformat(day),
            numbers.database_id(ident, field="after"),
        )
    except (ValueError, InvalidInput):
        raise HTTPException(400, "This page link is not valid.") from None


async def listing(request: Request) -> Response:
    desk = desk_of(request)
    query = request.query_params
    status_value = query.get("status", "open")
    status = (
        PurchaseOrderStatus(status_value)
        if status_value in PurchaseOrderStatus._value2member_map_
        else None
    )
    supplier_id = query_number(request, "supplier")
    today = desk.today()
    page = await purchase_order_page(
        today=today,
        status=status,
        supplier_id=supplier_id,
        after=_cursor(query.get("after", "")),
        first=PAGE,
    )
    last = po_cursor(page.items[-1], today) if page.items else None
    return desk.page(
        request,
        "purchase_orders.html",
        {
            "page": page,
            "status": status_value if status else "",
            "supplier_id": supplier_id,
            "suppliers": await supplier_choices(),
            "statuses": list(PurchaseOrderStatus),
            "next_after": f"{last.rank}_{last.expected_date.isoformat()}_{last.id}" if last else "",
        },
    )


async def new_page(
    request: Request,
    *,
    errors: dict[str, Any] | None = None,
    form: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    desk = desk_of(request)
    return desk.page(
        request,
        "po_new.html",
        {
            "suppliers": await supplier_choices(),
            "products": await product_choices(),
            "rows": range(NEW_LINES),
            "errors": errors or {},
            "form": form or {"key": new_key()},
        },
        status=status,
    )


async def create(request: Request) -> Response:
    desk = desk_of(request)
    if request.method == "GET":
        return await new_page(request)
    form = await desk.form(request)
    values = {name: text(form, name) for name in form.keys() if name != "csrf_token"}
    try:
        lines: list[PoLineRequest] = []
        for i in range(NEW_LINES):
            sku = text(form, f"sku_{i}").strip()
            if sku or text(form, f"quantity_{i}").strip():
                lines.append(
                    PoLineRequest(
                        sku,
                        number_field(form, f"quantity_{i}", field=f"lines[{len(lines)}].quantity"),
                    )
                )
        po = await create_purchase_order(
            number_field(
                form, "supplier_id", field="supplierId", minimum=1, maximum=numbers.MAX_ID
            ),
            date_field(form, "expected_date", field="expectedDate"),
            lines,
            ctx=desk.context(request),
            key=f"staff:{text(form, 'key')}" if text(form, "key") else None,
        )
    except DomainError as error:
        return await new_page(request, errors=field_errors(error), form=values, status=400)
    return desk.redirect(request, "staff:purchase-order", "done=created", po_id=po.id)


async def po_page(
    request: Request,
    *,
    errors: dict[str, Any] | None = None,
    form: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    desk = desk_of(request)
    po_id = desk.path_int(request, "po_id")
    po = found((await purchase_orders_by_id([po_id])).get(po_id))
    changes, receipts, audit = (
        await date_changes_of(po_id),
        await receipts_of(po_id),
        await audit_of(purchase_order_id=po_id),
    )
    event_id = query_number(request, "event")
    impact = await event_impact(event_id) if event_id else None
    if impact is not None and not impact.detail.startswith(po.number):
        impact = None  # the "done" line of another purchase order's change
    actors = {
        po.created_by,
        *(c.actor for c in changes),
        *(r.actor for r in receipts),
        *(a.actor for a in audit),
    }
    return desk.page(
        request,
        "purchase_order.html",
        {
            "po": po,
            "overdue": po.overdue(desk.today()),
            "changes": changes,
            "receipts": receipts,
            "audit": audit,
            "impact": impact,
            "who": await actor_labels(actors),
            "done": request.query_params.get("done", ""),
            "errors": errors or {},
            "form": form or {},
        },
        status=status,
    )


async def show(request: Request) -> Response:
    return await po_page(request)


def date_values(form: Any) -> dict[str, str]:
    return {"new_date": text(form, "new_date"), "reason": text(form, "reason")}


async def date_preview(request: Request) -> Response:
    desk = desk_of(request)
    form = await desk.form(request)
    values = date_values(form)
    try:
        new_date = date_field(form, "new_date", field="expectedDate")
        impact = await preview_expected_date(
            desk.path_int(request, "po_id"),
            new_date,
            values["reason"],
            ctx=desk.context(request),
        )
    except DomainError as error:
        return await po_page(request, errors=field_errors(error), form=values, status=400)
    return desk.page(
        request,
        "po_preview.html",
        {
            "impact": impact,
            "form": values,
            "threshold": desk.policy.email_threshold_days,
        },
    )


async def date_confirm(request: Request) -> Response:
    desk = desk_of(request)
    form = await desk.form(request)
    values = date_values(form)
    po_id = desk.path_int(request, "po_id")
    try:
        new_date = date_field(form, "new_date", field="expectedDate")
        done = await change_expected_date(
            po_id, new_date, values["reason"], ctx=desk.context(request)
        )
    except DomainError as error:
        return await po_page(request, errors=field_errors(error), form=values, status=400)
    query = f"event={done.event_id}" if done.event_id else "done=revised"
    return desk.redirect(request, "staff:purchase-order", query, po_id=po_id)


async def cancel_line(request: Request) -> Response:
    desk = desk_of(request)
    form = await desk.form(request)
    po_id = desk.path_int(request, "po_id")
    line_id = desk.path_int(request, "line_id")
    found = await purchase_orders_by_id([po_id])
    if po_id not in found or line_id not in {line.id for line in found[po_id].lines}:
        raise HTTPException(404)
    try:
        done = await cancel_purchase_order_line(
            line_id, text(form, "reason"), ctx=desk.context(request)
        )
    except DomainError as error:
        errors = {f"line-{line_id}": error.message}
        return await po_page(
            request, errors=errors, form={f"reason_{line_id}": text(form, "reason")}, status=400
        )
    query = f"event={done.event_id}" if done.event_id else "done=line-cancelled"
    return desk.redirect(request, "staff:purchase-order", query, po_id=po_id)


ROUTES = [
    Route("/purchase-orders", listing, name="purchase-orders"),
    Route("/purchase-orders/new", create, methods=["GET", "POST"], name="po-new"),
    Route("/purchase-orders/{po_id:int}", show, name="purchase-order"),
    Route(
        "/purchase-orders/{po_id:int}/date/preview",
        date_preview,
        methods=["POST"],
        name="po-date-preview",
    ),
    Route("/purchase-orders/{po_id:int}/date", date_confirm, methods=["POST"], name="po-date"),
    Route(
        "/purchase-orders/{po_id:int}/lines/{line_id:int}/cancel",
        cancel_line,
        methods=["POST"],
        name="po-line-cancel",
    ),
]
