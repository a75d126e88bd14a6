"""Rule 25's window, pure: the maker's lead time from today, never before a release, plus the
store's transit days; its basis says the maker ships it."""

from __future__ import annotations

import datetime as dt

from domain.context import Policy
from domain.promises.eta import ProductTerms, dropship_window
from domain.vocabulary import AvailabilityMode, EtaBasis

TODAY = dt.date(2027, 3, 1)
POLICY = Policy(transit_days_min=2, transit_days_max=5)


def test_a_dropship_window_is_the_makers_lead_time_plus_transit() -> None:
    terms = ProductTerms(AvailabilityMode.STOCKED, None, 10)
    window = dropship_window(terms, TODAY, POLICY)
    assert (window.earliest, window.latest, window.basis) == (
        dt.date(2027, 3, 13),
        dt.date(2027, 3, 16),
        EtaBasis.DROPSHIP,
    )


def test_a_dropship_preorder_is_not_sent_before_its_release() -> None:
    terms = ProductTerms(AvailabilityMode.PREORDER, dt.date(2027, 4, 1), 3)
    window = dropship_window(terms, TODAY, POLICY)
    assert (window.earliest, window.latest) == (dt.date(2027, 4, 3), dt.date(2027, 4, 6))


def test_a_maker_without_a_lead_time_ships_from_today() -> None:
    window = dropship_window(ProductTerms(AvailabilityMode.STOCKED, None, None), TODAY, POLICY)
    assert (window.earliest, window.latest) == (dt.date(2027, 3, 3), dt.date(2027, 3, 6))
