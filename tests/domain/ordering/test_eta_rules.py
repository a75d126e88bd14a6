"""ETA rules without a database: DOMAIN.md rules 2, 9 and 10 (domain/promises/eta.py)."""

from __future__ import annotations

import datetime as dt

from domain.context import Policy
from domain.promises.eta import (
    UNBOUNDED,
    UNKNOWN,
    Bucket,
    ProductTerms,
    QueuedLine,
    SupplyLine,
    Window,
    assign,
    build_window,
    is_delay_past,
    is_material,
    ready_window,
    supply_buckets,
)
from domain.vocabulary import AvailabilityMode, EtaBasis

TODAY = dt.date(2027, 3, 1)
POLICY = Policy(transit_days_min=2, transit_days_max=5)


def day(offset: int) -> dt.date:
    return TODAY + dt.timedelta(days=offset)


def shipped_on(offset: int, basis: EtaBasis) -> Window:
    """The delivery window of a parcel leaving ``offset`` days from today."""
    return Window(day(offset + 2), day(offset + 5), basis)


def stocked(lead_time_days: int | None = 30) -> ProductTerms:
    return ProductTerms(AvailabilityMode.STOCKED, None, lead_time_days)


def preorder(release_offset: int, lead_time_days: int | None = 30) -> ProductTerms:
    return ProductTerms(AvailabilityMode.PREORDER, day(release_offset), lead_time_days)


def test_buckets_follow_expected_dates_not_the_order_pos_were_raised() -> None:
    later_po, sooner_po = SupplyLine(1, day(20), 3), SupplyLine(2, day(10), 4)
    buckets = supply_buckets(stocked(), [later_po, sooner_po], TODAY, POLICY)
    assert [(b.upto, b.po_line_id) for b in buckets] == [(4, 2), (7, 1), (UNBOUNDED, None)]
    assert buckets[0].window == shipped_on(10, EtaBasis.PURCHASE_ORDER)
    assert buckets[1].window == shipped_on(20, EtaBasis.PURCHASE_ORDER)


def test_po_lines_with_nothing_left_to_receive_add_no_bucket() -> None:
    buckets = supply_buckets(
        stocked(), [SupplyLine(1, day(5), 0), SupplyLine(2, day(9), 2)], TODAY, POLICY
    )
    assert [(b.upto, b.po_line_id) for b in buckets] == [(2, 2), (UNBOUNDED, None)]


def test_overdue_po_is_a_late_delivery_from_today_to_the_late_margin_not_arriving_today() -> None:
    margin = POLICY.late_delivery_margin_days
    overdue = SupplyLine(1, day(-1), 2)
    buckets = supply_buckets(stocked(), [overdue], TODAY, POLICY)
    assert buckets[0].window == Window(day(2), day(margin - 1 + 5), EtaBasis.LATE_DELIVERY)
    assert buckets[0].po_line_id == 1


def test_a_late_window_ends_by_steps_of_the_margin_so_it_is_not_moved_every_day() -> None:
    margin = POLICY.late_delivery_margin_days
    expected = day(-1)
    ends = [
        supply_buckets(stocked(), [SupplyLine(1, expected, 2)], day(n), POLICY)[0].window
        for n in range(0, 2 * margin)
    ]
    assert {w.latest for w in ends[:margin]} == {day(margin - 1 + 5)}
    assert {w.latest for w in ends[margin:]} == {day(2 * margin - 1 + 5)}
    assert all(w.earliest == day(n + 2) for n, w in enumerate(ends))


def test_a_po_expected_today_is_not_overdue_yet() -> None:
    buckets = supply_buckets(stocked(), [SupplyLine(1, TODAY, 2)], TODAY, POLICY)
    assert buckets[0].window == shipped_on(0, EtaBasis.PURCHASE_ORDER)


def test_a_late_po_never_ships_a_preorder_before_its_release_date() -> None:
    margin = POLICY.late_delivery_margin_days
    soon = supply_buckets(preorder(3), [SupplyLine(1, day(-1), 2)], TODAY, POLICY)
    assert soon[0].window == Window(day(3 + 2), day(margin - 1 + 5), EtaBasis.LATE_DELIVERY)
    far = supply_buckets(preorder(margin + 10), [SupplyLine(1, day(-1), 2)], TODAY, POLICY)
    assert far[0].window == shipped_on(margin + 10, EtaBasis.RELEASE_DATE)


def test_units_beyond_every_po_wait_for_supplier_lead_time_from_today() -> None:
    buckets = supply_buckets(stocked(lead_time_days=45), [SupplyLine(1, day(60), 2)], TODAY, POLICY)
    beyond = buckets[-1]
    assert beyond.upto == UNBOUNDED and beyond.po_line_id is None
    assert beyond.window == shipped_on(45, EtaBasis.LEAD_TIME)


def test_without_a_lead_time_units_beyond_every_po_have_unknown_eta() -> None:
    terms = stocked(lead_time_days=None)
    buckets = supply_buckets(terms, [SupplyLine(1, day(10), 2)], TODAY, POLICY)
    assert buckets[-1].window == UNKNOWN
    assert buckets[0].window.basis == EtaBasis.PURCHASE_ORDER


def test_preorder_units_never_ship_before_the_release_date() -> None:
    terms = preorder(release_offset=30, lead_time_days=10)
    early_po, late_po = SupplyLine(1, day(10), 2), SupplyLine(2, day(40), 2)
    buckets = supply_buckets(terms, [early_po, late_po], TODAY, POLICY)
    assert buckets[0].window == shipped_on(30, EtaBasis.RELEASE_DATE)
    assert buckets[1].window == shipped_on(40, EtaBasis.PURCHASE_ORDER)
    assert buckets[2].window == shipped_on(30, EtaBasis.RELEASE_DATE)  # lead time ends sooner


def test_stock_of_an_unreleased_preorder_waits_for_release() -> None:
    assert ready_window(preorder(release_offset=12), TODAY, POLICY) == shipped_on(
        12, EtaBasis.RELEASE_DATE
    )
    assert ready_window(preorder(release_offset=-1), TODAY, POLICY) == shipped_on(
        0, EtaBasis.IN_STOCK
    )


def test_each_line_takes_the_bucket_of_its_last_unit() -> None:
    buckets = supply_buckets(
        stocked(), [SupplyLine(10, day(10), 3), SupplyLine(20, day(20), 3)], TODAY, POLICY
    )
    queue = [QueuedLine(1, 2), QueuedLine(2, 2), QueuedLine(3, 2), QueuedLine(4, 1)]
    assigned = assign(queue, buckets)
    assert {line: bucket.po_line_id for line, bucket in assigned.items()} == {
        1: 10,  # units 1-2
        2: 20,  # units 3-4: the last one is beyond the first PO
        3: 20,  # units 5-6: exactly the end of the second PO
        4: None,  # unit 7: lead time
    }
    assert assigned[4].window.basis == EtaBasis.LEAD_TIME


def test_a_queue_with_no_supply_waits_for_lead_time() -> None:
    buckets = supply_buckets(stocked(lead_time_days=20), [], TODAY, POLICY)
    assigned = assign([QueuedLine(1, 5)], buckets)
    assert assigned[1] == Bucket(UNBOUNDED, shipped_on(20, EtaBasis.LEAD_TIME), None)


def test_build_window_starts_from_the_given_date_plus_lead_time() -> None:
    assert build_window(day(3), 21, POLICY) == shipped_on(24, EtaBasis.BUILD)


def test_move_smaller_than_threshold_is_not_material() -> None:
    old = Window(day(10), day(15), EtaBasis.PURCHASE_ORDER)
    assert not is_material(old, Window(day(11), day(16), EtaBasis.PURCHASE_ORDER), 2)
    assert not is_material(old, Window(day(10), day(15), EtaBasis.LEAD_TIME), 2)


def test_move_of_the_threshold_on_either_bound_is_material() -> None:
    old = Window(day(10), day(15), EtaBasis.PURCHASE_ORDER)
    assert is_material(old, Window(day(12), day(15), EtaBasis.PURCHASE_ORDER), 2)
    assert is_material(old, Window(day(10), day(13), EtaBasis.PURCHASE_ORDER), 2)
    assert not is_material(old, Window(day(12), day(15), EtaBasis.PURCHASE_ORDER), 3)


def test_becoming_known_or_unknown_is_always_material() -> None:
    known = Window(day(10), day(15), EtaBasis.LEAD_TIME)
    assert is_material(known, UNKNOWN, 30)
    assert is_material(UNKNOWN, known, 30)
    assert not is_material(UNKNOWN, UNKNOWN, 1)


def test_delay_is_past_only_when_the_latest_date_passes_the_reference() -> None:
    reference = day(15)
    assert is_delay_past(reference, Window(day(11), day(16), EtaBasis.PURCHASE_ORDER))
    assert not is_delay_past(reference, Window(day(13), day(15), EtaBasis.PURCHASE_ORDER))
    assert not is_delay_past(reference, Window(day(1), day(3), EtaBasis.IN_STOCK))


def test_no_delay_notice_without_a_reference_or_a_known_date() -> None:
    assert not is_delay_past(None, Window(day(11), day(16), EtaBasis.LEAD_TIME))
    assert not is_delay_past(day(15), UNKNOWN)
