"""Staff mutations of shipping: pack a parcel, mark it shipped."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info

from api import ids
from api.context import ApiContext
from api.errors import UserError, user_errors
from api.limits import check_list_sizes
from api.permissions import SHIPPING, requires, staff_context
from api.types.orders import Shipment
from domain.errors import DomainError, InvalidInput
from domain.shipping.services import create_shipment, mark_shipped


@strawberry.input
class ShipmentLineInput:
    line_id: strawberry.ID
    quantity: int


@strawberry.input
class CreateShipmentInput:
    order_id: strawberry.ID
    lines: list[ShipmentLineInput] | None = strawberry.field(
        default=None,
        description="Units per line; null packs everything the ship preference lets go now.",
    )
    idempotency_key: str | None = None


@strawberry.input
class MarkShipmentShippedInput:
    shipment_id: strawberry.ID
    carrier: str
    tracking_number: str


@strawberry.type
class ShipmentPayload:
    errors: list[UserError] = strawberry.field(default_factory=list)
    shipment_pk: strawberry.Private[int | None] = None

    @strawberry.field
    async def shipment(self, info: Info[ApiContext, Any]) -> Shipment | None:
        if self.shipment_pk is None:
            return None
        view = await info.context.loaders.shipment.load(self.shipment_pk)
        return Shipment.of(view) if view else None


def _lines(given: list[ShipmentLineInput] | None) -> tuple[dict[int, int] | None, dict[str, str]]:
    """Units per line id, and how the domain's ``lines[<id>]`` maps back to input positions."""
    if given is None:
        return None, {}
    lines: dict[int, int] = {}
    positions: dict[str, str] = {}
    for index, line in enumerate(given):
        pk = ids.decode("OrderLine", line.line_id) or -index - 1  # unknown: never allowed
        if pk in lines:
            raise InvalidInput("List each line once.", field=f"lines[{index}].lineId")
        lines[pk] = line.quantity
        positions[f"lines[{pk}]"] = f"lines[{index}]"
    return lines, positions


@strawberry.type
class ShippingMutation:
    @strawberry.mutation(
        description="Staff (scope `shipping`): pack a parcel of allocated units.",
        metadata=requires(SHIPPING),
    )
    async def create_shipment(
        self,
        info: Info[ApiContext, Any],
        input: CreateShipmentInput,  # noqa: A002
    ) -> ShipmentPayload:
        positions: dict[str, str] = {}
        try:
            ctx = await staff_context(info)
            check_list_sizes(input)
            lines, positions = _lines(input.lines)
            parcel = await create_shipment(
                ids.decode("Order", input.order_id) or 0,
                ctx=ctx,
                lines=lines,
                key=input.idempotency_key,
            )
        except DomainError as error:
            errors = user_errors(error)
            for item in errors:
                head, dot, rest = (item.field or "").partition(".")
                if head in positions:
                    item.field = positions[head] + dot + rest
            return ShipmentPayload(errors=errors)
        return ShipmentPayload(shipment_pk=parcel.id)

    @strawberry.mutation(
        description="Staff (scope `shipping`): the parcel left; the customer is emailed.",
        metadata=requires(SHIPPING),
    )
    async def mark_shipment_shipped(
        self,
        info: Info[ApiContext, Any],
        input: MarkShipmentShippedInput,  # noqa: A002
    ) -> ShipmentPayload:
        try:
            ctx = await staff_context(info)
            parcel = await mark_shipped(
                ids.decode("Shipment", input.shipment_id) or 0,
                input.carrier,
                input.tracking_number,
                ctx=ctx,
            )
        except DomainError as error:
            return ShipmentPayload(errors=user_errors(error))
        return ShipmentPayload(shipment_pk=parcel.id)
