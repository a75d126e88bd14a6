"""The counts an ETA event's payload reports, from what it did or, with ``dryRun``, would do."""

from __future__ import annotations

from typing import Any

from domain.ordering.impact import EventImpact
from domain.ordering.queue import Recomputed


def done_counts(impact: Recomputed) -> dict[str, Any]:
    return {
        "lines_moved": impact.lines_moved,
        "orders_moved": impact.orders_moved,
        "emails_queued": impact.emails_queued,
        "delay_notices": impact.delay_notices,
    }


def previewed_counts(impact: EventImpact) -> dict[str, Any]:
    return {
        "dry_run": True,
        "lines_moved": impact.lines_moved,
        "orders_moved": impact.orders_moved,
        "emails_queued": impact.emails_queued,
        "customers_emailed": impact.customers_emailed,
        "delay_notices": impact.delay_notices,
    }
