"""The simulated world: suppliers, customers and the store's buyer; fixed, never tuned.

The policy (how windows are built) is what the simulator compares; the world is what it is
compared on. :data:`DEFAULT_WORLD` is the world of the issue's targets, and
``simulation/default_world.toml`` spells the same world as a file (a test keeps them equal):
``--world FILE`` replaces it with a file of the same shape, every key required.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

DEFAULT_FILE = Path(__file__).with_name("default_world.toml")


class WorldError(ValueError):
    """A world file that cannot be used; the message names the key."""


@dataclass(frozen=True)
class Span:
    """Whole numbers drawn uniformly from ``low`` to ``high`` inclusive."""

    low: int
    high: int


@dataclass(frozen=True)
class Share:
    """A share drawn uniformly from ``low`` to ``high``."""

    low: float
    high: float


@dataclass(frozen=True)
class SupplierProfile:
    name: str
    share: float  # of suppliers
    on_time: float  # deliveries by the confirmed date
    late_days: Span
    early: float  # deliveries before the confirmed date
    early_days: Span


@dataclass(frozen=True)
class Store:
    start: dt.date
    products: int
    suppliers: int
    orders_per_year: int
    lines_per_order: tuple[int, ...]
    units_per_line: tuple[int, ...]
    popularity: float
    ship_complete_share: float
    initial_stock_days: int
    lead_time_days: Span


@dataclass(frozen=True)
class Demand:
    seasonality: tuple[float, ...]  # 12 months
    burst_chance: float
    burst_orders: Span
    burst_days: Span


@dataclass(frozen=True)
class Buying:
    reorder_days: int
    order_up_to_days: int
    partial_receipt_chance: float
    partial_first_share: Share
    partial_rest_days: Span


@dataclass(frozen=True)
class Cancellation:
    daily_chance: float
    after_notice: float
    keep_after_notice: float


@dataclass(frozen=True)
class World:
    store: Store
    demand: Demand
    buying: Buying
    cancellation: Cancellation
    suppliers: tuple[SupplierProfile, ...]


DEFAULT_WORLD = World(
    store=Store(
        start=dt.date(2027, 1, 4),
        products=300,
        suppliers=40,
        orders_per_year=20000,
        lines_per_order=(1, 1, 1, 2, 2, 3),
        units_per_line=(1, 1, 1, 1, 2, 2, 3),
        popularity=1.1,
        ship_complete_share=0.2,
        initial_stock_days=14,
        lead_time_days=Span(7, 35),
    ),
    demand=Demand(
        seasonality=(0.8, 0.75, 0.9, 1.0, 1.05, 1.15, 1.2, 1.0, 0.95, 1.0, 1.15, 1.45),
        burst_chance=0.03,
        burst_orders=Span(5, 30),
        burst_days=Span(1, 4),
    ),
    buying=Buying(
        reorder_days=0,
        order_up_to_days=14,
        partial_receipt_chance=0.15,
        partial_first_share=Share(0.5, 0.9),
        partial_rest_days=Span(1, 10),
    ),
    cancellation=Cancellation(daily_chance=0.002, after_notice=0.3, keep_after_notice=0.4),
    suppliers=(
        SupplierProfile("reliable", 0.70, 0.97, Span(1, 5), 0.04, Span(1, 3)),
        SupplierProfile("average", 0.25, 0.88, Span(1, 14), 0.04, Span(1, 3)),
        SupplierProfile("unreliable", 0.05, 0.60, Span(3, 30), 0.03, Span(1, 3)),
    ),
)

T = TypeVar("T")


class _Reader:
    """Reads one table of the file; every failure names the key as ``table.key``."""

    def __init__(self, data: Any, path: str) -> None:
        if not isinstance(data, dict):
            raise WorldError(f"{path}: must be a table")
        self.data = data
        self.path = path
        self.seen: set[str] = set()

    def key(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def raw(self, name: str) -> Any:
        if name not in self.data:
            raise WorldError(f"{self.key(name)}: missing")
        self.seen.add(name)
        return self.data[name]

    def table(self, name: str) -> _Reader:
        return _Reader(self.raw(name), self.key(name))

    def done(self) -> None:
        unknown = sorted(set(self.data) - self.seen)
        if unknown:
            raise WorldError(f"{self.key(unknown[0])}: unknown key")

    def _number(self, name: str, value: Any, kind: type, low: float, high: float) -> Any:
        ok = isinstance(value, kind) and not isinstance(value, bool)
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value, ok = float(value), True
        if not ok:
            raise WorldError(f"{self.key(name)}: must be {_kind(kind)}")
        if not low <= value <= high:
            raise WorldError(f"{self.key(name)}: must be between {low:g} and {high:g}")
        return value

    def whole(self, name: str, low: int, high: int) -> int:
        return int(self._number(name, self.raw(name), int, low, high))

    def share(self, name: str) -> float:
        return float(self._number(name, self.raw(name), float, 0.0, 1.0))

    def number(self, name: str, low: float, high: float) -> float:
        return float(self._number(name, self.raw(name), float, low, high))

    def ints(self, name: str, low: int, high: int, size: tuple[int, int]) -> tuple[int, ...]:
        return tuple(self._list(name, size, lambda v: self._number(name, v, int, low, high)))

    def floats(
        self, name: str, low: float, high: float, size: tuple[int, int]
    ) -> tuple[float, ...]:
        return tuple(self._list(name, size, lambda v: self._number(name, v, float, low, high)))

    def _list(self, name: str, size: tuple[int, int], each: Callable[[Any], T]) -> list[T]:
        value = self.raw(name)
        if not isinstance(value, list) or not size[0] <= len(value) <= size[1]:
            count = f"{size[0]}" if size[0] == size[1] else f"{size[0]} to {size[1]}"
            raise WorldError(f"{self.key(name)}: must be a list of {count} numbers")
        return [each(v) for v in value]

    def span(self, name: str, low: int, high: int) -> Span:
        first, last = self.ints(name, low, high, (2, 2))
        if first > last:
            raise WorldError(f"{self.key(name)}: the first number must not exceed the second")
        return Span(first, last)

    def share_span(self, name: str) -> Share:
        first, last = self.floats(name, 0.0, 1.0, (2, 2))
        if first > last:
            raise WorldError(f"{self.key(name)}: the first number must not exceed the second")
        return Share(first, last)

    def date(self, name: str) -> dt.date:
        value = self.raw(name)
        if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
            raise WorldError(f"{self.key(name)}: must be a date such as 2027-01-04")
        return value


def _kind(kind: type) -> str:
    return "a whole number" if kind is int else "a number"


def _profile(name: str, t: _Reader) -> SupplierProfile:
    profile = SupplierProfile(
        name=name,
        share=t.share("share"),
        on_time=t.share("on_time"),
        late_days=t.span("late_days", 1, 365),
        early=t.share("early"),
        early_days=t.span("early_days", 1, 365),
    )
    if profile.early > profile.on_time:
        raise WorldError(f"{t.key('early')}: early deliveries are on time too: at most on_time")
    t.done()
    return profile


def parse_world(data: dict[str, Any]) -> World:
    """A world from a parsed TOML document; :class:`WorldError` names the key at fault."""
    top = _Reader(data, "")
    s = top.table("store")
    store = Store(
        start=s.date("start"),
        products=s.whole("products", 1, 100_000),
        suppliers=s.whole("suppliers", 1, 10_000),
        orders_per_year=s.whole("orders_per_year", 0, 10_000_000),
        lines_per_order=s.ints("lines_per_order", 1, 100, (1, 1000)),
        units_per_line=s.ints("units_per_line", 1, 1000, (1, 1000)),
        popularity=s.number("popularity", 0.0, 10.0),
        ship_complete_share=s.share("ship_complete_share"),
        initial_stock_days=s.whole("initial_stock_days", 0, 3650),
        lead_time_days=s.span("lead_time_days", 1, 365),
    )
    s.done()
    d = top.table("demand")
    demand = Demand(
        seasonality=d.floats("seasonality", 0.0, 100.0, (12, 12)),
        burst_chance=d.share("burst_chance"),
        burst_orders=d.span("burst_orders", 0, 100_000),
        burst_days=d.span("burst_days", 1, 365),
    )
    if sum(demand.seasonality) <= 0:
        raise WorldError("demand.seasonality: at least one month must have demand")
    d.done()
    b = top.table("buying")
    buying = Buying(
        reorder_days=b.whole("reorder_days", 0, 3650),
        order_up_to_days=b.whole("order_up_to_days", 1, 3650),
        partial_receipt_chance=b.share("partial_receipt_chance"),
        partial_first_share=b.share_span("partial_first_share"),
        partial_rest_days=b.span("partial_rest_days", 1, 365),
    )
    if buying.order_up_to_days < buying.reorder_days:
        raise WorldError("buying.order_up_to_days: must be at least reorder_days")
    b.done()
    c = top.table("cancellation")
    cancellation = Cancellation(
        daily_chance=c.share("daily_chance"),
        after_notice=c.share("after_notice"),
        keep_after_notice=c.share("keep_after_notice"),
    )
    if cancellation.after_notice + cancellation.keep_after_notice > 1.0:
        raise WorldError("cancellation.keep_after_notice: with after_notice, at most 1")
    c.done()
    p = top.table("suppliers")
    if not p.data:
        raise WorldError("suppliers: name at least one profile")
    profiles = tuple(_profile(name, p.table(name)) for name in p.data)
    total = sum(profile.share for profile in profiles)
    if abs(total - 1.0) > 1e-6:
        raise WorldError(
            f"suppliers: the profiles' shares must add up to 1 (they add to {total:g})"
        )
    top.done()
    return World(store, demand, buying, cancellation, profiles)


def load_world(path: str | Path) -> World:
    """The world of a TOML file, or :class:`WorldError` with the file and key at fault."""
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except OSError as error:
        raise WorldError(f"{path}: {error.strerror or error}") from None
    except tomllib.TOMLDecodeError as error:
        raise WorldError(f"{path}: not TOML: {error}") from None
    try:
        return parse_world(data)
    except WorldError as error:
        raise WorldError(f"{path}: {error}") from None
