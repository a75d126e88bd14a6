"""Shipping: what may leave now under each order's preference, packing it into a parcel, and
handing the parcel to a carrier with its tracking number (revenue is recognised then)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.errors import DomainError
from domain.shipping.reads import packed_parcels, ready_to_ship
from domain.shipping.services import create_shipment, mark_shipped
from portal.staff.desk import desk_of
from portal.staff.forms import new_key
from portal.web import text


async def shipping_page(
    request: Request,
    *,
    errors: dict[str, Any] | None = None,
    form: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    desk = desk_of(request)
    return desk.page(
        request,
        "shipping.html",
        {
            "ready": await ready_to_ship(today=desk.today()),
            "packed": await packed_parcels(),
            "done": request.query_params.get("done", ""),
            "errors": errors or {},
            "form": form or {},
            "key": new_key(),
        },
        status=status,
    )


async def overview(request: Request) -> Response:
    return await shipping_page(request)


async def pack(request: Request) -> Response:
    desk = desk_of(request)
    form = await desk.form(request)
    order_id = desk.path_int(request, "order_id")
    key = text(form, "key")
    try:
        await create_shipment(
            order_id, ctx=desk.context(request), key=f"staff:{key}" if key else None
        )
    except DomainError as error:
        return await shipping_page(request, errors={f"order-{order_id}": error.message}, status=400)
    if text(form, "back") == "order":
        return desk.redirect(request, "staff:order", "done=packed", order_id=order_id)
    return desk.redirect(request, "staff:shipping", "done=packed")


async def shipped(request: Request) -> Response:
    desk = desk_of(request)
    form = await desk.form(request)
    shipment_id = desk.path_int(request, "shipment_id")
    carrier, tracking = text(form, "carrier"), text(form, "tracking_number")
    try:
        await mark_shipped(shipment_id, carrier, tracking, ctx=desk.context(request))
    except DomainError as error:
        return await shipping_page(
            request,
            errors={f"shipment-{shipment_id}": error.message},
            form={f"carrier_{shipment_id}": carrier, f"tracking_{shipment_id}": tracking},
            status=400,
        )
    return desk.redirect(request, "staff:shipping", "done=shipped")


ROUTES = [
    Route("/shipping", overview, name="shipping"),
    Route("/orders/{order_id:int}/shipments", pack, methods=["POST"], name="shipment-create"),
    Route(
        "/shipments/{shipment_id:int}/shipped",
        shipped,
        methods=["POST"],
        name="shipment-shipped",
    ),
]
