"""What an ETA event writes, step by step, the same on both databases.

On PostgreSQL an event whose products fit in one statement writes its history, its lines, the
delay notices it supersedes and opens and its emails in that one statement; SQLite runs them
one after another. The same slips of a PO are replayed here on both: each step's counts, the
notices (opened, standing, superseded) and the emails must be what the rules give (8 to 10
and 12), whichever way they were written.
"""

from __future__ import annotations

import datetime as dt

import pytest

from domain.ordering.models import DelayNotice, EtaChange
from domain.outbox.models import OutboxMessage
from domain.supply.purchase_orders import revise_expected_date
from domain.vocabulary import ShipPreference
from tests import builders as b

pytestmark = pytest.mark.usefixtures("db")


async def _step(po_id: int, days: int, orders: dict[str, int]) -> dict[str, object]:
    impact = await revise_expected_date(
        po_id, b.TODAY + dt.timedelta(days=days), f"moved to +{days}", ctx=b.ctx()
    )
    assert impact.event_id is not None
    notices = {
        name: sorted(
            (n.new_latest - b.TODAY).days if n.new_latest else -1
            for n in await DelayNotice.filter(order_id=order_id, status="open")
        )
        for name, order_id in orders.items()
    }
    emails = {
        name: sorted(
            m.kind.value
            for m in await OutboxMessage.filter(order_id=order_id, event_id=impact.event_id)
        )
        for name, order_id in orders.items()
    }
    changes = await EtaChange.filter(event_id=impact.event_id).count()
    return {
        "counts": (
            impact.lines_moved,
            impact.orders_moved,
            impact.delay_notices,
            impact.emails_queued,
            changes,
        ),
        "open notices (latest, days from today; -1 unknown)": notices,
        "emails": emails,
        "superseded": await DelayNotice.filter(status="superseded").count(),
    }


async def test_notices_open_stand_and_are_superseded_and_each_order_is_emailed_once() -> None:
    supplier = await b.supplier(lead_time_days=60)
    hot = await b.product(on_hand=0, supplier_=supplier)
    other = await b.product(on_hand=0, supplier_=supplier)
    shelf = await b.product(on_hand=5, supplier_=supplier)
    po = await b.purchase_order(supplier, b.TODAY + dt.timedelta(days=10), (hot, 10), (other, 10))
    single = await b.order((hot, 1))
    two = await b.order((hot, 1), (other, 2))
    parcel = await b.order((hot, 1), (shelf, 1), preference=ShipPreference.SHIP_COMPLETE)
    orders = {"single": single.order.id, "two": two.order.id, "parcel": parcel.order.id}

    # A slip of 15 days: past every promise, a notice for each waiting line, one email each.
    assert await _step(po.id, 25, orders) == {
        "counts": (4, 3, 4, 3, 4),
        "open notices (latest, days from today; -1 unknown)": {
            "single": [30],
            "two": [30, 30],
            "parcel": [30],
        },
        "emails": {"single": ["delay_notice"], "two": ["delay_notice"], "parcel": ["delay_notice"]},
        "superseded": 0,
    }
    # One day more: the notices stand (late by less than the threshold beyond what they told),
    # and a one-day move is no email.
    assert await _step(po.id, 26, orders) == {
        "counts": (4, 3, 0, 0, 4),
        "open notices (latest, days from today; -1 unknown)": {
            "single": [30],
            "two": [30, 30],
            "parcel": [30],
        },
        "emails": {"single": [], "two": [], "parcel": []},
        "superseded": 0,
    }
    # Two weeks more: each notice is superseded by a new one.
    assert await _step(po.id, 40, orders) == {
        "counts": (4, 3, 4, 3, 4),
        "open notices (latest, days from today; -1 unknown)": {
            "single": [45],
            "two": [45, 45],
            "parcel": [45],
        },
        "emails": {"single": ["delay_notice"], "two": ["delay_notice"], "parcel": ["delay_notice"]},
        "superseded": 4,
    }
    # Back before the promise: the notices are superseded, none opened, the news emailed.
    assert await _step(po.id, 5, orders) == {
        "counts": (4, 3, 0, 3, 4),
        "open notices (latest, days from today; -1 unknown)": {
            "single": [],
            "two": [],
            "parcel": [],
        },
        "emails": {"single": ["eta_changed"], "two": ["eta_changed"], "parcel": ["eta_changed"]},
        "superseded": 8,
    }
