"""Orders as the emails tell them: heads, lines with their split and promise, and links.

One query each for heads, lines and the stock given at checkout, whatever the batch's size.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import replace
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from domain.builds.services import BUILD_LINK
from domain.context import Policy
from domain.customers.links import link_token
from domain.notifications.composing.emails import Line, Order
from domain.ordering.models import Allocation, OrderLine
from domain.ordering.models import Order as OrderModel
from domain.ordering.services import ORDER_LINK
from domain.ordering.together import shown_windows
from domain.portal_urls import build_url, order_url
from domain.promises.eta import Window
from domain.vocabulary import EtaBasis, ShipPreference


def window_of(row: dict[str, Any], prefix: str) -> Window:
    basis = row.get(f"{prefix}_basis") or EtaBasis.UNKNOWN
    return Window(row[f"{prefix}_earliest"], row[f"{prefix}_latest"], EtaBasis(basis))


def order_link(policy: Policy, number: str, salt: str) -> str:
    return order_url(policy.base_url, link_token(policy.secret_key, ORDER_LINK, number, salt))


def build_link(policy: Policy, number: str, salt: str) -> str:
    return build_url(policy.base_url, link_token(policy.secret_key, BUILD_LINK, number, salt))


async def load_orders(
    conn: BaseDBAsyncClient, ids: set[int], policy: Policy, today: dt.date
) -> dict[int, Order]:
    if not ids:
        return {}
    heads = (
        await OrderModel.filter(id__in=ids)
        .using_db(conn)
        .values(
            "id",
            "number",
            "token_salt",
            "shipping_name",
            "shipping_address",
            "ship_preference",
            "customer__name",
        )
    )
    rows = (
        await OrderLine.filter(order_id__in=ids)
        .using_db(conn)
        .order_by("order_id", "position", "id")
        .values(
            "id",
            "order_id",
            "quantity",
            "unit_price",
            "qty_allocated",
            "qty_waiting",
            "qty_shipped",
            "qty_cancelled",
            "eta_earliest",
            "eta_latest",
            "eta_basis",
            "promised_earliest",
            "promised_latest",
            "promised_basis",
            "placed_at",
            "product__name",
            "product__sku",
            "product__release_date",
            "dropship",
        )
    )
    from_stock = await _placed_from_stock(conn, ids)
    lines: dict[int, list[Line]] = defaultdict(list)
    for row in rows:
        release = row["product__release_date"]
        lines[row["order_id"]].append(
            Line(
                id=row["id"],
                name=row["product__name"],
                sku=row["product__sku"],
                quantity=row["quantity"],
                unit_price=row["unit_price"],
                allocated=row["qty_allocated"],
                waiting=row["qty_waiting"],
                shipped=row["qty_shipped"],
                cancelled=row["qty_cancelled"],
                eta=window_of(row, "eta"),
                released=release is None or release <= today,
                promised=window_of(row, "promised"),
                placed_from_stock=from_stock.get((row["id"], row["placed_at"]), 0),
                dropship=bool(row["dropship"]),
            )
        )
    return {
        head["id"]: Order(
            id=head["id"],
            number=head["number"],
            customer_name=head["customer__name"],
            shipping_name=head["shipping_name"],
            shipping_address=head["shipping_address"],
            ship_preference=ShipPreference(head["ship_preference"]),
            link=order_link(policy, head["number"], head["token_salt"]),
            lines=_as_shown(lines[head["id"]], ShipPreference(head["ship_preference"])),
        )
        for head in heads
    }


def _as_shown(lines: list[Line], preference: ShipPreference) -> tuple[Line, ...]:
    """Each line with the window the customer is told (ship-together under ship_complete)."""
    shop = [line for line in lines if not line.dropship]  # the maker's parcels travel apart
    shown = dict(zip((line.id for line in shop), shown_windows(shop, preference), strict=True))
    return tuple(
        line
        if line.id not in shown or line.eta == shown[line.id]
        else replace(line, eta=shown[line.id])
        for line in lines
    )


async def _placed_from_stock(
    conn: BaseDBAsyncClient, order_ids: set[int]
) -> dict[tuple[int, dt.datetime], int]:
    """Stock given to each line at checkout: its allocations without a receipt, made when the
    order was placed (keyed by line and time; the caller matches the line's ``placed_at``)."""
    found: dict[tuple[int, dt.datetime], int] = {}
    for row in (
        await Allocation.filter(line__order_id__in=order_ids, receipt_id=None, quantity__gt=0)
        .using_db(conn)
        .values("line_id", "quantity", "created_at")
    ):
        key = (row["line_id"], row["created_at"])
        found[key] = found.get(key, 0) + row["quantity"]
    return found
