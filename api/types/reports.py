"""The backorder report and the promise figures."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import strawberry

from api import ids
from api.pagination import Connection
from domain.ordering.backorders import BackorderRow as RowView
from domain.ordering.backorders import BackorderTotals as TotalsView
from domain.reporting.promise_figures import PromiseFigures as FiguresView
from domain.reporting.promise_figures import PromiseReport as ReportView
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


@strawberry.type(
    description="How well promises were kept (rule 22). Percentages are null where nothing"
    " was judged; days are signed (positive: early)."
)
class PromiseFigures:
    delivered_lines: int = strawberry.field(
        description="Lines delivered: nothing left to ship; by the day the last parcel left"
        " plus the slowest transit."
    )
    first_promise_kept: int = strawberry.field(
        description="Delivered on or before the latest date first promised."
    )
    first_promise_kept_percent: float | None
    last_window_kept: int = strawberry.field(
        description="Delivered on or before the latest date last told before delivery."
    )
    last_window_kept_percent: float | None
    delay_notices: int = strawberry.field(description="Delay notices sent.")
    delay_notices_in_time: int = strawberry.field(
        description="Sent on or before the latest date then in force."
    )
    delay_notices_in_time_percent: float | None
    median_warning_days: float | None = strawberry.field(
        description="Days between a delay notice and the date it warned about."
    )
    waiting_lines: int = strawberry.field(description="Delivered lines that ever waited.")
    eta_emails: int = strawberry.field(description="ETA emails about those lines.")
    eta_emails_per_waiting_line: float | None
    median_slack_days: float | None = strawberry.field(
        description="Latest date first promised less the delivery day."
    )

    @staticmethod
    def of(view: FiguresView) -> PromiseFigures:
        return PromiseFigures(
            delivered_lines=view.delivered,
            first_promise_kept=view.first_kept,
            first_promise_kept_percent=view.first_kept_percent,
            last_window_kept=view.last_kept,
            last_window_kept_percent=view.last_kept_percent,
            delay_notices=view.notices,
            delay_notices_in_time=view.notices_in_time,
            delay_notices_in_time_percent=view.notices_in_time_percent,
            median_warning_days=view.median_warning_days,
            waiting_lines=view.waiting_lines,
            eta_emails=view.eta_emails,
            eta_emails_per_waiting_line=view.eta_emails_per_waiting_line,
            median_slack_days=view.median_slack_days,
        )


@strawberry.type(description="One supplier's figures; `stock` and `none` for other supply.")
class PromiseSupplier:
    supplier: str
    figures: PromiseFigures


@strawberry.type(description="Lines delivered and delay notices sent in one ISO week.")
class PromiseWeek:
    starts_on: dt.date = strawberry.field(description="The Monday.")
    iso_week: str = strawberry.field(description="As 2027-W09.")
    figures: PromiseFigures


@strawberry.type
class PromiseReport:
    weeks_from: dt.date
    weeks_to: dt.date
    overall: PromiseFigures
    suppliers: list[PromiseSupplier]
    weeks: list[PromiseWeek] = strawberry.field(description="Every week, oldest first.")

    @staticmethod
    def of(view: ReportView) -> PromiseReport:
        return PromiseReport(
            weeks_from=view.weeks_from,
            weeks_to=view.weeks_to,
            overall=PromiseFigures.of(view.overall),
            suppliers=[
                PromiseSupplier(supplier=s.supplier, figures=PromiseFigures.of(s.figures))
                for s in view.suppliers
            ],
            weeks=[
                PromiseWeek(
                    starts_on=w.start, iso_week=w.iso_week, figures=PromiseFigures.of(w.figures)
                )
                for w in view.weeks
            ],
        )
