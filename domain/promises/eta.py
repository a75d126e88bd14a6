"""ETA rules (DOMAIN.md rule 2): time-phased available-to-promise over open PO lines.

Pure: no ORM, no clock. A product's supply becomes a list of *buckets*; a waiting line whose
cumulative position in the queue (its own units included) is at most a bucket's ``upto`` gets
that bucket's window. The last bucket is unbounded: supplier lead time from today.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from domain.context import Policy
from domain.promises.slips import SlipHistory, late_allowance, slip_allowance
from domain.vocabulary import AvailabilityMode, EtaBasis

UNBOUNDED = 2**62


@dataclass(frozen=True)
class Window:
    earliest: dt.date | None
    latest: dt.date | None
    basis: EtaBasis


UNKNOWN = Window(None, None, EtaBasis.UNKNOWN)


@dataclass(frozen=True)
class ProductTerms:
    mode: AvailabilityMode
    release_date: dt.date | None
    lead_time_days: int | None  # the product's own, else its supplier's
    # The product's supplier's slip history (rule 21): a lead time is a claim too.
    slips: SlipHistory | None = None


@dataclass(frozen=True)
class SupplyLine:
    po_line_id: int
    expected_date: dt.date
    remaining: int
    slips: SlipHistory | None = None  # the PO's supplier's slip history (rule 21)


@dataclass(frozen=True)
class Bucket:
    upto: int  # cumulative waiting units this bucket covers, inclusive
    window: Window
    po_line_id: int | None


@dataclass(frozen=True)
class QueuedLine:
    line_id: int
    waiting: int


def delivery_window(ship_date: dt.date, basis: EtaBasis, policy: Policy) -> Window:
    return Window(
        ship_date + dt.timedelta(days=policy.transit_days_min),
        ship_date + dt.timedelta(days=policy.transit_days_max),
        basis,
    )


def _released(terms: ProductTerms, ship_date: dt.date, basis: EtaBasis, policy: Policy) -> Window:
    """Nothing ships before a preorder's release date."""
    if terms.release_date is not None and terms.release_date > ship_date:
        return delivery_window(terms.release_date, EtaBasis.RELEASE_DATE, policy)
    return delivery_window(ship_date, basis, policy)


def ready_window(terms: ProductTerms, today: dt.date, policy: Policy) -> Window:
    """The window of units already allocated from stock."""
    return _released(terms, today, EtaBasis.IN_STOCK, policy)


def late_window(
    terms: ProductTerms,
    expected: dt.date,
    today: dt.date,
    policy: Policy,
    slips: SlipHistory | None = None,
) -> Window:
    """DOMAIN.md rule 20 for a PO expected before today: the goods are expected from today to
    at most ``late_delivery_margin_days`` from today, and the delivery follows by transit.

    With a slip history (rule 21) the end is the confirmed date plus the slip that covers the
    configured share of this supplier's deliveries that were already this late
    (:func:`domain.promises.slips.late_allowance`); the margin rule below is the fallback
    when no delivery in the store was ever this late.

    The end steps by the margin from the expected date (expected + margin, + 2 margins, ...)
    rather than sliding a day a day, so that a late delivery is told once per margin, not
    every morning. A simple rule until the supplier's slip history (rule 21) gives the margin.
    Nothing ships before a preorder's release date; a release after the end makes the PO moot.
    """
    margin = max(policy.late_delivery_margin_days, 1)
    late_days = max((today - expected).days, 1)
    last = expected + dt.timedelta(days=margin * -(-late_days // margin))
    allowance = late_allowance(
        slips, (today - expected).days - 1, policy.slip_quantile, policy.slip_prior_strength
    )
    if allowance is not None:
        last = max(today, expected + dt.timedelta(days=allowance))
    first = today
    if terms.release_date is not None and terms.release_date >= last:
        return delivery_window(terms.release_date, EtaBasis.RELEASE_DATE, policy)
    if terms.release_date is not None:
        first = max(first, terms.release_date)
    return Window(
        first + dt.timedelta(days=policy.transit_days_min),
        last + dt.timedelta(days=policy.transit_days_max),
        EtaBasis.LATE_DELIVERY,
    )


def _slipped(window: Window, allowance: int) -> Window:
    """Rule 21: a PO's window ends ``allowance`` days later; ``earliest`` stays the date.

    A window from the supplier's lead time is widened alike: the PO it will become carries
    that supplier's date, so a line promised from the lead time keeps its promise when the
    PO is placed (and a release date is a date of our own: never widened)."""
    if allowance <= 0 or window.latest is None:
        return window
    if window.basis not in (EtaBasis.PURCHASE_ORDER, EtaBasis.LEAD_TIME):
        return window
    return Window(window.earliest, window.latest + dt.timedelta(days=allowance), window.basis)


def build_window(start: dt.date, lead_time_days: int, policy: Policy) -> Window:
    return delivery_window(start + dt.timedelta(days=lead_time_days), EtaBasis.BUILD, policy)


def overdue_build_window(ship_date: dt.date, today: dt.date, policy: Policy) -> Window:
    """Rules 18-19 for a build (made to order, custom) not ready by its date: the goods are
    expected from today, and the end steps by ``late_delivery_margin_days`` from the date it
    was due (due + margin, + 2 margins, ...), as a late PO's does, so that a late build is
    told once per margin, not every morning."""
    margin = max(policy.late_delivery_margin_days, 1)
    late_days = max((today - ship_date).days, 1)
    last = ship_date + dt.timedelta(days=margin * -(-late_days // margin))
    return Window(
        today + dt.timedelta(days=policy.transit_days_min),
        max(last, today) + dt.timedelta(days=policy.transit_days_max),
        EtaBasis.BUILD,
    )


def dropship_window(terms: ProductTerms, today: dt.date, policy: Policy) -> Window:
    """Rule 25: the maker ships after its lead time (the product's, else its supplier's), not
    before a preorder's release; the store's transit days bring it to the customer."""
    ship_date = today + dt.timedelta(days=terms.lead_time_days or 0)
    if terms.release_date is not None and terms.release_date > ship_date:
        ship_date = terms.release_date
    return delivery_window(ship_date, EtaBasis.DROPSHIP, policy)


def is_queue_driven(mode: AvailabilityMode) -> bool:
    """Made-to-order and custom-build lines have a fixed build date; queue position is moot."""
    return mode in (AvailabilityMode.STOCKED, AvailabilityMode.PREORDER)


def supply_buckets(
    terms: ProductTerms, supply: Iterable[SupplyLine], today: dt.date, policy: Policy
) -> list[Bucket]:
    """Open PO lines in expected-date order, then supplier lead time beyond them.

    An overdue PO (expected before today) is late, not "arriving today": its units get the
    ``late_delivery`` window (rule 20).
    """
    buckets: list[Bucket] = []
    covered = 0
    for line in sorted(supply, key=lambda s: (s.expected_date, s.po_line_id)):
        if line.remaining <= 0:
            continue
        covered += line.remaining
        slips = line.slips if policy.slip_learning else None
        if line.expected_date < today:
            window = late_window(terms, line.expected_date, today, policy, slips)
        else:
            window = _slipped(
                _released(terms, line.expected_date, EtaBasis.PURCHASE_ORDER, policy),
                slip_allowance(slips, policy.slip_quantile, policy.slip_prior_strength),
            )
        buckets.append(Bucket(covered, window, line.po_line_id))
    if terms.lead_time_days is None:
        beyond = UNKNOWN
    else:
        beyond = _released(
            terms, today + dt.timedelta(days=terms.lead_time_days), EtaBasis.LEAD_TIME, policy
        )
        if policy.slip_learning:
            beyond = _slipped(
                beyond,
                slip_allowance(terms.slips, policy.slip_quantile, policy.slip_prior_strength),
            )
    buckets.append(Bucket(UNBOUNDED, beyond, None))
    return buckets


def bucket_for(buckets: Sequence[Bucket], position: int) -> Bucket:
    """The bucket that covers the unit at ``position`` (1-based cumulative count)."""
    for bucket in buckets:
        if position <= bucket.upto:
            return bucket
    return buckets[-1]


def assign(queue: Iterable[QueuedLine], buckets: Sequence[Bucket]) -> dict[int, Bucket]:
    """Each waiting line's bucket, from the queue in allocation order: its last unit decides."""
    result: dict[int, Bucket] = {}
    position = 0
    for line in queue:
        position += line.waiting
        result[line.line_id] = bucket_for(buckets, position)
    return result


def days_moved(old: Window, new: Window) -> int:
    """The largest move of either bound, in days; a switch to or from unknown counts as large."""
    moves = []
    for before, after in ((old.earliest, new.earliest), (old.latest, new.latest)):
        if before is None or after is None:
            if before != after:
                return UNBOUNDED
            continue
        moves.append(abs((after - before).days))
    return max(moves, default=0)


def is_material(old: Window, new: Window, threshold_days: int) -> bool:
    """DOMAIN.md rule 9: smaller moves are recorded but not emailed."""
    return days_moved(old, new) >= threshold_days


def is_delay_past(reference_latest: dt.date | None, new: Window) -> bool:
    """A delay notice is due when the new latest date passes the promised (or consented) one."""
    if reference_latest is None or new.latest is None:
        return False
    return new.latest > reference_latest
