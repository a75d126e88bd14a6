"""Reading what a batch of claimed rows must say: a few set-based queries per batch, not per row.

Every email is rendered from the database at the moment it is sent, so it tells the current
state: an order confirmation sent late shows today's dates, a parcel email lists what is still
coming now. ETA emails tell every change since the order's last sent ETA email
(``claim.coverage``), so superseding an older row loses nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from domain.builds.models import BuildQuote, BuildRequest, BuildRequestChoice
from domain.context import Policy
from domain.customers.models import Customer
from domain.notifications.composing import words as wording
from domain.notifications.composing.emails import (
    Cancellation,
    Change,
    Confirmation,
    EtaUpdate,
    Line,
    Links,
    Move,
    Notice,
    Order,
    OrderLink,
    Quote,
    ShipmentSent,
    SupplierPurchaseOrder,
    View,
    WaitlistMail,
    net_moves,
    plan_parcels,
)
from domain.notifications.composing.orders import build_link, load_orders, order_link, window_of
from domain.notifications.composing.suppliers import SUPPLY_KINDS, load_supplier_mail
from domain.notifications.composing.waitlist import WAITLIST_KINDS, load_waitlist_mail
from domain.ordering.models import DelayNotice, EtaChange, EtaEvent
from domain.ordering.models import Order as OrderModel
from domain.outbox.claims import Claimed, coverage
from domain.outbox.retry import Failure, Scope
from domain.promises.eta import Window, build_window
from domain.shipping.models import Shipment, ShipmentLine
from domain.vocabulary import DelayNoticeStatus, OutboxKind

MAX_LINKS = 50


class Batch:
    """The data of one batch of rows, loaded set-based, then assembled row by row."""

    def __init__(self, policy: Policy, today: dt.date) -> None:
        self.policy = policy
        self.today = today
        self.orders: dict[int, Order] = {}
        self.events: dict[int, list[int]] = {}
        self.changes: dict[int, list[Change]] = defaultdict(list)  # by order
        self.reasons: dict[int, str] = {}
        self.notices: dict[int, list[dict[str, Any]]] = defaultdict(list)  # by order
        self.shipments: dict[int, dict[str, Any]] = {}
        self.parcel_items: dict[int, list[tuple[int, int]]] = defaultdict(list)
        self.quotes: dict[int, Quote] = {}
        self.links: dict[int, Links] = {}
        self.supply: dict[int, SupplierPurchaseOrder | Failure] = {}
        self.waitlist: dict[int, WaitlistMail | Failure] = {}

    async def load(self, conn: BaseDBAsyncClient, rows: list[Claimed]) -> None:
        order_ids = {row.order_id for row in rows if row.order_id is not None}
        self.orders = await load_orders(conn, order_ids, self.policy, self.today)
        await self._load_eta(conn, [row for row in rows if row.is_eta])
        shipment_ids = {row.shipment_id for row in rows if row.shipment_id is not None}
        if shipment_ids:
            for s in (
                await Shipment.filter(id__in=shipment_ids)
                .using_db(conn)
                .values("id", "carrier", "tracking_number")
            ):
                self.shipments[s["id"]] = s
            for item in (
                await ShipmentLine.filter(shipment_id__in=shipment_ids)
                .using_db(conn)
                .order_by("id")
                .values("shipment_id", "line_id", "quantity")
            ):
                self.parcel_items[item["shipment_id"]].append((item["line_id"], item["quantity"]))
        await self._load_builds(conn, {r.build_request_id for r in rows if r.build_request_id})
        customer_ids = {
            int(row.payload["customer_id"])
            for row in rows
            if row.kind == OutboxKind.ORDER_LINKS
            and str(row.payload.get("customer_id", "")).isdigit()
        }
        await self._load_links(conn, customer_ids)
        self.supply = await load_supplier_mail(conn, rows, self.policy)
        self.waitlist = await load_waitlist_mail(conn, rows, self.policy)

    async def _load_eta(self, conn: BaseDBAsyncClient, rows: list[Claimed]) -> None:
        if not rows:
            return
        self.events = await coverage(conn, rows)
        events = {event for found in self.events.values() for event in found}
        orders = {row.order_id for row in rows}
        if not events:
            return
        for event in (
            await EtaEvent.filter(id__in=events).using_db(conn).values("id", "reason", "detail")
        ):
            self.reasons[event["id"]] = wording.reason(event["reason"], event["detail"])
        for row in (
            await EtaChange.filter(event_id__in=events, line__order_id__in=orders)
            .using_db(conn)
            .values(
                "id",
                "line_id",
                "event_id",
                "old_earliest",
                "old_latest",
                "old_basis",
                "new_earliest",
                "new_latest",
                "new_basis",
                "line__order_id",
            )
        ):
            self.changes[row["line__order_id"]].append(
                Change(
                    row["id"],
                    row["line_id"],
                    row["event_id"],
                    window_of(row, "old"),
                    window_of(row, "new"),
                )
            )
        for notice in (
            await DelayNotice.filter(
                order_id__in=orders, event_id__in=events, status=DelayNoticeStatus.OPEN
            )
            .using_db(conn)
            .order_by("id")
            .values(
                "id",
                "order_id",
                "line_id",
                "event_id",
                "previous_latest",
                "new_earliest",
                "new_latest",
                "requires_answer",
                "deadline",
            )
        ):
            self.notices[notice["order_id"]].append(notice)

    async def _load_builds(self, conn: BaseDBAsyncClient, ids: set[int | None]) -> None:
        wanted = {i for i in ids if i is not None}
        if not wanted:
            return
        quotes: dict[int, dict[str, Any]] = {}
        for offer in (
            await BuildQuote.filter(request_id__in=wanted)
            .using_db(conn)
            .order_by("-id")
            .values("request_id", "price", "lead_time_days", "valid_until")
        ):
            quotes.setdefault(offer["request_id"], offer)
        choices: dict[int, list[tuple[int, str, str]]] = defaultdict(list)
        for choice in (
            await BuildRequestChoice.filter(request_id__in=wanted)
            .using_db(conn)
            .values("request_id", "choice__name", "choice__group__name", "choice__group__position")
        ):
            choices[choice["request_id"]].append(
                (
                    choice["choice__group__position"],
                    choice["choice__group__name"],
                    choice["choice__name"],
                )
            )
        for request in (
            await BuildRequest.filter(id__in=wanted)
            .using_db(conn)
            .values("id", "number", "token_salt", "notes", "customer__name", "product__name")
        ):
            quote = quotes.get(request["id"])
            if quote is None:
                continue
            self.quotes[request["id"]] = Quote(
                number=request["number"],
                customer_name=request["customer__name"],
                product_name=request["product__name"],
                choices=tuple((group, name) for _, group, name in sorted(choices[request["id"]])),
                notes=request["notes"],
                price=quote["price"],
                lead_time_days=quote["lead_time_days"],
                valid_until=quote["valid_until"],
                window_if_accepted=build_window(self.today, quote["lead_time_days"], self.policy),
                link=build_link(self.policy, request["number"], request["token_salt"]),
            )

    async def _load_links(self, conn: BaseDBAsyncClient, customer_ids: set[int]) -> None:
        if not customer_ids:
            return
        found: dict[int, list[OrderLink]] = defaultdict(list)
        for order in (
            await OrderModel.filter(customer_id__in=customer_ids)
            .using_db(conn)
            .order_by("-placed_at", "-id")
            .values("customer_id", "number", "token_salt", "placed_at")
        ):
            if len(found[order["customer_id"]]) < MAX_LINKS:
                placed = order["placed_at"].astimezone(self.policy.zone).date()
                link = order_link(self.policy, order["number"], order["token_salt"])
                found[order["customer_id"]].append(OrderLink(order["number"], placed, link))
        for customer in (
            await Customer.filter(id__in=customer_ids).using_db(conn).values("id", "name")
        ):
            self.links[customer["id"]] = Links(customer["name"], tuple(found[customer["id"]]))

    def view(self, row: Claimed) -> View | Failure | None:
        """The row's content; a Failure when it cannot be told; None when nothing is left to say."""
        if row.kind == OutboxKind.BUILD_QUOTE_READY:
            quote = self.quotes.get(row.build_request_id or 0)
            return quote or Failure(Scope.CONTENT, "the custom build or its quote is gone")
        if row.kind in SUPPLY_KINDS:
            return self.supply.get(row.id) or Failure(Scope.CONTENT, "no purchase order")
        if row.kind in WAITLIST_KINDS:
            return self.waitlist.get(row.id) or Failure(Scope.CONTENT, "no waitlist entry")
        if row.kind == OutboxKind.ORDER_LINKS:
            links = self.links.get(row.payload_int("customer_id"))
            return links or Failure(Scope.CONTENT, "the customer is gone")
        order = self.orders.get(row.order_id or 0)
        if order is None:
            return Failure(Scope.CONTENT, "the order is gone")
        if row.kind == OutboxKind.ORDER_CONFIRMATION:
            placed = order.as_placed()  # the promise; later changes have emails of their own
            return Confirmation(placed, plan_parcels(placed.lines, placed.ship_preference))
        if row.is_eta:
            update = self._eta_update(row, order)
            return None if update.empty else update
        if row.kind == OutboxKind.SHIPMENT_SENT:
            return self._shipment(row, order)
        if row.kind == OutboxKind.ORDER_CANCELLED:
            return self._cancellation(row, order)
        return Failure(Scope.CONTENT, f"no template for {row.kind}")

    def _eta_update(self, row: Claimed, order: Order) -> EtaUpdate:
        events = set(self.events.get(row.id, []))
        changes = [c for c in self.changes.get(order.id, []) if c.event_id in events]
        moved = net_moves(changes)
        by_id = {line.id: line for line in order.lines}
        moves = tuple(
            Move(line.id, line.name, line.waiting or line.open, *moved[line.id])
            for line in order.lines
            if line.id in moved and line.open
        )
        notices = tuple(
            self._notice(n, by_id[n["line_id"]])
            for n in self.notices.get(order.id, [])
            if n["event_id"] in events and n["line_id"] in by_id and by_id[n["line_id"]].open
        )
        reasons = tuple(dict.fromkeys(self.reasons[e] for e in sorted(events) if e in self.reasons))
        return EtaUpdate(order, moves, reasons, notices)

    @staticmethod
    def _notice(notice: dict[str, Any], line: Line) -> Notice:
        return Notice(
            id=notice["id"],
            line_id=line.id,
            name=line.name,
            quantity=line.open,
            waiting=line.waiting,
            new=Window(notice["new_earliest"], notice["new_latest"], line.eta.basis),
            previous_latest=notice["previous_latest"],
            deadline=notice["deadline"],
            requires_answer=bool(notice["requires_answer"]),
            refund=line.unit_price * line.open,
        )

    def _shipment(self, row: Claimed, order: Order) -> ShipmentSent | Failure:
        shipment = self.shipments.get(row.shipment_id or 0)
        if shipment is None:
            return Failure(Scope.CONTENT, "the shipment is gone")
        names = {line.id: line.name for line in order.lines}
        items = tuple(
            (names.get(line_id, "item"), qty) for line_id, qty in self.parcel_items[shipment["id"]]
        )
        makers = {line.id for line in order.lines if line.dropship}
        packed = [line_id for line_id, _ in self.parcel_items[shipment["id"]]]
        return ShipmentSent(
            order,
            shipment["carrier"],
            shipment["tracking_number"],
            items,
            plan_parcels(order.lines, order.ship_preference),
            by_maker=bool(packed) and all(line_id in makers for line_id in packed),
        )

    def _cancellation(self, row: Claimed, order: Order) -> Cancellation:
        by_id = {line.id: line for line in order.lines}
        items = []
        for entry in row.payload.get("lines", []):
            line = by_id.get(int(entry[0]))
            if line is not None:
                items.append((line.name, int(entry[1]), line.unit_price * int(entry[1])))
        return Cancellation(order, tuple(items))
