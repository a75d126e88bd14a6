"""The events a subscription can ask for and the body each delivery carries. Pure.

Every body is the same versioned envelope::

    {"type": "order.placed", "version": 1, "timestamp": "2026-12-06T10:00:00Z", "data": {...}}

``data`` is stored with plain database ids; :func:`body` turns each id field (``ID_TYPES``) into
the opaque ID the GraphQL API uses (base64 of ``Type:id``), so a receiver can query for more.
A change of a field's meaning or a removal raises ``VERSION``; new fields do not.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

VERSION = 1

EVENTS = (
    "order.placed",
    "order.line.eta_changed",
    "order.delay_notice.sent",
    "order.delay_notice.answered",
    "order.cancelled",
    "shipment.sent",
    "product.availability_changed",
    "purchase_order.received",
    "purchase_order.date_changed",
    "custom_build.quoted",
    "custom_build.accepted",
)
PING = "webhook.ping"  # sent by `preorder webhooks test`; no subscription asks for it

ID_TYPES = {
    "orderId": "Order",
    "lineId": "OrderLine",
    "productId": "Product",
    "delayNoticeId": "DelayNotice",
    "shipmentId": "Shipment",
    "purchaseOrderId": "PurchaseOrder",
    "purchaseOrderLineId": "PurchaseOrderLine",
    "customBuildId": "CustomBuild",
    "quoteId": "BuildQuote",
}


def global_id(type_name: str, pk: int) -> str:
    """The GraphQL API's opaque ID (``api/ids.py`` spells it the same; a test holds them equal)."""
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


def _public(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: global_id(ID_TYPES[key], int(item))
            if key in ID_TYPES and isinstance(item, int | str) and str(item).isdigit()
            else _public(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_public(item) for item in value]
    return value


def timestamp_text(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def envelope(event: str, data: dict[str, Any], created_at: dt.datetime) -> dict[str, Any]:
    return {
        "type": event,
        "version": VERSION,
        "timestamp": timestamp_text(created_at),
        "data": _public(data),
    }


def body(event: str, data: dict[str, Any], created_at: dt.datetime) -> bytes:
    """The exact bytes POSTed: the same for every attempt of a delivery."""
    return json.dumps(
        envelope(event, data, created_at), separators=(",", ":"), ensure_ascii=False
    ).encode()


def unknown_events(names: list[str]) -> list[str]:
    return [name for name in names if name not in EVENTS]
