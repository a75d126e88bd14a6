"""Receiving: open purchase orders to receive against, the receipt form, and the receipt with
the orders it filled (rule 6: first come, first served, whichever order was pegged)."""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.errors import DomainError, InvalidInput
from domain.purchasing.reads import PurchaseOrderView, purchase_order_page, purchase_orders_by_id
from domain.purchasing.receipts import receipt
from domain.staff.actors import actor_labels
from domain.supply.purchase_orders import ReceiptLineRequest, receive
from domain.vocabulary import PurchaseOrderStatus
from portal.staff.desk import desk_of, found
from portal.staff.forms import new_key, number_field
from portal.web import field_errors, text

MAX_NOTE = 80


async def open_pos(request: Request) -> Response:
    desk = desk_of(request)
    page = await purchase_order_page(today=desk.today(), status=PurchaseOrderStatus.OPEN, first=100)
    return desk.page(request, "receiving.html", {"pos": page.items, "more": page.has_next})


async def load(request: Request) -> PurchaseOrderView:
    desk = desk_of(request)
    po_id = desk.path_int(request, "po_id")
    return found((await purchase_orders_by_id([po_id])).get(po_id))


async def receive_page(request: Request) -> Response:
    desk = desk_of(request)
    form = await desk.form(request) if request.method == "POST" else None
    po = await load(request)
    if form is None:
        return desk.page(request, "receive.html", {"po": po, "form": {"key": new_key()}})
    values = {name: text(form, name) for name in form.keys() if name != "csrf_token"}
    note = text(form, "delivery_note").strip()
    lines: list[ReceiptLineRequest] = []
    try:
        if len(note) > MAX_NOTE:
            raise InvalidInput(f"Use at most {MAX_NOTE} characters.", field="deliveryNote")
        for line in po.lines:
            if text(form, f"quantity_{line.id}").strip():
                quantity = number_field(form, f"quantity_{line.id}", field=f"line-{line.id}")
                if quantity:
                    lines.append(ReceiptLineRequest(line.id, quantity))
        # A delivery note number makes the same delivery impossible to record twice.
        key = f"po{po.id}:note:{note}" if note else f"staff:{text(form, 'key')}"
        done = await receive(po.id, key, lines, ctx=desk.context(request))
    except DomainError as error:
        errors = field_errors(error)
        index = lines_index(error.field or "")
        if index is not None and index < len(lines):
            errors = {f"line-{lines[index].po_line_id}": error.message}
        return desk.page(
            request,
            "receive.html",
            {
                "po": po,
                "form": values,
                "errors": errors,
            },
            status=400,
        )
    query = "done=received" if done.applied else "done=already"
    return desk.redirect(request, "staff:receipt", query, receipt_id=done.receipt_id)


async def receipt_page(request: Request) -> Response:
    desk = desk_of(request)
    shown = found(await receipt(desk.path_int(request, "receipt_id")))
    return desk.page(
        request,
        "receipt.html",
        {
            "receipt": shown,
            "who": await actor_labels([shown.actor]),
            "done": request.query_params.get("done", ""),
        },
    )


def lines_index(field: str) -> int | None:
    """``lines[2].quantity`` → 2."""
    if not field.startswith("lines["):
        return None
    inner = field[len("lines[") :].split("]", 1)[0]
    return int(inner) if re.fullmatch(r"[0-9]{1,4}", inner) else None


ROUTES = [
    Route("/receiving", open_pos, name="receiving"),
    Route(
        "/purchase-orders/{po_id:int}/receive",
        receive_page,
        methods=["GET", "POST"],
        name="po-receive",
    ),
    Route("/receipts/{receipt_id:int}", receipt_page, name="receipt"),
]
