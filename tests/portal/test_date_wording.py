"""Date ranges read the same on every page and in every email: an en dash between the ends of
a window, an arrow between a moved estimate's old and new window, never ISO dates for staff."""

from __future__ import annotations

import datetime as dt

from domain.notifications.composing import words as wording
from domain.promises.eta import Window
from domain.vocabulary import EtaBasis
from portal import formatting
from portal.staff.formatting import detail

THIS_YEAR = dt.date.today().year


def window(first: tuple[int, int, int], last: tuple[int, int, int]) -> Window:
    return Window(dt.date(*first), dt.date(*last), EtaBasis.PURCHASE_ORDER)


def test_a_page_writes_a_window_with_an_en_dash() -> None:
    assert formatting.window(window((THIS_YEAR, 12, 8), (THIS_YEAR, 12, 11))) == "Dec 8\u201311"
    assert formatting.window(window((THIS_YEAR, 3, 30), (THIS_YEAR, 4, 2))) == "Mar 30 \u2013 Apr 2"
    later = THIS_YEAR + 1
    assert formatting.window(window((later, 3, 3), (later, 3, 6))) == f"Mar 3\u20136, {later}"


def test_a_moved_estimate_reads_old_window_arrow_new_window() -> None:
    old = window((THIS_YEAR, 12, 8), (THIS_YEAR, 12, 11))
    new = window((THIS_YEAR, 12, 12), (THIS_YEAR, 12, 15))
    assert formatting.change(old, new) == "Dec 8\u201311 \u2192 Dec 12\u201315"
    assert formatting.change(None, new) == "expected Dec 12\u201315"


def test_an_email_writes_a_window_with_the_same_en_dash_and_its_year() -> None:
    assert wording.window(window((2027, 3, 3), (2027, 3, 6))) == "3\u20136 March 2027"
    assert wording.window(window((2027, 3, 30), (2027, 4, 2))) == "30 March \u2013 2 April 2027"
    assert (
        wording.window(window((2026, 12, 30), (2027, 1, 2)))
        == "30 December 2026 \u2013 2 January 2027"
    )


def test_staff_read_a_po_date_change_in_the_dates_every_page_uses() -> None:
    stored = f"PO-7 now expected {THIS_YEAR}-12-12 (was {THIS_YEAR}-12-08): the 2024-01-01 ship"
    assert detail(stored) == "PO-7 now expected Dec 12 (was Dec 8): the 2024-01-01 ship"
    assert detail("PO-7: 3 units cancelled: late") == "PO-7: 3 units cancelled: late"
