"""The configured rates: how many calls per period each limited door lets through.

A rate reads ``30/15min``: thirty at once, then one more every half minute (GCRA: a burst of
the whole limit, refilled evenly over the period). ``off`` lets everything through.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields

UNITS = {"s": 1, "min": 60, "h": 3600, "d": 86400}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*(s|min|h|d)\s*$")


@dataclass(frozen=True)
class Rate:
    limit: int
    period: float  # seconds

    def __post_init__(self) -> None:
        if self.limit < 1 or self.period <= 0:
            raise ValueError("a rate lets at least one call through in a positive period")

    @property
    def interval(self) -> float:
        """Seconds between calls once the burst is spent."""
        return self.period / self.limit

    @staticmethod
    def parse(text: str) -> Rate | None:
        """``60/h``, ``30/15min``, ``1200/min``; ``off`` (or empty) for no limit."""
        if text.strip().lower() in ("", "off"):
            return None
        found = _RATE.match(text)
        if not found:
            raise ValueError(f"a rate is written like 60/h or 30/15min, not {text!r}")
        count, times, unit = found.groups()
        return Rate(int(count), int(times or 1) * UNITS[unit])

    def __str__(self) -> str:
        for unit, seconds in reversed(UNITS.items()):
            if self.period % seconds == 0:
                times = int(self.period // seconds)
                return f"{self.limit}/{times if times > 1 else ''}{unit}"
        return f"{self.limit}/{self.period:g}s"


@dataclass(frozen=True)
class RateLimits:
    """One rate per limited door and key; None switches one off. Defaults a real shop lives with:
    an office or a phone network behind one address stays well inside them."""

    sign_in_client: Rate | None = Rate(30, 15 * 60)
    sign_in_account: Rate | None = Rate(10, 15 * 60)
    links_address: Rate | None = Rate(3, 3600)
    links_client: Rate | None = Rate(10, 3600)
    place_order_client: Rate | None = Rate(60, 3600)
    build_request_client: Rate | None = Rate(10, 3600)
    waitlist_client: Rate | None = Rate(10, 3600)
    waitlist_address: Rate | None = Rate(3, 3600)
    api_token: Rate | None = Rate(1200, 60)

    @classmethod
    def names(cls) -> list[str]:
        return [field.name for field in fields(cls)]

    def rate(self, name: str) -> Rate | None:
        if name not in self.names():
            raise KeyError(f"no rate limit named {name!r}")
        return getattr(self, name)  # type: ignore[no-any-return]
