"""Order mutations: place, and with the order link's token: cancel, ship preference, delay
answers; for staff: priority."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import strawberry
from strawberry.types import Info

from api import ids
from api.context import ApiContext
from api.errors import UserError, user_errors
from api.limits import check_list_sizes
from api.permissions import ORDERS, requires, staff_context
from api.throttle import limit
from api.types.orders import Order
from domain.errors import DomainError
from domain.ordering.changes import (
    CancelRequest,
    cancel_order_lines,
    respond_to_delay_notice,
    set_order_priority,
    set_ship_preference,
)
from domain.ordering.services import (
    LineRequest,
    OrderRequest,
    find_order_by_token,
    place_order,
)
from domain.vocabulary import ShipPreference


@strawberry.input
class OrderLineInput:
    sku: str
    quantity: int
    dropship: bool | None = strawberry.field(
        default=None,
        description="Shipped by the maker straight to the customer (rule 25): where the"
        " product's `shippedBy` is `EITHER`, true chooses the maker; null takes the product's"
        " own way (the shop when it allows both).",
    )


@strawberry.input
class PlaceOrderInput:
    """An order as the portal's checkout sends it, with the consent to wait its cart asks for.

    ``consentsToWaiting`` is optional so that storefronts written before it keep placing orders
    as they did: null (or absent) says this storefront did not ask, and the order is placed with
    whatever part waits, as the portal never does without asking. A storefront that asks sends
    the answer, and the rule is then the portal's (``domain/ordering/consent.py``): false refuses
    an order of which some units would wait (``INVALID`` on ``consentsToWaiting``, nothing
    placed), true places it. Making it required would break every client that shows the split
    itself and never sent it; DOMAIN.md asks that the customer knows what waits, which the
    split preview tells, not that every door asks the same question.
    """

    email: str
    name: str
    shipping_address: str = strawberry.field(description="The full postal address, multi-line.")
    lines: list[OrderLineInput]
    ship_preference: ShipPreference = ShipPreference.SHIP_WHEN_READY
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="Send the same key when retrying: a replay returns the first order.",
    )
    consents_to_waiting: bool | None = strawberry.field(
        default=None,
        description="The customer's answer when asked to confirm that part of the order ships"
        " later. false refuses an order of which some units would wait (INVALID on this field,"
        " nothing placed); true places it; null: this storefront did not ask, and the order is"
        " placed whatever waits. A retry matches its first order whatever it answers.",
    )


def _place_order_input(
    cls: type[PlaceOrderInput], value: Mapping[str, Any], _: object
) -> PlaceOrderInput:
    """``PlaceOrderInput`` from the value graphql-core has checked against the schema (keyed by
    GraphQL names, defaults filled in, the enum a member): what Strawberry's generic conversion
    builds, field by field and line by line, at a fifth of its cost on every order placed.
    tests/api/test_place_order_input.py holds the two to the same answer."""
    return cls(
        email=value["email"],
        name=value["name"],
        shipping_address=value["shippingAddress"],
        lines=[
            OrderLineInput(
                sku=line["sku"], quantity=line["quantity"], dropship=line.get("dropship")
            )
            for line in value["lines"]
        ],
        ship_preference=value.get("shipPreference", ShipPreference.SHIP_WHEN_READY),
        idempotency_key=value.get("idempotencyKey"),
        consents_to_waiting=value.get("consentsToWaiting"),
    )


PlaceOrderInput.__strawberry_definition__.from_input = _place_order_input  # type: ignore[attr-defined]


@strawberry.type
class PlaceOrderPayload:
    order: Order | None = None
    order_token: str | None = strawberry.field(
        default=None,
        description="The secret of the order link: the customer's key to `order(token:)` and "
        "to changing the order. Also emailed.",
    )
    replayed: bool = strawberry.field(
        default=False, description="True when the idempotency key had placed this order before."
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class OrderPayload:
    order: Order | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class CancelLineInput:
    line_id: strawberry.ID
    quantity: int | None = strawberry.field(
        default=None, description="Units to cancel; every unshipped unit when null."
    )


@strawberry.input
class CancelOrderLinesInput:
    token: str
    lines: list[CancelLineInput]


@strawberry.input
class SetShipPreferenceInput:
    token: str
    ship_preference: ShipPreference


@strawberry.input
class RespondToDelayNoticeInput:
    token: str
    notice_id: strawberry.ID
    keep_waiting: bool = strawberry.field(
        description="True: accept the new date. False: cancel the delayed line, fully refunded."
    )


@strawberry.input
class SetOrderPriorityInput:
    order_id: strawberry.ID
    priority: int = strawberry.field(description="-100 to 100; higher is served first.")


@strawberry.type
class OrderingMutation:
    @strawberry.mutation(description="Place an order: each line splits into stock and backorder.")
    async def place_order(
        self, info: Info[ApiContext, Any], input: PlaceOrderInput
    ) -> PlaceOrderPayload:  # noqa: A002
        try:
            check_list_sizes(input)
            await limit(info, "place_order_client")
            request = OrderRequest(
                email=input.email,
                name=input.name,
                shipping_address=input.shipping_address,
                lines=[LineRequest(line.sku, line.quantity, line.dropship) for line in input.lines],
                ship_preference=input.ship_preference,
                idempotency_key=input.idempotency_key,
                consents_to_waiting=input.consents_to_waiting,
            )
            placed = await place_order(request, ctx=info.context.customer)
        except DomainError as error:
            return PlaceOrderPayload(errors=user_errors(error, "placeOrder"))
        return PlaceOrderPayload(
            order=Order.of(placed.order), order_token=placed.token, replayed=placed.replayed
        )

    @strawberry.mutation(description="Cancel unshipped units (the order link's token).")
    async def cancel_order_lines(
        self,
        info: Info[ApiContext, Any],
        input: CancelOrderLinesInput,  # noqa: A002
    ) -> OrderPayload:
        try:
            check_list_sizes(input)
            requests = [
                CancelRequest(ids.decode("OrderLine", line.line_id) or 0, line.quantity)
                for line in input.lines
            ]
            order = await find_order_by_token(input.token)
            view = await cancel_order_lines(
                order.id, requests, ctx=info.context.customer, reason="cancelled by the customer"
            )
        except DomainError as error:
            return OrderPayload(errors=user_errors(error, "cancelOrderLines"))
        return OrderPayload(order=Order.of(view))

    @strawberry.mutation(description="Ship parts when ready, or all at once (the order's token).")
    async def set_ship_preference(
        self,
        info: Info[ApiContext, Any],
        input: SetShipPreferenceInput,  # noqa: A002
    ) -> OrderPayload:
        try:
            order = await find_order_by_token(input.token)
            view = await set_ship_preference(
                order.id, input.ship_preference.value, ctx=info.context.customer
            )
        except DomainError as error:
            return OrderPayload(errors=user_errors(error, "setShipPreference"))
        return OrderPayload(order=Order.of(view))

    @strawberry.mutation(description="Answer a delay notice: keep waiting, or cancel the line.")
    async def respond_to_delay_notice(
        self,
        info: Info[ApiContext, Any],
        input: RespondToDelayNoticeInput,  # noqa: A002
    ) -> OrderPayload:
        try:
            order = await find_order_by_token(input.token)
            view = await respond_to_delay_notice(
                order.id,
                ids.decode("DelayNotice", input.notice_id) or 0,
                input.keep_waiting,
                ctx=info.context.customer,
            )
        except DomainError as error:
            return OrderPayload(errors=user_errors(error, "respondToDelayNotice"))
        return OrderPayload(order=Order.of(view))

    @strawberry.mutation(
        description="Staff (scope `orders`): move an order up or down its queues.",
        metadata=requires(ORDERS),
    )
    async def set_order_priority(
        self,
        info: Info[ApiContext, Any],
        input: SetOrderPriorityInput,  # noqa: A002
    ) -> OrderPayload:
        try:
            ctx = await staff_context(info)
            view = await set_order_priority(
                ids.decode("Order", input.order_id) or 0, input.priority, ctx=ctx
            )
        except DomainError as error:
            return OrderPayload(errors=user_errors(error))
        return OrderPayload(order=Order.of(view))
