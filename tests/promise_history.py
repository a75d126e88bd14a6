"""A small history of promises (rule 22), kept and broken, from any Monday on.

Used by the domain, API and page tests of the promise figures, which compute them by hand.
"""

from __future__ import annotations

import datetime as dt

from domain.context import Context
from domain.ordering.models import OrderLine
from domain.supply.purchase_orders import revise_expected_date
from tests import builders as b


class History:
    def __init__(self, monday: dt.date) -> None:
        assert monday.weekday() == 0
        self.monday = monday

    def day(self, number: int) -> dt.date:
        """Day ``number`` of the history: day 1 is the Monday."""
        return self.monday + dt.timedelta(days=number - 1)

    def on(self, number: int, hour: int = 12) -> Context:
        return b.ctx(now=dt.datetime.combine(self.day(number), dt.time(hour), dt.UTC))

    async def build(self, supplier_name: str = "CoolAir") -> None:
        """Two customers wait for a PO that slips; one more buys from stock.

        - PO due day 10: the waiting lines are promised day 12 to day 15 (plus transit).
        - Day 5 the supplier moves it to day 20: both waiting lines are told day 22 to 25,
          with a delay notice each, ten days before their promise (day 15) passes.
        - Day 18 at noon the goods arrive: the lines are told day 20 to 23 (an email each).
        - Order A ships on day 18 in the afternoon (delivered by day 23, transit at most 5
          days); order B stays on the shelf.
        - The stock line ships on day 1, the day it was ordered: delivered by day 6, its
          promise.
        """
        on, day = self.on, self.day
        supplier = await b.supplier(name=supplier_name)
        awaited = await b.product(on_hand=0, supplier_=supplier)
        stocked = await b.product(on_hand=5)
        po = await b.purchase_order(supplier, day(10), (awaited, 5), context=on(1, 8))
        waiting = await b.order((awaited, 1), context=on(1))
        await b.order((awaited, 1), context=on(1))
        from_stock = await b.order((stocked, 1), context=on(1))
        promised = await OrderLine.filter(order_id__in=[waiting.order.id, from_stock.order.id])
        assert {line.promised_latest for line in promised} == {day(6), day(15)}
        await revise_expected_date(po.id, day(20), "Slipped", ctx=on(5))
        await b.receipt(po, 5, context=on(18))
        await b.shipped(waiting.order.id, context=on(18, 15))
        await b.shipped(from_stock.order.id, context=on(1, 15))
