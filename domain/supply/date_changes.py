"""A PO's expected date changed by a person at a form, and what the change would do first.

``preview_expected_date`` is exact: it is the change itself, rolled back
(``ordering.impact.preview_event``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from domain.context import Context
from domain.errors import Conflict, InvalidInput, NotFound
from domain.ordering.impact import TouchedLine, preview_event
from domain.ordering.queue import Recomputed
from domain.purchasing.models import PurchaseOrder
from domain.supply.purchase_orders import revise_expected_date
from domain.vocabulary import PurchaseOrderStatus


@dataclass(frozen=True)
class DateChangeImpact:
    po_id: int
    po_number: str
    old_date: dt.date
    new_date: dt.date
    lines_moved: int
    orders_moved: int
    emails_queued: int  # one per order whose change is worth telling (rule 9)
    customers_emailed: int
    delay_notices: int
    touched: list[TouchedLine]  # the first ``TOUCHED_SHOWN``, in queue order of orders

    @property
    def nothing_moves(self) -> bool:
        return self.lines_moved == 0


async def _checked(po_id: int, new_date: dt.date) -> PurchaseOrder:
    po = await PurchaseOrder.filter(id=po_id).first()
    if po is None:
        raise NotFound("No such purchase order.", field="purchaseOrderId")
    if po.status != PurchaseOrderStatus.OPEN:
        raise Conflict("Only an open purchase order can be revised.", field="purchaseOrderId")
    if new_date == po.expected_date:
        raise InvalidInput("This is already the expected date.", field="expectedDate")
    return po


async def change_expected_date(
    po_id: int, new_date: dt.date, reason: str, *, ctx: Context
) -> Recomputed:
    """``revise_expected_date`` refusing, for a person at a form, the date it already has."""
    await _checked(po_id, new_date)
    return await revise_expected_date(po_id, new_date, reason, ctx=ctx)


async def preview_expected_date(
    po_id: int, new_date: dt.date, reason: str, *, ctx: Context
) -> DateChangeImpact:
    """The exact outcome of ``change_expected_date`` now, with nothing kept."""
    po = await _checked(po_id, new_date)
    impact = await preview_event(lambda: revise_expected_date(po_id, new_date, reason, ctx=ctx))
    return DateChangeImpact(
        po.id,
        po.number,
        po.expected_date,
        new_date,
        impact.lines_moved,
        impact.orders_moved,
        impact.emails_queued,
        impact.customers_emailed,
        impact.delay_notices,
        impact.touched,
    )
