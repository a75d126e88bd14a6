"""Splitting a line into stock and backorder: DOMAIN.md rules 1 and 3 (allocation.py)."""

from __future__ import annotations

from domain.promises.allocation import Refusal, Split, backorder_room, split_line
from domain.vocabulary import AvailabilityMode

STOCKED = AvailabilityMode.STOCKED


def test_stock_covers_the_line_when_nobody_waits() -> None:
    assert split_line(3, on_hand=5, waiting_units=0, cap=None, mode=STOCKED) == Split(3, 0)


def test_short_stock_goes_to_the_line_and_the_rest_waits() -> None:
    assert split_line(5, on_hand=2, waiting_units=0, cap=None, mode=STOCKED) == Split(2, 3)


def test_line_takes_no_stock_that_waiting_backorders_are_owed() -> None:
    assert split_line(3, on_hand=4, waiting_units=1, cap=None, mode=STOCKED) == Split(0, 3)


def test_line_past_the_cap_is_refused_saying_how_many_remain() -> None:
    refused = split_line(4, on_hand=0, waiting_units=3, cap=5, mode=STOCKED)
    assert isinstance(refused, Refusal)
    assert refused.available == 2
    assert "only 2 can still be ordered" in refused.reason


def test_available_counts_free_stock_plus_room_under_the_cap() -> None:
    refused = split_line(6, on_hand=2, waiting_units=0, cap=3, mode=STOCKED)
    assert isinstance(refused, Refusal) and refused.available == 5


def test_line_filling_the_cap_exactly_is_accepted() -> None:
    assert split_line(2, on_hand=0, waiting_units=3, cap=5, mode=STOCKED) == Split(0, 2)


def test_cap_zero_means_sold_out_is_sold_out() -> None:
    assert split_line(2, on_hand=2, waiting_units=0, cap=0, mode=STOCKED) == Split(2, 0)
    refused = split_line(3, on_hand=2, waiting_units=0, cap=0, mode=STOCKED)
    assert isinstance(refused, Refusal)
    assert refused.available == 2 and "no backorders" in refused.reason


def test_no_cap_means_unlimited_backorders() -> None:
    assert backorder_room(None, 10**6) is None
    assert split_line(5000, on_hand=1, waiting_units=0, cap=None, mode=STOCKED) == Split(1, 4999)


def test_cap_lowered_below_the_queue_leaves_no_room() -> None:
    assert backorder_room(3, 5) == 0
    refused = split_line(1, on_hand=0, waiting_units=5, cap=3, mode=STOCKED)
    assert isinstance(refused, Refusal) and refused.available == 0


def test_preorder_and_made_to_order_split_like_stocked_products() -> None:
    for mode in (AvailabilityMode.PREORDER, AvailabilityMode.MADE_TO_ORDER):
        assert split_line(4, on_hand=1, waiting_units=0, cap=10, mode=mode) == Split(1, 3)


def test_custom_build_is_refused_even_with_stock_it_is_ordered_by_quote() -> None:
    mode = AvailabilityMode.CUSTOM_BUILD
    refused = split_line(1, on_hand=5, waiting_units=0, cap=None, mode=mode)
    assert isinstance(refused, Refusal)
    assert refused.available == 0 and "quote" in refused.reason
