"""The events, each written where its change happens: a service calls one function here inside
its transaction. Payload layouts are documented in the README ("Webhooks") and held to it by a
test. Ids are database ids here; ``events.body`` turns them into the API's opaque IDs.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from domain.context import Context
from domain.db import fetch
from domain.rows import as_date, as_decimal
from domain.webhooks.emit import Event, Json, emit, emit_select, subscribers


def _day(value: object) -> str | None:
    found = as_date(value)
    return found.isoformat() if found else None


def _window(row: dict[str, Any], prefix: str) -> dict[str, Any]:
    return {
        "earliest": _day(row[f"{prefix}_earliest"]),
        "latest": _day(row[f"{prefix}_latest"]),
        "basis": row[f"{prefix}_basis"],
    }


def order_key(order_id: int) -> str:
    return f"order:{order_id}"


async def _wanted(conn: BaseDBAsyncClient, event: str) -> bool:
    return bool(await subscribers(conn, event))


async def order_placed(conn: BaseDBAsyncClient, ctx: Context, order_id: int) -> int:
    """The order, and the availability of its products (what it took changes what is left)."""
    wanted = await subscribers(conn, "*")
    if not wanted:
        return 0  # no active subscription at all: no further statement
    rows = await fetch(
        conn,
        "SELECT o.number, o.ship_preference, l.id, l.product_id, p.sku, l.quantity,"
        " l.qty_allocated, l.qty_waiting, l.eta_earliest, l.eta_latest, l.eta_basis"
        " FROM customer_order o JOIN order_line l ON l.order_id = o.id"
        " JOIN product p ON p.id = l.product_id WHERE o.id = ? ORDER BY l.position, l.id",
        [order_id],
    )
    if not rows:
        return 0
    data = {
        "orderId": order_id,
        "number": rows[0]["number"],
        "shipPreference": rows[0]["ship_preference"],
        "lines": [
            {
                "lineId": row["id"],
                "productId": row["product_id"],
                "sku": row["sku"],
                "quantity": row["quantity"],
                "allocated": row["qty_allocated"],
                "waiting": row["qty_waiting"],
                "eta": _window(row, "eta"),
            }
            for row in rows
        ],
    }
    return await emit(conn, ctx, "order.placed", [Event(data, order_key(order_id))])


async def eta_event(conn: BaseDBAsyncClient, ctx: Context, event_id: int) -> int:
    """An ETA event (rule 8): each moved line, and each delay notice it opened."""
    j = Json(conn)
    window = {
        "previous": j.object(earliest="c.old_earliest", latest="c.old_latest", basis="c.old_basis"),
        "eta": j.object(earliest="c.new_earliest", latest="c.new_latest", basis="c.new_basis"),
    }
    moved = await emit_select(
        conn,
        ctx,
        "order.line.eta_changed",
        "SELECT 'order:' || CAST(l.order_id AS TEXT) AS order_key, "
        + j.object(
            orderId="l.order_id",
            lineId="l.id",
            productId="l.product_id",
            sku="p.sku",
            reason="e.reason",
            **window,
        )
        + " AS payload FROM eta_change c JOIN eta_event e ON e.id = c.event_id"
        " JOIN order_line l ON l.id = c.line_id JOIN product p ON p.id = l.product_id"
        " WHERE c.event_id = ?",
        [event_id],
    )
    notices = await emit_select(
        conn,
        ctx,
        "order.delay_notice.sent",
        "SELECT 'order:' || CAST(n.order_id AS TEXT) AS order_key, "
        + j.object(
            orderId="n.order_id",
            lineId="n.line_id",
            delayNoticeId="n.id",
            previousLatest="n.previous_latest",
            newEarliest="n.new_earliest",
            newLatest="n.new_latest",
            deadline="n.deadline",
            requiresAnswer=j.boolean("n.requires_answer"),
        )
        + " AS payload FROM delay_notice n WHERE n.event_id = ?",
        [event_id],
    )
    return moved + notices


async def po_date_changed(
    conn: BaseDBAsyncClient,
    ctx: Context,
    po_id: int,
    number: str,
    previous: str,
    expected: dt.date,
    reason: str,
) -> int:
    data = {
        "purchaseOrderId": po_id,
        "number": number,
        "previousDate": previous,
        "expectedDate": expected.isoformat(),
        "reason": reason,
    }
    return await emit(
        conn, ctx, "purchase_order.date_changed", [Event(data, f"purchase_order:{po_id}")]
    )


async def order_cancelled(
    conn: BaseDBAsyncClient, ctx: Context, order_id: int, lines: list[tuple[int, int]]
) -> int:
    """Units of lines cancelled (by the customer, staff, or a lapsed delay notice)."""
    data = {
        "orderId": order_id,
        "lines": [{"lineId": line, "quantity": quantity} for line, quantity in lines],
    }
    return await emit(conn, ctx, "order.cancelled", [Event(data, order_key(order_id))])


async def delay_notice_answered(
    conn: BaseDBAsyncClient, ctx: Context, notice_id: int, keep_waiting: bool
) -> int:
    rows = await fetch(conn, "SELECT order_id, line_id FROM delay_notice WHERE id = ?", [notice_id])
    if not rows:
        return 0
    data = {
        "orderId": rows[0]["order_id"],
        "lineId": rows[0]["line_id"],
        "delayNoticeId": notice_id,
        "answer": "keep_waiting" if keep_waiting else "cancel",
    }
    return await emit(
        conn, ctx, "order.delay_notice.answered", [Event(data, order_key(rows[0]["order_id"]))]
    )


async def shipment_sent(conn: BaseDBAsyncClient, ctx: Context, shipment_id: int) -> int:
    if not await _wanted(conn, "shipment.sent"):
        return 0
    rows = await fetch(
        conn,
        "SELECT s.order_id, s.carrier, s.tracking_number, sl.line_id, sl.quantity"
        " FROM shipment s JOIN shipment_line sl ON sl.shipment_id = s.id"
        " WHERE s.id = ? ORDER BY sl.line_id",
        [shipment_id],
    )
    if not rows:
        return 0
    data = {
        "orderId": rows[0]["order_id"],
        "shipmentId": shipment_id,
        "carrier": rows[0]["carrier"],
        "trackingNumber": rows[0]["tracking_number"],
        "lines": [{"lineId": row["line_id"], "quantity": row["quantity"]} for row in rows],
    }
    return await emit(conn, ctx, "shipment.sent", [Event(data, order_key(rows[0]["order_id"]))])


async def po_received(conn: BaseDBAsyncClient, ctx: Context, po_id: int, receipt_id: int) -> int:
    rows = await fetch(
        conn,
        "SELECT p.number, rl.po_line_id, pl.product_id, rl.quantity, rl.to_queue, rl.to_stock"
        " FROM receipt_line rl JOIN purchase_order_line pl ON pl.id = rl.po_line_id"
        " JOIN purchase_order p ON p.id = pl.purchase_order_id"
        " WHERE rl.receipt_id = ? ORDER BY rl.po_line_id",
        [receipt_id],
    )
    data = {
        "purchaseOrderId": po_id,
        "number": rows[0]["number"] if rows else "",
        "lines": [
            {
                "purchaseOrderLineId": row["po_line_id"],
                "productId": row["product_id"],
                "quantity": row["quantity"],
                "toWaitingOrders": row["to_queue"],
                "toStock": row["to_stock"],
            }
            for row in rows
        ],
    }
    return await emit(
        conn, ctx, "purchase_order.received", [Event(data, f"purchase_order:{po_id}")]
    )


async def build_quoted(
    conn: BaseDBAsyncClient, ctx: Context, request_id: int, quote_id: int
) -> int:
    if not await _wanted(conn, "custom_build.quoted"):
        return 0
    rows = await fetch(
        conn,
        "SELECT r.number, q.price, q.lead_time_days, q.valid_until FROM build_quote q"
        " JOIN build_request r ON r.id = q.request_id WHERE q.id = ?",
        [quote_id],
    )
    data = {
        "customBuildId": request_id,
        "quoteId": quote_id,
        "number": rows[0]["number"],
        "price": f"{as_decimal(rows[0]['price']):.2f}",
        "currency": ctx.policy.currency,
        "leadTimeDays": rows[0]["lead_time_days"],
        "validUntil": _day(rows[0]["valid_until"]),
    }
    return await emit(conn, ctx, "custom_build.quoted", [Event(data, f"build:{request_id}")])


async def build_accepted(
    conn: BaseDBAsyncClient, ctx: Context, request_id: int, quote_id: int, order_id: int
) -> int:
    data = {"customBuildId": request_id, "quoteId": quote_id, "orderId": order_id}
    return await emit(conn, ctx, "custom_build.accepted", [Event(data, f"build:{request_id}")])
