"""How well promises were kept (DOMAIN.md rule 22): the arithmetic, over plain rows.

No database, no clock: :mod:`domain.reporting.promises` reads the rows, this module counts.
Days are signed: a positive slack or warning is that many days early, a negative one late.
A median of an even number of values is the mean of the two middle ones.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

STOCK = "stock"  # lines filled from stock on hand, never from a receipt
NONE = "none"  # lines no supply can be traced to

K = TypeVar("K")


@dataclass(frozen=True)
class DeliveredLine:
    """A line with nothing left to ship, judged on the day it was delivered by."""

    supplier: str  # a supplier's name, STOCK or NONE
    delivered: dt.date
    promised_latest: dt.date  # the first promise: the window given when the order was placed
    told_latest: dt.date  # the last window told before delivery (the promise if none since)
    waited: bool  # did the line ever wait for supply
    eta_emails: int  # ETA emails (changes and delay notices) its order received about it


@dataclass(frozen=True)
class NoticeRow:
    """A delay notice: the day it was sent and the latest date then in force."""

    supplier: str
    sent: dt.date
    in_force: dt.date

    @property
    def warning_days(self) -> int:
        return (self.in_force - self.sent).days

    @property
    def in_time(self) -> bool:
        """Told on or before the last day of the window in force: before that date passed."""
        return self.warning_days >= 0


def _share(part: int, whole: int) -> float | None:
    return None if whole == 0 else 100.0 * part / whole


def _median(values: list[int]) -> float | None:
    return float(statistics.median(values)) if values else None


@dataclass(frozen=True)
class PromiseFigures:
    delivered: int  # lines delivered
    first_kept: int  # ... on or before their first promised latest date
    last_kept: int  # ... on or before the latest date last told before delivery
    notices: int  # delay notices sent
    notices_in_time: int  # ... on or before the latest date then in force
    median_warning_days: float | None  # days between a notice and the date it warned about
    waiting_lines: int  # delivered lines that ever waited
    eta_emails: int  # ETA emails about those lines
    median_slack_days: float | None  # first promised latest date less the delivery day

    @property
    def first_kept_percent(self) -> float | None:
        return _share(self.first_kept, self.delivered)

    @property
    def last_kept_percent(self) -> float | None:
        return _share(self.last_kept, self.delivered)

    @property
    def notices_in_time_percent(self) -> float | None:
        return _share(self.notices_in_time, self.notices)

    @property
    def eta_emails_per_waiting_line(self) -> float | None:
        return None if self.waiting_lines == 0 else self.eta_emails / self.waiting_lines


def promise_figures(lines: Iterable[DeliveredLine], notices: Iterable[NoticeRow]) -> PromiseFigures:
    lines = list(lines)
    notices = list(notices)
    waited = [line for line in lines if line.waited]
    return PromiseFigures(
        delivered=len(lines),
        first_kept=sum(1 for line in lines if line.delivered <= line.promised_latest),
        last_kept=sum(1 for line in lines if line.delivered <= line.told_latest),
        notices=len(notices),
        notices_in_time=sum(1 for notice in notices if notice.in_time),
        median_warning_days=_median([notice.warning_days for notice in notices]),
        waiting_lines=len(waited),
        eta_emails=sum(line.eta_emails for line in waited),
        median_slack_days=_median([(line.promised_latest - line.delivered).days for line in lines]),
    )


def monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


@dataclass(frozen=True)
class WeekFigures:
    start: dt.date  # the Monday of an ISO week

    figures: PromiseFigures

    @property
    def iso_week(self) -> str:
        year, week, _ = self.start.isocalendar()
        return f"{year}-W{week:02d}"


@dataclass(frozen=True)
class SupplierFigures:
    supplier: str
    figures: PromiseFigures


@dataclass(frozen=True)
class PromiseReport:
    """Lines by the week they were delivered, notices by the week they were sent."""

    weeks_from: dt.date  # the first Monday
    weeks_to: dt.date  # the last Monday
    overall: PromiseFigures
    suppliers: tuple[SupplierFigures, ...]  # by name; STOCK and NONE last
    weeks: tuple[WeekFigures, ...]  # every week from the first to the last, oldest first


def _grouped(
    lines: list[DeliveredLine],
    notices: list[NoticeRow],
    line_key: Callable[[DeliveredLine], K],
    notice_key: Callable[[NoticeRow], K],
) -> dict[K, PromiseFigures]:
    by_lines: dict[K, list[DeliveredLine]] = {}
    by_notices: dict[K, list[NoticeRow]] = {}
    for line in lines:
        by_lines.setdefault(line_key(line), []).append(line)
    for notice in notices:
        by_notices.setdefault(notice_key(notice), []).append(notice)
    return {
        key: promise_figures(by_lines.get(key, []), by_notices.get(key, []))
        for key in by_lines.keys() | by_notices.keys()
    }


def promise_report(
    lines: Iterable[DeliveredLine], notices: Iterable[NoticeRow], *, first: dt.date, last: dt.date
) -> PromiseReport:
    """Figures overall, per supplier and per week for the weeks ``first`` to ``last``.

    Lines delivered and notices sent outside those weeks are left out.
    """
    first, last = monday(first), monday(last)
    end = last + dt.timedelta(days=7)
    kept_lines = [line for line in lines if first <= line.delivered < end]
    kept_notices = [notice for notice in notices if first <= notice.sent < end]
    suppliers = _grouped(kept_lines, kept_notices, lambda r: r.supplier, lambda r: r.supplier)
    weeks = _grouped(
        kept_lines, kept_notices, lambda r: monday(r.delivered), lambda r: monday(r.sent)
    )
    empty = promise_figures([], [])
    count = (last - first).days // 7 + 1
    mondays = [first + dt.timedelta(weeks=n) for n in range(count)]
    return PromiseReport(
        weeks_from=first,
        weeks_to=last,
        overall=promise_figures(kept_lines, kept_notices),
        suppliers=tuple(
            SupplierFigures(name, suppliers[name])
            for name in sorted(suppliers, key=lambda name: (name in (STOCK, NONE), name))
        ),
        weeks=tuple(WeekFigures(day, weeks.get(day, empty)) for day in mondays),
    )
