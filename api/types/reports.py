"""The backorder report."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import strawberry

from api import ids
from api.pagination import Connection
from domain.queries.backorders import BackorderRow as RowView
from domain.queries.backorders import BackorderTotals as TotalsView
from domain.vocabulary import AvailabilityMode


@strawberry.type(description="Across all products. Rule 4: a backorder is booked, not a sale.")
class BackorderTotals:
    waiting_units: int
    waiting_lines: int
    orders: int
    value: Decimal = strawberry.field(description="Waiting units at their order prices.")
    booked: Decimal = strawberry.field(description="Backorders booked, net of cancellations.")
    recognised: Decimal = strawberry.field(description="Revenue recognised on shipment.")
    refunds_due: Decimal

    @staticmethod
    def of(view: TotalsView) -> BackorderTotals:
        return BackorderTotals(
            waiting_units=view.waiting_units,
            waiting_lines=view.waiting_lines,
            orders=view.orders,
            value=view.value,
            booked=view.booked,
            recognised=view.recognised,
            refunds_due=view.refunds_due,
        )


@strawberry.type(description="One product's queue: what waits, since when, and what comes.")
class BackorderRow:
    product_id: strawberry.ID
    sku: str
    name: str
    mode: AvailabilityMode
    waiting_units: int
    waiting_lines: int
    orders: int
    oldest_placed_at: dt.datetime | None
    value: Decimal
    backorder_cap: int | None
    next_expected: dt.date | None
    open_purchase_order_units: int
    overdue_purchase_order_units: int

    @staticmethod
    def of(view: RowView) -> BackorderRow:
        return BackorderRow(
            product_id=ids.encode("Product", view.product_id),
            sku=view.sku,
            name=view.name,
            mode=view.mode,
            waiting_units=view.waiting_units,
            waiting_lines=view.waiting_lines,
            orders=view.orders,
            oldest_placed_at=view.oldest_placed_at,
            value=view.value,
            backorder_cap=view.backorder_cap,
            next_expected=view.next_expected,
            open_purchase_order_units=view.open_po_units,
            overdue_purchase_order_units=view.overdue_po_units,
        )


@strawberry.type
class BackorderReport:
    generated_on: dt.date
    totals: BackorderTotals
    rows: Connection[BackorderRow] = strawberry.field(
        description="Products with units waiting, most first."
    )
