"""What an email tells: parcels and the sum of several ETA changes (composing/emails.py). Pure."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from domain.notifications.composing.emails import Change, Line, Move, net_moves, plan_parcels
from domain.promises.eta import Window
from domain.vocabulary import EtaBasis, ShipPreference

D = dt.date(2027, 3, 1)
PO = EtaBasis.PURCHASE_ORDER


def w(first: int, last: int) -> Window:
    return Window(D + dt.timedelta(days=first), D + dt.timedelta(days=last), PO)


def line(name: str, allocated: int, waiting: int, eta: Window, released: bool = True) -> Line:
    return Line(
        1, name, name, allocated + waiting, Decimal("10"), allocated, waiting, 0, 0, eta, released
    )


def test_ship_when_ready_sends_stock_now_and_one_parcel_per_window() -> None:
    lines = (
        line("lamp", 2, 0, w(2, 5)),
        line("fan", 1, 3, w(12, 15)),
        line("ac", 0, 1, w(12, 15)),
        line("bike", 0, 1, w(30, 33)),
    )
    parcels = plan_parcels(lines, ShipPreference.SHIP_WHEN_READY)
    assert [(p.now, p.items) for p in parcels] == [
        (True, (("lamp", 2), ("fan", 1))),
        (False, (("fan", 3), ("ac", 1))),
        (False, (("bike", 1),)),
    ]


def test_ship_complete_is_one_parcel_when_the_last_unit_is_in() -> None:
    lines = (
        line("lamp", 2, 0, w(2, 5)),
        line("fan", 0, 3, w(12, 15)),
        line("bike", 0, 1, w(30, 33)),
    )
    (parcel,) = plan_parcels(lines, ShipPreference.SHIP_COMPLETE)
    assert not parcel.now and parcel.window is not None
    assert (parcel.window.earliest, parcel.window.latest) == (w(30, 33).earliest, w(30, 33).latest)
    assert parcel.items == (("lamp", 2), ("fan", 3), ("bike", 1))


def test_a_preorder_in_stock_waits_for_its_release() -> None:
    (parcel,) = plan_parcels(
        (line("ebike", 1, 0, w(40, 43), released=False),), ShipPreference.SHIP_WHEN_READY
    )
    assert not parcel.now


def test_changes_add_up_from_the_first_old_window_to_the_last_new_one() -> None:
    changes = [
        Change(1, 7, 1, w(10, 13), w(20, 23)),
        Change(2, 7, 2, w(20, 23), w(30, 33)),
        Change(3, 8, 2, w(5, 8), w(6, 9)),
    ]
    assert net_moves(changes) == {7: (w(10, 13), w(30, 33)), 8: (w(5, 8), w(6, 9))}


def test_a_window_that_came_back_has_nothing_to_tell() -> None:
    changes = [Change(1, 7, 1, w(10, 13), w(20, 23)), Change(2, 7, 2, w(20, 23), w(10, 13))]
    assert net_moves(changes) == {}


def test_later_and_earlier_including_unknown_dates() -> None:
    unknown = Window(None, None, EtaBasis.UNKNOWN)
    assert Move(1, "x", 1, w(10, 13), w(20, 23)).later
    assert Move(1, "x", 1, w(20, 23), w(10, 13)).earlier
    assert Move(1, "x", 1, w(10, 13), unknown).later
    assert Move(1, "x", 1, unknown, w(10, 13)).earlier
