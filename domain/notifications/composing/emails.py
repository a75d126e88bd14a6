"""What each email says, as frozen values built from the database by ``batch.py``. Pure.

Templates only format these. The rules that decide *what* to tell live here: how an order will
be split into parcels, and how several ETA changes of one line since the last email add up.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal

from domain.ordering import amounts
from domain.ordering.together import together
from domain.promises.eta import Window
from domain.vocabulary import EtaBasis, ShipPreference


@dataclass(frozen=True)
class Line:
    id: int
    name: str
    sku: str
    quantity: int
    unit_price: Decimal
    allocated: int
    waiting: int
    shipped: int
    cancelled: int
    eta: Window
    released: bool  # False: a preorder before its release date
    promised: Window = Window(None, None, EtaBasis.UNKNOWN)
    placed_from_stock: int = 0  # units allocated from stock when the order was placed
    dropship: bool = False  # shipped by the maker straight to the customer (rule 25)

    def as_placed(self) -> Line:
        """The line as the customer saw it at checkout: the promise and the first split."""
        return replace(
            self,
            allocated=self.placed_from_stock,
            waiting=self.quantity - self.placed_from_stock,
            shipped=0,
            cancelled=0,
            eta=self.promised,
        )

    @property
    def open(self) -> int:
        return self.allocated + self.waiting

    @property
    def ships_now(self) -> int:
        """Units in stock that may leave now (DOMAIN.md rule 12, before the ship preference).
        The maker's units leave when the maker sends them: they wait for its window."""
        return self.allocated if self.released and not self.dropship else 0

    @property
    def waits(self) -> int:
        return self.open - self.ships_now


@dataclass(frozen=True)
class Order:
    id: int
    number: str
    customer_name: str
    shipping_name: str
    shipping_address: str
    ship_preference: ShipPreference
    link: str
    lines: tuple[Line, ...]

    def as_placed(self) -> Order:
        return replace(self, lines=tuple(line.as_placed() for line in self.lines))

    @property
    def open_lines(self) -> tuple[Line, ...]:
        return tuple(line for line in self.lines if line.open)

    @property
    def total(self) -> Decimal:
        """Every unit not cancelled (``ordering/amounts.py``)."""
        return amounts.total(self.lines)


@dataclass(frozen=True)
class Parcel:
    now: bool
    window: Window | None
    items: tuple[tuple[str, int], ...]


def plan_parcels(lines: tuple[Line, ...], preference: ShipPreference) -> tuple[Parcel, ...]:
    """How the open units will leave: what ships now, then one parcel per expected window.

    ``ship_complete`` holds everything for one parcel when the last unit is in.
    """
    makers = tuple(
        Parcel(False, line.eta, ((line.name, line.open),))
        for line in lines
        if line.open and line.dropship
    )
    return _shop_parcels([ln for ln in lines if ln.open and not ln.dropship], preference) + makers


def _shop_parcels(open_lines: list[Line], preference: ShipPreference) -> tuple[Parcel, ...]:
    if not open_lines:
        return ()
    if preference == ShipPreference.SHIP_COMPLETE:
        if all(line.waits == 0 for line in open_lines):
            return (Parcel(True, None, tuple((line.name, line.open) for line in open_lines)),)
        parcel = together(line.eta for line in open_lines if line.waits)
        last = None if parcel.latest is None else parcel
        return (Parcel(False, last, tuple((line.name, line.open) for line in open_lines)),)
    parcels = []
    now = tuple((line.name, line.ships_now) for line in open_lines if line.ships_now)
    if now:
        parcels.append(Parcel(True, None, now))
    later: dict[tuple[dt.date | None, dt.date | None], list[tuple[str, int]]] = {}
    for line in open_lines:
        if line.waits:
            later.setdefault((line.eta.earliest, line.eta.latest), []).append(
                (line.name, line.waits)
            )
    for (first, last_day), items in sorted(
        later.items(),
        key=lambda kv: (kv[0][1] is None, kv[0][1] or dt.date.min, kv[0][0] or dt.date.min),
    ):
        parcels.append(Parcel(False, Window(first, last_day, EtaBasis.UNKNOWN), tuple(items)))
    return tuple(parcels)


@dataclass(frozen=True)
class Confirmation:
    order: Order
    parcels: tuple[Parcel, ...]


@dataclass(frozen=True)
class Change:
    """One row of a line's ETA history."""

    id: int
    line_id: int
    event_id: int
    old: Window
    new: Window


@dataclass(frozen=True)
class Move:
    line_id: int
    name: str
    quantity: int
    old: Window
    new: Window

    @property
    def later(self) -> bool:
        """A delay, including a date that became unknown."""
        old, new = self.old, self.new
        if new.latest is None or old.latest is None:
            return new.latest is None and old.latest is not None
        return (new.latest, new.earliest or new.latest) > (old.latest, old.earliest or old.latest)

    @property
    def earlier(self) -> bool:
        """Good news, including a date that became known."""
        moved = (self.old.earliest, self.old.latest) != (self.new.earliest, self.new.latest)
        return moved and not self.later


def net_moves(changes: list[Change]) -> dict[int, tuple[Window, Window]]:
    """Per line: the window before the first change and after the last one.

    Lines that came back to where they were, or changed only their basis, have nothing to tell.
    """
    first: dict[int, Change] = {}
    last: dict[int, Change] = {}
    for change in sorted(changes, key=lambda c: c.id):
        first.setdefault(change.line_id, change)
        last[change.line_id] = change
    moves = {}
    for line_id, opening in first.items():
        old, new = opening.old, last[line_id].new
        if (old.earliest, old.latest) != (new.earliest, new.latest):
            moves[line_id] = (old, new)
    return moves


@dataclass(frozen=True)
class Notice:
    """DOMAIN.md rule 10: an open delay notice the customer answers on the order page."""

    id: int
    line_id: int
    name: str
    quantity: int  # units not shipped: cancelling the line refunds all of them
    waiting: int  # units the new date is about
    new: Window
    previous_latest: dt.date | None
    deadline: dt.date
    requires_answer: bool
    refund: Decimal


@dataclass(frozen=True)
class EtaUpdate:
    order: Order
    moves: tuple[Move, ...]
    reasons: tuple[str, ...]
    notices: tuple[Notice, ...]

    @property
    def later(self) -> bool:
        return any(move.later for move in self.moves) or bool(self.notices)

    @property
    def earlier(self) -> bool:
        return any(move.earlier for move in self.moves)

    @property
    def empty(self) -> bool:
        return not self.moves and not self.notices

    @property
    def other_moves(self) -> tuple[Move, ...]:
        """Moves of lines that have no delay notice of their own."""
        noticed = {notice.line_id for notice in self.notices}
        return tuple(move for move in self.moves if move.line_id not in noticed)


@dataclass(frozen=True)
class ShipmentSent:
    order: Order
    carrier: str
    tracking_number: str
    items: tuple[tuple[str, int], ...]
    coming: tuple[Parcel, ...]
    by_maker: bool = False  # rule 25: the maker sent it straight to the customer


@dataclass(frozen=True)
class Cancellation:
    order: Order
    items: tuple[tuple[str, int, Decimal], ...]  # name, units, refund

    @property
    def refund(self) -> Decimal:
        return sum((amount for _, _, amount in self.items), Decimal("0"))


@dataclass(frozen=True)
class Quote:
    number: str
    customer_name: str
    product_name: str
    choices: tuple[tuple[str, str], ...]  # option group, choice
    notes: str
    price: Decimal
    lead_time_days: int
    valid_until: dt.date
    window_if_accepted: Window
    link: str


@dataclass(frozen=True)
class OrderLink:
    number: str
    placed_on: dt.date
    link: str


@dataclass(frozen=True)
class Links:
    customer_name: str
    orders: tuple[OrderLink, ...]


@dataclass(frozen=True)
class SupplierLine:
    po_number: str
    sku: str
    name: str
    quantity: int  # still to come
    expected_date: dt.date
    confirmed_date: dt.date | None
    ship_to: str = ""  # a dropship line (rule 25): the customer's address


@dataclass(frozen=True)
class SupplierPurchaseOrder:
    """A PO emailed to its supplier (DOMAIN.md rule 24), or a reminder about it."""

    number: str
    supplier_name: str
    expected_date: dt.date
    lines: tuple[SupplierLine, ...]
    link: str
    reminder: str = ""  # "unconfirmed" or "overdue" for a reminder
    # Rule 25: the supplier ships these lines to customers; a cancellation names the line
    # the supplier must no longer send.
    dropship: bool = False
    cancelled: tuple[SupplierLine, ...] = ()

    def csv(self) -> str:
        """The lines as CSV (UTF-8, CRLF); text cells that a spreadsheet would run as a
        formula are prefixed with ``'`` (OWASP CSV injection)."""
        import csv
        import io

        def cell(value: str) -> str:
            return (
                "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r", "\n", "\0") else value
            )

        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        header = ["po", "sku", "name", "quantity", "expected_date", "confirmed_date"]
        writer.writerow([*header, "ship_to"] if self.dropship else header)
        for line in self.lines:
            row = [
                line.po_number,
                cell(line.sku),
                cell(line.name),
                line.quantity,
                line.expected_date.isoformat(),
                line.confirmed_date.isoformat() if line.confirmed_date else "",
            ]
            writer.writerow([*row, cell(line.ship_to)] if self.dropship else row)
        return out.getvalue()


@dataclass(frozen=True)
class WaitlistMail:
    """Rule 26: confirm an address on a waitlist, or tell it the product can be ordered."""

    product_name: str
    confirm_link: str
    leave_link: str
    product_link: str
    opening: bool = False  # False: the confirmation email
    eta: Window | None = None  # of the unit this address would order now


View = (
    Confirmation
    | EtaUpdate
    | ShipmentSent
    | Cancellation
    | Quote
    | Links
    | SupplierPurchaseOrder
    | WaitlistMail
)
