"""DOMAIN.md rule 24: the quantity a draft purchase order suggests, as a pure rule."""

from __future__ import annotations

from domain.purchasing.reorder import Demand, need_of, suggest


def test_rule_24_need_is_waiting_plus_safety_stock_less_on_hand_and_on_order() -> None:
    demand = Demand(waiting=30, on_order=10, on_hand=0, safety_stock=5)
    assert need_of(demand) == 25
    assert suggest(demand).quantity == 25


def test_rule_24_demand_covered_by_open_purchase_orders_orders_nothing() -> None:
    found = suggest(Demand(waiting=10, on_order=12, on_hand=0, safety_stock=2))
    assert (found.need, found.quantity) == (0, 0)
    assert "nothing to order" in found.why


def test_rule_24_a_small_need_is_raised_to_the_minimum_order() -> None:
    found = suggest(Demand(waiting=3, on_order=0, on_hand=0, min_order_qty=20))
    assert found.quantity == 20
    assert "minimum order of 20" in found.why


def test_rule_24_the_order_is_rounded_up_to_whole_packs() -> None:
    assert suggest(Demand(waiting=13, on_order=0, on_hand=0, pack_size=6)).quantity == 18
    assert suggest(Demand(waiting=12, on_order=0, on_hand=0, pack_size=6)).quantity == 12


def test_rule_24_a_minimum_that_is_not_whole_packs_becomes_the_next_whole_pack() -> None:
    found = suggest(Demand(waiting=1, on_order=0, on_hand=0, min_order_qty=10, pack_size=4))
    assert found.quantity == 12
    assert "3 packs of 4" in found.why


def test_rule_26_waitlisted_requests_count_as_demand() -> None:
    assert suggest(Demand(waiting=0, on_order=0, on_hand=0, waitlist=7)).quantity == 7


def test_free_stock_counts_against_the_safety_stock() -> None:
    assert suggest(Demand(waiting=0, on_order=0, on_hand=3, safety_stock=5)).quantity == 2


def test_the_reason_names_every_figure() -> None:
    why = suggest(
        Demand(waiting=8, on_order=2, on_hand=1, safety_stock=4, waitlist=1, pack_size=5)
    ).why
    assert why.startswith("8 waiting + 1 on the waitlist + 4 safety stock - 1 on hand")
    assert "- 2 already on order = 10 needed" in why
