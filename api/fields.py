"""The GraphQL door's names for the fields that domain errors name: one table for the door.

The domain names a field in its own words (``shipping_address``, ``lines[2].quantity``); a client
reads back the name of the input it sent. Each segment of the path is camelCased
(``lines[0].line_id`` → ``lines[0].lineId``, and a name already camelCased stays as it is); where
a mutation's input is named otherwise than the domain's word, ``RENAMED`` says so, per mutation:
one domain word is one input in one mutation and another elsewhere (the order the domain names is
the ``token`` a customer sent; ``lineId`` is a purchase order's line when a supplier answers).
"""

from __future__ import annotations

import re

RENAMED: dict[str, dict[str, str]] = {
    "placeOrder": {"consent": "consentsToWaiting"},
    "receivePurchaseOrder": {"poLineId": "purchaseOrderLineId"},
    "answerPurchaseOrder": {"lineId": "purchaseOrderLineId"},
    "recordDropshipParcel": {"lineId": "purchaseOrderLineId"},
    "requestCustomBuild": {"choices": "choiceIds"},
    "quoteCustomBuild": {"requestId": "customBuildId"},
    "slipCustomBuild": {"requestId": "customBuildId"},
    "cancelOrderLines": {"orderId": "token"},
    "setShipPreference": {"orderId": "token"},
    "respondToDelayNotice": {"orderId": "token"},
}

_SNAKE = re.compile(r"_([a-z0-9])")


def camel(name: str) -> str:
    """``shipping_address`` → ``shippingAddress``; ``lineId`` and ``sku`` stay as they are."""
    return _SNAKE.sub(lambda found: found.group(1).upper(), name)


def api_field(field: str | None, mutation: str | None = None) -> str | None:
    """The input path a client sent for the domain's ``field``, in ``mutation`` when given."""
    if field is None:
        return None
    renames = RENAMED.get(mutation, {}) if mutation else {}
    segments = []
    for segment in field.split("."):
        name, bracket, index = segment.partition("[")
        name = camel(name)
        segments.append(renames.get(name, name) + bracket + index)
    return ".".join(segments)
