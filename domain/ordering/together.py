"""Ship-together dates (DOMAIN.md, "ship preference"). Pure.

Under ``ship_complete`` nothing leaves before the last unit is in, so every line still to ship
arrives in one parcel: each such line's window is the order's latest one, whatever its own
supply says. This is the one home of that rule. It is applied where windows are shown (the
read model both doors use, and the emails) and to the promise made at placing; the stored
``eta_*`` of a line stays its own supply date, so the queue, its ETA history and delay notices
keep following real supply, and a change of preference re-shows the right dates at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from domain.promises.eta import Window
from domain.vocabulary import EtaBasis, ShipPreference


class HasWindow(Protocol):
    @property
    def open(self) -> int: ...  # units still to ship: allocated + waiting

    @property
    def eta(self) -> Window: ...


def together(windows: Iterable[Window]) -> Window:
    """The window of one parcel that waits for all of ``windows``: the latest of each bound.

    An unknown date among them leaves the parcel's date unknown too.
    """
    known = list(windows)
    if not known:
        return Window(None, None, EtaBasis.UNKNOWN)
    for window in known:
        if window.earliest is None or window.latest is None:
            return Window(None, None, window.basis)
    last = max(known, key=lambda w: (w.latest, w.earliest))
    return Window(max(w.earliest for w in known if w.earliest), last.latest, last.basis)


def shown_windows(lines: Sequence[HasWindow], preference: ShipPreference) -> list[Window]:
    """Each line's window as the customer is told it, in the order of ``lines``.

    Lines with nothing left to ship keep their own window.
    """
    own = [line.eta for line in lines]
    if preference != ShipPreference.SHIP_COMPLETE:
        return own
    open_ = [line.eta for line in lines if line.open > 0]
    if len(open_) < 2:
        return own
    parcel = together(open_)
    return [parcel if line.open > 0 else line.eta for line in lines]
