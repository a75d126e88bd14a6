"""Orders: search, and one order with its ETA history and who changed what; priority, cancel."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain import numbers
from domain.audit.reads import audit_of
from domain.errors import DomainError, InvalidInput
from domain.ordering.changes import CancelRequest, cancel_order_lines, set_order_priority
from domain.ordering.detail import order_detail
from domain.ordering.search import OrderFilter, OrderPage, search_orders
from domain.shipping.services import ready_to_ship
from domain.staff.actors import actor_labels
from domain.staff.admin_reads import order_id_by_number
from portal.staff.desk import desk_of, found
from portal.staff.forms import new_key, number_field
from portal.web import field_errors, query_page, text

PAGE = 25
# Staff choose a reason from a fixed list: it is shown to the customers whose date moves.
CANCEL_REASONS = {
    "asked": "cancelled at the customer's request",
    "unavailable": "cancelled: the item cannot be supplied",
    "payment": "cancelled: payment failed",
    "duplicate": "cancelled: a duplicate order",
}
YES_NO = {"yes": True, "no": False}


async def search(request: Request) -> Response:
    desk = desk_of(request)
    query = request.query_params
    values = {k: query.get(k, "")[:200] for k in ("number", "email", "sku", "waiting", "late")}
    if values["number"]:
        found = await order_id_by_number(values["number"])
        if found:
            return desk.redirect(request, "staff:order", order_id=found)
    errors: dict[str, str] = {}
    page = OrderPage([], False)
    try:
        page = await search_orders(
            OrderFilter(
                waiting=YES_NO.get(values["waiting"]),
                overdue=YES_NO.get(values["late"]),
                sku=values["sku"] or None,
                customer_email=values["email"] or None,
            ),
            today=desk.today(),
            before_id=query_page(request, "before"),
            first=PAGE,
        )
    except DomainError as error:
        errors = {"email": error.message}
    if values["number"] and not errors:
        errors = {"number": "No order has this number."}
    return desk.page(
        request,
        "orders.html",
        {
            "page": page,
            "form": values,
            "errors": errors,
            "status": 400 if errors else 200,
        },
        status=400 if errors else 200,
    )


async def order_page(
    request: Request, *, errors: dict[str, Any] | None = None, status: int = 200
) -> Response:
    desk = desk_of(request)
    order_id = desk.path_int(request, "order_id")
    detail = found(await order_detail(order_id))
    order = detail.order
    names = {line.id: line.name for line in order.lines}
    history = detail.history
    audit = await audit_of(order_id=order_id)
    ctx = desk.context(request)
    ready = await ready_to_ship(order_id, ctx=ctx)
    return desk.page(
        request,
        "order.html",
        {
            "order": order,
            "names": names,
            # ETA changes and audit entries in one timeline, newest first.
            "timeline": sorted(
                [("eta", h.at, h) for h in reversed(history)] + [("audit", a.at, a) for a in audit],
                key=lambda entry: entry[1],
                reverse=True,
            ),
            "shipments": detail.shipments,
            "notices": detail.open_delay_notices,
            "ready": [(names[line_id], quantity) for line_id, quantity in ready.items()],
            "who": await actor_labels([*(h.actor for h in history), *(a.actor for a in audit)]),
            "reasons": CANCEL_REASONS,
            "done": request.query_params.get("done", ""),
            "errors": errors or {},
            "shipment_key": new_key(),
        },
        status=status,
    )


async def show(request: Request) -> Response:
    return await order_page(request)


async def priority(request: Request) -> Response:
    desk = desk_of(request)
    form = await desk.form(request)
    order_id = desk.path_int(request, "order_id")
    try:
        number = numbers.whole_number(
            text(form, "priority"),
            field="priority",
            minimum=-numbers.MAX_COUNT,
            maximum=numbers.MAX_COUNT,
            message="Priority is a whole number from -100 to 100.",
        )
        await set_order_priority(order_id, number, ctx=desk.context(request))
    except DomainError as error:
        return await order_page(request, errors=field_errors(error), status=400)
    return desk.redirect(request, "staff:order", "done=priority", order_id=order_id)


async def cancel(request: Request) -> Response:
    desk = desk_of(request)
    form = await desk.form(request)
    order_id = desk.path_int(request, "order_id")
    try:
        reason = CANCEL_REASONS.get(text(form, "reason"))
        if reason is None:
            raise InvalidInput("Choose why these items are cancelled.", field="reason")
        line_id = number_field(form, "line_id", field="lines", minimum=1, maximum=numbers.MAX_ID)
        quantity = number_field(form, "quantity", field="lines[0].quantity", default=0)
        await cancel_order_lines(
            order_id,
            [CancelRequest(line_id, quantity or None)],
            ctx=desk.context(request),
            reason=reason,
        )
    except DomainError as error:
        return await order_page(request, errors=field_errors(error), status=400)
    return desk.redirect(request, "staff:order", "done=cancelled", order_id=order_id)


ROUTES = [
    Route("/orders", search, name="orders"),
    Route("/orders/{order_id:int}", show, name="order"),
    Route("/orders/{order_id:int}/priority", priority, methods=["POST"], name="order-priority"),
    Route("/orders/{order_id:int}/cancel", cancel, methods=["POST"], name="order-cancel"),
]
