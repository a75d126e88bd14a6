"""One simulated store day, through the real services, in the order a shop lives it.

00:05 the clock's daily jobs for the day (``run_day``: quotes, delay notices, the ETA review,
housekeeping); 08:00 customers answer yesterday's delay notices; 08:30 deliveries arrive
(receipts, some partial); 09:00 to 20:00 customers order, and some who wait cancel; 21:00 the
buyer orders from suppliers where demand outran supply; 22:00 everything that may leave ships.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field

from domain.clock.runner import run_day
from domain.context import Actor, Context, Policy
from domain.db import connection, fetch
from domain.errors import Conflict, DomainError
from domain.ordering.changes import CancelRequest, cancel_order_lines, respond_to_delay_notice
from domain.ordering.services import LineRequest, OrderRequest, place_order
from domain.shipping.services import create_shipment, mark_shipped
from domain.supply.purchase_orders import (
    PoLineRequest,
    ReceiptLineRequest,
    create_purchase_order,
    receive,
)
from domain.vocabulary import ShipPreference
from simulation.store import Catalogue, Dice, SimProduct, poisson, season, slip_of, span
from simulation.world import World

BUYER = Actor("staff", "buyer")
RECEIVING = Actor("staff", "receiving")
SHIPPING = Actor("staff", "shipping")


@dataclass(frozen=True)
class Delivery:
    po_id: int
    key: str
    lines: tuple[tuple[int, int], ...]  # (PO line, units)


@dataclass
class Counts:
    orders: int = 0
    lines: int = 0
    purchase_orders: int = 0
    receipts: int = 0
    shipments: int = 0
    cancelled_lines: int = 0
    notices_answered_cancel: int = 0
    notices_answered_keep: int = 0


@dataclass
class Simulation:
    world: World
    dice: Dice
    catalogue: Catalogue
    policy: Policy
    deliveries: dict[dt.date, list[Delivery]] = field(default_factory=lambda: defaultdict(list))
    bursts: dict[dt.date, dict[int, int]] = field(default_factory=lambda: defaultdict(dict))
    seen_notices: set[int] = field(default_factory=set)
    counts: Counts = field(default_factory=Counts)
    customers: int = 0

    def at(self, day: dt.date, hour: int, minute: int = 0, actor: Actor = BUYER) -> Context:
        moment = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=self.policy.zone)
        return Context(actor, moment, self.policy)

    async def day(self, day: dt.date) -> None:
        await run_day(day, self.policy, now=self.at(day, 0, 5).now)
        await self.answer_notices(day)
        await self.receive(day)
        await self.take_orders(day)
        await self.cancel_some(day)
        await self.buy(day)
        await self.ship(day)

    # -- customers ----------------------------------------------------------------------------

    async def answer_notices(self, day: dt.date) -> None:
        """Rule 10 from the customer's side: cancel, keep waiting, or stay silent."""
        rows = await fetch(
            connection(),
            "SELECT id, order_id FROM delay_notice WHERE status = 'open' ORDER BY id",
        )
        rng, odds = self.dice.customers, self.world.cancellation
        for row in rows:
            if row["id"] in self.seen_notices:
                continue
            self.seen_notices.add(row["id"])
            draw = rng.random()
            if draw >= odds.after_notice + odds.keep_after_notice:
                continue  # silence: consent after a first notice, cancelled after a second
            keep = draw >= odds.after_notice
            ctx = self.at(day, 8, 0, Actor("customer", str(row["order_id"])))
            try:
                await respond_to_delay_notice(row["order_id"], row["id"], keep, ctx=ctx)
            except Conflict:
                continue
            if keep:
                self.counts.notices_answered_keep += 1
            else:
                self.counts.notices_answered_cancel += 1

    def _draw_lines(self) -> list[tuple[SimProduct, int]]:
        rng, store = self.dice.demand, self.world.store
        count = rng.choice(store.lines_per_order)
        picked = rng.choices(self.catalogue.products, weights=self.catalogue.weights, k=count)
        chosen: dict[int, tuple[SimProduct, int]] = {}
        for product in picked:
            units = rng.choice(store.units_per_line)
            if product.id in chosen:
                units += chosen[product.id][1]
            chosen[product.id] = (product, units)
        return list(chosen.values())

    def _orders_today(self, day: dt.date) -> list[list[tuple[SimProduct, int]]]:
        rng, demand = self.dice.demand, self.world.demand
        mean = self.world.store.orders_per_year / 365 * season(self.world, day)
        orders = [self._draw_lines() for _ in range(poisson(rng, mean))]
        if rng.random() < demand.burst_chance:  # a product becomes popular for a while
            product = rng.choice(self.catalogue.products)
            total, days = span(rng, demand.burst_orders), span(rng, demand.burst_days)
            for offset in range(days):
                later = day + dt.timedelta(days=offset)
                share = total // days + (1 if offset < total % days else 0)
                self.bursts[later][product.id] = self.bursts[later].get(product.id, 0) + share
        for product_id, count in sorted(self.bursts.pop(day, {}).items()):
            product = self.catalogue.by_id[product_id]
            orders += [
                [(product, rng.choice(self.world.store.units_per_line))] for _ in range(count)
            ]
        rng.shuffle(orders)
        return orders

    async def take_orders(self, day: dt.date) -> None:
        orders = self._orders_today(day)
        rng = self.dice.demand
        minutes = 11 * 60
        for index, lines in enumerate(orders):
            self.customers += 1
            email = f"customer{self.customers}@example.com"
            preference = (
                ShipPreference.SHIP_COMPLETE
                if rng.random() < self.world.store.ship_complete_share
                else ShipPreference.SHIP_WHEN_READY
            )
            offset = index * minutes // max(len(orders), 1)
            ctx = self.at(day, 9 + offset // 60, offset % 60, Actor("customer", email))
            ctx = Context(ctx.actor, ctx.now + dt.timedelta(seconds=index % 60), ctx.policy)
            request = OrderRequest(
                email=email,
                name=f"Customer {self.customers}",
                shipping_address="1 Simulation Street\nTestville",
                lines=[LineRequest(product.sku, units) for product, units in lines],
                ship_preference=preference,
            )
            try:
                await place_order(request, ctx=ctx)
            except DomainError:
                continue
            self.counts.orders += 1
            self.counts.lines += len(lines)

    async def cancel_some(self, day: dt.date) -> None:
        """Some customers who wait give up, whatever they were told."""
        chance = self.world.cancellation.daily_chance
        if chance <= 0:
            return
        rows = await fetch(
            connection(),
            "SELECT id, order_id FROM order_line WHERE qty_waiting > 0 ORDER BY id",
        )
        rng = self.dice.customers
        for row in rows:
            if rng.random() >= chance:
                continue
            ctx = self.at(day, 20, 30, Actor("customer", str(row["order_id"])))
            try:
                await cancel_order_lines(row["order_id"], [CancelRequest(row["id"])], ctx=ctx)
            except DomainError:
                continue
            self.counts.cancelled_lines += 1

    # -- suppliers and the store --------------------------------------------------------------

    async def receive(self, day: dt.date) -> None:
        for delivery in self.deliveries.pop(day, []):
            lines = [ReceiptLineRequest(po_line, units) for po_line, units in delivery.lines]
            ctx = self.at(day, 8, 30, RECEIVING)
            await receive(delivery.po_id, delivery.key, lines, ctx=ctx)
            self.counts.receipts += 1

    async def buy(self, day: dt.date) -> None:
        """Where stock and open POs less what waits fall under the reorder point, buy."""
        rows = await fetch(
            connection(),
            "SELECT p.id, p.on_hand, p.waiting_units, COALESCE((SELECT"
            " SUM(l.quantity - l.quantity_received - l.quantity_cancelled)"
            " FROM purchase_order_line l JOIN purchase_order o ON o.id = l.purchase_order_id"
            " WHERE o.status = 'open' AND l.product_id = p.id), 0) AS coming FROM product p"
            " ORDER BY p.id",
        )
        buying = self.world.buying
        wanted: dict[int, list[tuple[SimProduct, int]]] = defaultdict(list)
        for row in rows:
            product = self.catalogue.by_id.get(row["id"])
            if product is None:
                continue
            position = row["on_hand"] + int(row["coming"]) - row["waiting_units"]
            lead = product.supplier.lead_time_days
            if position >= product.daily_demand * buying.reorder_days:
                continue
            target = product.daily_demand * (lead + buying.order_up_to_days)
            units = max(math.ceil(target - position), 1)
            wanted[product.supplier.id].append((product, units))
        for supplier_id in sorted(wanted):
            await self._purchase(day, supplier_id, wanted[supplier_id])

    async def _purchase(
        self, day: dt.date, supplier_id: int, lines: list[tuple[SimProduct, int]]
    ) -> None:
        supplier = lines[0][0].supplier
        expected = day + dt.timedelta(days=supplier.lead_time_days)
        ctx = self.at(day, 21, 0, BUYER)
        po = await create_purchase_order(
            supplier_id, expected, [PoLineRequest(p.sku, units) for p, units in lines], ctx=ctx
        )
        self.counts.purchase_orders += 1
        po_lines = await fetch(
            connection(),
            "SELECT id, quantity FROM purchase_order_line WHERE purchase_order_id = ? ORDER BY id",
            [po.id],
        )
        rng, buying = self.dice.supply, self.world.buying
        arrival = max(
            expected + dt.timedelta(days=slip_of(rng, supplier.profile)), day + dt.timedelta(days=1)
        )
        goods = [(int(r["id"]), int(r["quantity"])) for r in po_lines]
        if rng.random() < buying.partial_receipt_chance:
            share = rng.uniform(buying.partial_first_share.low, buying.partial_first_share.high)
            first = [(line, max(1, math.floor(units * share))) for line, units in goods]
            rest = [
                (line, units - part) for (line, units), (_, part) in zip(goods, first, strict=True)
            ]
            later = arrival + dt.timedelta(days=span(rng, buying.partial_rest_days))
            self.deliveries[arrival].append(Delivery(po.id, f"{po.id}-1", tuple(first)))
            rest = [(line, units) for line, units in rest if units > 0]
            if rest:
                self.deliveries[later].append(Delivery(po.id, f"{po.id}-2", tuple(rest)))
        else:
            self.deliveries[arrival].append(Delivery(po.id, f"{po.id}-1", tuple(goods)))

    async def ship(self, day: dt.date) -> None:
        """Every order with units in stock ships what its preference lets leave (a
        ship-complete order once nothing of it waits)."""
        rows = await fetch(
            connection(),
            "SELECT DISTINCT l.order_id FROM order_line l JOIN customer_order o"
            " ON o.id = l.order_id WHERE l.qty_allocated > 0"
            f" AND NOT (o.ship_preference = '{ShipPreference.SHIP_COMPLETE.value}'"
            " AND EXISTS (SELECT 1 FROM order_line w WHERE w.order_id = l.order_id"
            " AND w.qty_waiting > 0)) ORDER BY l.order_id",
        )
        ctx = self.at(day, 22, 0, SHIPPING)
        for row in rows:
            try:
                shipment = await create_shipment(row["order_id"], ctx=ctx)
            except Conflict:
                continue  # ship complete, and something still waits
            await mark_shipped(shipment.id, "Simulated Parcel", f"SIM{shipment.id}", ctx=ctx)
            self.counts.shipments += 1
