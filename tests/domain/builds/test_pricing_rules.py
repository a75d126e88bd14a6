"""Custom-build quotes from options: DOMAIN.md rule 14 (builds/pricing.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from domain.builds.pricing import (
    Choice,
    Group,
    automatic_quote,
    doubled_groups,
    missing_groups,
    quote_expired,
    quote_has_expired,
)
from domain.vocabulary import BuildStatus

TODAY = dt.date(2027, 3, 1)
FRAME, ENGINE, EXTRAS = Group(1, "Frame", True), Group(2, "Engine", True), Group(3, "Extras", False)


def choice(choice_id: int, group: Group, price: str = "0", days: int = 0) -> Choice:
    return Choice(choice_id, group.id, Decimal(price), days)


def test_quote_adds_option_prices_and_lead_times_to_the_base() -> None:
    chosen = [choice(1, FRAME, "1500.00", 14), choice(2, ENGINE, "2500.50", 7)]
    quote = automatic_quote(Decimal("8000.00"), 30, chosen, TODAY, 14)
    assert quote.price == Decimal("12000.50")
    assert quote.lead_time_days == 51


def test_quote_is_valid_for_the_configured_days() -> None:
    quote = automatic_quote(Decimal("100"), 5, [], TODAY, 14)
    assert quote.valid_until == TODAY + dt.timedelta(days=14)


def test_quote_price_is_money_in_cents_never_a_float() -> None:
    quote = automatic_quote(Decimal("99.999"), 0, [choice(1, FRAME, "0.004")], TODAY, 1)
    assert isinstance(quote.price, Decimal)
    assert quote.price == Decimal("100.00") and quote.price.as_tuple().exponent == -2


def test_options_that_save_time_never_make_the_lead_time_negative() -> None:
    quote = automatic_quote(Decimal("100"), 5, [choice(1, FRAME, "-10", -9)], TODAY, 14)
    assert quote.lead_time_days == 0
    assert quote.price == Decimal("90.00")


def test_required_groups_without_a_choice_are_missing() -> None:
    groups = [FRAME, ENGINE, EXTRAS]
    assert missing_groups(groups, [choice(1, FRAME)]) == [ENGINE]
    assert missing_groups(groups, [choice(1, FRAME), choice(2, ENGINE)]) == []


def test_optional_groups_may_be_left_out() -> None:
    assert missing_groups([EXTRAS], []) == []


def test_two_choices_in_one_group_are_doubled() -> None:
    chosen = [choice(1, FRAME), choice(2, FRAME), choice(3, ENGINE), choice(4, EXTRAS)]
    assert doubled_groups(chosen) == {FRAME.id}
    assert doubled_groups([choice(1, FRAME), choice(3, ENGINE)]) == set()


def test_a_quote_can_be_accepted_through_its_last_valid_day_and_not_after() -> None:
    last_day = dt.date(2026, 12, 10)
    assert not quote_expired(last_day, dt.date(2026, 12, 9))
    assert not quote_expired(last_day, last_day)
    assert quote_expired(last_day, dt.date(2026, 12, 11))


def test_a_quote_has_expired_once_marked_or_once_past_its_last_day_before_the_clock_runs() -> None:
    last_day = dt.date(2026, 12, 10)
    assert not quote_has_expired(BuildStatus.QUOTED, last_day, last_day)
    assert quote_has_expired(BuildStatus.QUOTED, last_day, dt.date(2026, 12, 11))
    # The clock marked it: over even on a day its date would still allow.
    assert quote_has_expired(BuildStatus.EXPIRED, last_day, dt.date(2026, 12, 9))
