"""Ship-together dates without a database (domain/ordering/together.py).

Under ``ship_complete`` the parcel waits for the last unit, so every line still to ship is
told the order's latest window; ``ship_when_ready`` keeps each line's own.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from domain.ordering.together import shown_windows, together
from domain.promises.eta import Window
from domain.vocabulary import EtaBasis, ShipPreference

TODAY = dt.date(2027, 3, 1)


def day(offset: int) -> dt.date:
    return TODAY + dt.timedelta(days=offset)


@dataclass(frozen=True)
class Line:
    open: int
    eta: Window


IN_STOCK = Window(day(2), day(5), EtaBasis.IN_STOCK)
FROM_PO = Window(day(12), day(16), EtaBasis.PURCHASE_ORDER)
LEAD = Window(day(9), day(20), EtaBasis.LEAD_TIME)


def test_under_ship_complete_every_line_to_ship_shows_the_orders_latest_window() -> None:
    lines = [Line(1, IN_STOCK), Line(2, FROM_PO), Line(1, LEAD)]
    parcel = Window(day(12), day(20), EtaBasis.LEAD_TIME)
    assert shown_windows(lines, ShipPreference.SHIP_COMPLETE) == [parcel, parcel, parcel]


def test_ship_when_ready_shows_each_lines_own_window() -> None:
    lines = [Line(1, IN_STOCK), Line(2, FROM_PO)]
    assert shown_windows(lines, ShipPreference.SHIP_WHEN_READY) == [IN_STOCK, FROM_PO]


def test_a_line_with_nothing_left_to_ship_keeps_its_own_window() -> None:
    lines = [Line(0, LEAD), Line(1, IN_STOCK), Line(2, FROM_PO)]
    assert shown_windows(lines, ShipPreference.SHIP_COMPLETE) == [LEAD, FROM_PO, FROM_PO]


def test_one_line_to_ship_keeps_its_own_window() -> None:
    lines = [Line(0, FROM_PO), Line(1, IN_STOCK)]
    assert shown_windows(lines, ShipPreference.SHIP_COMPLETE) == [FROM_PO, IN_STOCK]


def test_an_unknown_date_leaves_the_whole_parcel_unknown() -> None:
    unknown = Window(None, None, EtaBasis.UNKNOWN)
    shown = shown_windows([Line(1, IN_STOCK), Line(1, unknown)], ShipPreference.SHIP_COMPLETE)
    assert shown == [unknown, unknown]
    assert together([]) == unknown
