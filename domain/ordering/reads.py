"""Orders as both doors read them, batched: any number of orders costs the same few queries.

``order_views`` returns the ``OrderView`` of ``ordering.views`` for many orders at once; the
ETA history, shipments and delay notices come from one query each (shipments: two) for all
the orders asked for, so a page of orders or an order of many lines never multiplies queries.
The API's loaders, the pages (``order_detail.py``) and the services' answers all read here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from domain.customers.links import token_hash
from domain.db import connection, fetch
from domain.ordering.together import shown_windows
from domain.ordering.views import LineView, OrderView
from domain.promises.eta import Window
from domain.rows import (
    as_bool,
    as_date,
    as_datetime,
    as_decimal,
    chunks,
    day,
    marks,
    moment,
)
from domain.vocabulary import DelayNoticeStatus, EtaBasis, EtaReason, ShipmentStatus, ShipPreference

_ORDER = (
    "SELECT o.id, o.number, c.email, c.name AS customer_name, o.shipping_name,"
    " o.shipping_address, o.ship_preference, o.priority, o.placed_at"
    " FROM customer_order o JOIN customer c ON c.id = o.customer_id"
)
_LINES = (
    "SELECT l.id, l.order_id, p.sku, p.name, l.quantity, l.unit_price, l.qty_allocated,"
    " l.qty_waiting, l.qty_shipped, l.qty_cancelled, l.promised_earliest, l.promised_latest,"
    " l.promised_basis, l.eta_earliest, l.eta_latest, l.eta_basis, l.dropship"
    " FROM order_line l JOIN product p ON p.id = l.product_id"
)


def window(earliest: object, latest: object, basis: object) -> Window:
    """An ETA window from a raw row's three columns."""
    return Window(as_date(earliest), as_date(latest), EtaBasis(str(basis)))


async def order_views(
    order_ids: Sequence[int], conn: BaseDBAsyncClient | None = None
) -> dict[int, OrderView]:
    """Orders with their lines (in the order they were placed), two queries per 500 orders."""
    conn = conn or connection()
    found: dict[int, OrderView] = {}
    for part in chunks(sorted(set(order_ids))):
        orders = await fetch(conn, f"{_ORDER} WHERE o.id IN ({marks(part)})", part)
        found.update(await _assemble(orders, conn))
    return found


async def order_view(order_id: int, conn: BaseDBAsyncClient | None = None) -> OrderView:
    """One order that exists (a service's answer, read in its own transaction)."""
    return (await order_views([order_id], conn))[order_id]


async def order_by_token(token: str) -> OrderView | None:
    """The order an emailed link opens; None for an unknown or malformed link (rule 15)."""
    if not token or len(token) > 100:
        return None
    conn = connection()
    orders = await fetch(conn, f"{_ORDER} WHERE o.token_hash = ?", [token_hash(token)])
    return next(iter((await _assemble(orders, conn)).values()), None)


async def _assemble(orders: list[dict[str, Any]], conn: BaseDBAsyncClient) -> dict[int, OrderView]:
    if not orders:
        return {}
    ids = [row["id"] for row in orders]
    lines: dict[int, list[dict[str, Any]]] = {order_id: [] for order_id in ids}
    for row in await fetch(
        conn,
        f"{_LINES} WHERE l.order_id IN ({marks(ids)}) ORDER BY l.order_id, l.position, l.id",
        ids,
    ):
        lines[row["order_id"]].append(row)
    return {row["id"]: assembled(row, lines[row["id"]]) for row in orders}


def assembled(order: dict[str, Any], lines: list[dict[str, Any]]) -> OrderView:
    """The view of one order from its row and its lines' rows (the columns of ``_ORDER`` and
    ``_LINES``, lines in placing order): what a service that has just written them answers
    without reading them back."""
    preference = ShipPreference(order["ship_preference"])
    return OrderView(
        id=order["id"],
        number=order["number"],
        email=order["email"],
        customer_name=order["customer_name"],
        shipping_name=order["shipping_name"],
        shipping_address=order["shipping_address"],
        ship_preference=preference,
        priority=order["priority"],
        placed_at=moment(order["placed_at"]),
        lines=_as_shown([_line(row) for row in lines], preference),
    )


def _line(row: dict[str, Any]) -> LineView:
    return LineView(
        id=row["id"],
        sku=row["sku"],
        name=row["name"],
        quantity=row["quantity"],
        unit_price=as_decimal(row["unit_price"]),
        allocated=row["qty_allocated"],
        waiting=row["qty_waiting"],
        shipped=row["qty_shipped"],
        cancelled=row["qty_cancelled"],
        promised=window(row["promised_earliest"], row["promised_latest"], row["promised_basis"]),
        eta=window(row["eta_earliest"], row["eta_latest"], row["eta_basis"]),
        dropship=bool(row["dropship"]),
    )


def _as_shown(lines: list[LineView], preference: ShipPreference) -> list[LineView]:
    """Each line with the window the customer is told (ship-together under ship_complete)."""
    shop = [line for line in lines if not line.dropship]  # the maker's parcels travel apart
    shown = dict(zip((line.id for line in shop), shown_windows(shop, preference), strict=True))
    return [
        line
        if line.id not in shown or line.eta == shown[line.id]
        else replace(line, eta=shown[line.id])
        for line in lines
    ]


@dataclass(frozen=True)
class EtaChangeView:
    """One entry of a line's ETA history (rule 8): what it was, what it became, and why."""

    id: int
    line_id: int
    at: dt.datetime
    previous: Window | None
    current: Window
    reason: EtaReason
    detail: str
    actor: str


async def eta_history(order_ids: Sequence[int]) -> dict[int, dict[int, list[EtaChangeView]]]:
    """Per order, per line, the ETA changes oldest first: one query."""
    history: dict[int, dict[int, list[EtaChangeView]]] = {order_id: {} for order_id in order_ids}
    for part in chunks(sorted(set(order_ids))):
        for row in await fetch(
            connection(),
            "SELECT c.id, c.line_id, l.order_id, e.created_at, c.old_earliest, c.old_latest,"
            " c.old_basis, c.new_earliest, c.new_latest, c.new_basis, e.reason, e.detail, e.actor"
            " FROM eta_change c JOIN order_line l ON l.id = c.line_id"
            " JOIN eta_event e ON e.id = c.event_id"
            f" WHERE l.order_id IN ({marks(part)}) ORDER BY c.id",
            part,
        ):
            previous = None
            if row["old_basis"] is not None:
                previous = window(row["old_earliest"], row["old_latest"], row["old_basis"])
            history[row["order_id"]].setdefault(row["line_id"], []).append(
                EtaChangeView(
                    row["id"],
                    row["line_id"],
                    moment(row["created_at"]),
                    previous,
                    window(row["new_earliest"], row["new_latest"], row["new_basis"]),
                    EtaReason(row["reason"]),
                    row["detail"],
                    row["actor"],
                )
            )
    return history


@dataclass(frozen=True)
class ParcelItem:
    line_id: int
    sku: str
    name: str
    quantity: int


@dataclass(frozen=True)
class ParcelView:
    """A shipment: what it carries, and its carrier and tracking number once it left."""

    id: int
    order_id: int
    status: ShipmentStatus
    carrier: str
    tracking_number: str
    created_at: dt.datetime
    shipped_at: dt.datetime | None
    items: list[ParcelItem]


_SHIPMENTS = (
    "SELECT id, order_id, status, carrier, tracking_number, created_at, shipped_at FROM shipment"
)


async def shipments_of_orders(order_ids: Sequence[int]) -> dict[int, list[ParcelView]]:
    """Per order, its shipments oldest first: two queries."""
    found: dict[int, list[ParcelView]] = {order_id: [] for order_id in order_ids}
    for part in chunks(sorted(set(order_ids))):
        rows = await fetch(
            connection(), f"{_SHIPMENTS} WHERE order_id IN ({marks(part)}) ORDER BY id", part
        )
        for parcel in await _parcels(rows):
            found[parcel.order_id].append(parcel)
    return found


async def shipments_by_id(shipment_ids: Sequence[int]) -> dict[int, ParcelView]:
    found: dict[int, ParcelView] = {}
    for part in chunks(sorted(set(shipment_ids))):
        rows = await fetch(connection(), f"{_SHIPMENTS} WHERE id IN ({marks(part)})", part)
        found.update({parcel.id: parcel for parcel in await _parcels(rows)})
    return found


async def _parcels(rows: list[dict[str, Any]]) -> list[ParcelView]:
    if not rows:
        return []
    ids = [row["id"] for row in rows]
    items: dict[int, list[ParcelItem]] = {shipment_id: [] for shipment_id in ids}
    for row in await fetch(
        connection(),
        "SELECT s.shipment_id, s.line_id, p.sku, p.name, s.quantity FROM shipment_line s"
        " JOIN order_line l ON l.id = s.line_id JOIN product p ON p.id = l.product_id"
        f" WHERE s.shipment_id IN ({marks(ids)}) ORDER BY s.id",
        ids,
    ):
        items[row["shipment_id"]].append(
            ParcelItem(row["line_id"], row["sku"], row["name"], row["quantity"])
        )
    return [
        ParcelView(
            row["id"],
            row["order_id"],
            ShipmentStatus(row["status"]),
            row["carrier"],
            row["tracking_number"],
            moment(row["created_at"]),
            as_datetime(row["shipped_at"]),
            items[row["id"]],
        )
        for row in rows
    ]


@dataclass(frozen=True)
class NoticeView:
    """A delay notice (rule 10): the line's new window and the choice the customer has."""

    id: int
    order_id: int
    line_id: int
    previous_latest: dt.date | None
    eta: Window
    requires_answer: bool
    deadline: dt.date
    status: DelayNoticeStatus
    reason: str  # the event's detail, written for staff
    cause: EtaReason
    created_at: dt.datetime


async def open_delay_notices(order_ids: Sequence[int]) -> dict[int, list[NoticeView]]:
    """Per order, its delay notices still waiting for an answer: one query."""
    found: dict[int, list[NoticeView]] = {order_id: [] for order_id in order_ids}
    for part in chunks(sorted(set(order_ids))):
        for row in await fetch(
            connection(),
            "SELECT n.id, n.order_id, n.line_id, n.previous_latest, n.new_earliest, n.new_latest,"
            " l.eta_basis, n.requires_answer, n.deadline, n.status, e.detail, e.reason,"
            " n.created_at"
            " FROM delay_notice n JOIN eta_event e ON e.id = n.event_id"
            " JOIN order_line l ON l.id = n.line_id"
            f" WHERE n.status = ? AND n.order_id IN ({marks(part)}) ORDER BY n.id",
            [DelayNoticeStatus.OPEN.value, *part],
        ):
            found[row["order_id"]].append(
                NoticeView(
                    row["id"],
                    row["order_id"],
                    row["line_id"],
                    as_date(row["previous_latest"]),
                    Window(
                        as_date(row["new_earliest"]),
                        as_date(row["new_latest"]),
                        EtaBasis(row["eta_basis"]),
                    ),
                    as_bool(row["requires_answer"]),
                    day(row["deadline"]),
                    DelayNoticeStatus(row["status"]),
                    row["detail"],
                    EtaReason(row["reason"]),
                    moment(row["created_at"]),
                )
            )
    return found
