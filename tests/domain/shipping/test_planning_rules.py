"""Which allocated units may ship now: DOMAIN.md rule 12 (shipping/planning.py)."""

from __future__ import annotations

import datetime as dt

from domain.shipping.planning import ShippableLine, plan_shipment
from domain.vocabulary import ShipPreference

TODAY = dt.date(2027, 3, 1)
WHEN_READY = ShipPreference.SHIP_WHEN_READY
COMPLETE = ShipPreference.SHIP_COMPLETE


def line(
    line_id: int,
    allocated: int = 0,
    waiting: int = 0,
    planned: int = 0,
    release: dt.date | None = None,
) -> ShippableLine:
    return ShippableLine(line_id, allocated, waiting, planned, release)


def test_ship_when_ready_sends_what_is_in_stock_while_the_rest_waits() -> None:
    lines = [line(1, allocated=2, waiting=1), line(2, waiting=3), line(3, allocated=1)]
    assert plan_shipment(lines, WHEN_READY, TODAY) == {1: 2, 3: 1}


def test_nothing_ships_while_nothing_is_allocated() -> None:
    assert plan_shipment([line(1, waiting=2)], WHEN_READY, TODAY) == {}
    assert plan_shipment([line(1, waiting=2)], COMPLETE, TODAY) == {}


def test_ship_complete_holds_everything_while_any_unit_waits() -> None:
    lines = [line(1, allocated=2), line(2, allocated=1, waiting=1)]
    assert plan_shipment(lines, COMPLETE, TODAY) == {}


def test_ship_complete_sends_everything_once_the_last_unit_is_in_stock() -> None:
    lines = [line(1, allocated=2), line(2, allocated=3)]
    assert plan_shipment(lines, COMPLETE, TODAY) == {1: 2, 2: 3}


def test_ship_complete_ignores_lines_already_shipped_or_cancelled() -> None:
    lines = [line(1, allocated=2), line(2)]  # line 2 has nothing open
    assert plan_shipment(lines, COMPLETE, TODAY) == {1: 2}


def test_unreleased_preorder_line_stays_while_others_ship_when_ready() -> None:
    lines = [line(1, allocated=1, release=TODAY + dt.timedelta(days=1)), line(2, allocated=2)]
    assert plan_shipment(lines, WHEN_READY, TODAY) == {2: 2}


def test_unreleased_preorder_line_holds_a_ship_complete_order() -> None:
    lines = [line(1, allocated=1, release=TODAY + dt.timedelta(days=1)), line(2, allocated=2)]
    assert plan_shipment(lines, COMPLETE, TODAY) == {}


def test_preorder_ships_on_its_release_date() -> None:
    lines = [line(1, allocated=1, release=TODAY)]
    assert plan_shipment(lines, WHEN_READY, TODAY) == {1: 1}
    assert plan_shipment(lines, COMPLETE, TODAY) == {1: 1}


def test_units_already_in_planned_shipments_are_not_planned_again() -> None:
    lines = [line(1, allocated=3, planned=1), line(2, allocated=2, planned=2)]
    assert plan_shipment(lines, WHEN_READY, TODAY) == {1: 2}
    assert plan_shipment(lines, COMPLETE, TODAY) == {1: 2}


def test_ship_complete_sends_nothing_when_every_unit_is_already_planned() -> None:
    assert plan_shipment([line(1, allocated=2, planned=2)], COMPLETE, TODAY) == {}
