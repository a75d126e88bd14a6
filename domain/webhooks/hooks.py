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
from domain.queries.rows import as_date
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
    if not await _wanted(conn, "order.placed"):
        return 0
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
