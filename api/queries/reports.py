"""Staff reports: ``backorderReport``, ``promiseReport``."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info

from api.context import ApiContext
from api.errors import refused_as_graphql_errors
from api.pagination import Edge, connection, decode_cursor, encode_cursor, page_size
from api.permissions import READ, requires, staff_read
from api.types.reports import BackorderReport, BackorderRow, BackorderTotals, PromiseReport
from domain.numbers import MAX_ID, cursor_number
from domain.ordering.backorders import RowCursor, backorder_rows, backorder_totals
from domain.reporting.promises import promises


def _row_cursor(after: str | None) -> RowCursor | None:
    key = decode_cursor(after, 2)
    if key is None:
        return None
    return RowCursor(cursor_number(key[0]), cursor_number(key[1], maximum=MAX_ID))


@strawberry.type
class ReportsQuery:
    @strawberry.field(
        description="Staff (scope `read`): totals, and per product what waits, most first.",
        metadata=requires(READ),
    )
    async def backorder_report(
        self, info: Info[ApiContext, Any], first: int | None = 20, after: str | None = None
    ) -> BackorderReport:
        ctx = await staff_read(info)
        with refused_as_graphql_errors():
            page = await backorder_rows(
                today=ctx.today, after=_row_cursor(after), first=page_size(first)
            )
        totals = await backorder_totals()
        edges = [
            Edge(cursor=encode_cursor(row.waiting_units, row.product_id), node=BackorderRow.of(row))
            for row in page.rows
        ]
        return BackorderReport(
            generated_on=ctx.today,
            totals=BackorderTotals.of(totals),
            rows=connection(edges, page.has_next, after),
        )

    @strawberry.field(
        description="Staff (scope `read`): how well promises were kept (rule 22), overall, per"
        " supplier and per ISO week, for the last `weeks` weeks (1 to 52) up to this one.",
        metadata=requires(READ),
    )
    async def promise_report(self, info: Info[ApiContext, Any], weeks: int = 12) -> PromiseReport:
        ctx = await staff_read(info)
        with refused_as_graphql_errors():
            report = await promises(ctx, weeks=weeks)
        return PromiseReport.of(report)
