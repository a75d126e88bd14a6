"""What every service is told besides its input: who acts, when, and under which policy."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from domain.ratelimit.rates import RateLimits


@dataclass(frozen=True)
class Policy:
    """Business settings the rules depend on; built from Settings by the composition root."""

    secret_key: str = "development-secret-key-change-me"
    store_timezone: str = "UTC"
    email_threshold_days: int = 2
    transit_days_min: int = 2
    transit_days_max: int = 5
    delay_answer_days: int = 7
    quote_valid_days: int = 14
    # DOMAIN.md rule 20, a simple rule until supplier slip history (rule 21) replaces it: goods
    # of an overdue PO are expected from today to this many days from today.
    late_delivery_margin_days: int = 7
    # DOMAIN.md rule 21 (domain/promises/slips.py): a PO's window covers this share of its
    # supplier's deliveries, the supplier's history shrunk toward the store's with this many
    # deliveries' weight.
    slip_quantile: float = 0.9
    slip_prior_strength: int = 5
    # False takes every supplier's date at its word (the simulator's ``face-value`` policy):
    # no slip history widens a window, and an overdue PO falls back to the margin rule.
    slip_learning: bool = True
    # Housekeeping by the clock: idempotency keys are forgotten after this many days (a retry
    # older than that creates anew), sent emails and delivered webhooks are deleted after these.
    idempotency_retention_days: int = 30
    sent_mail_retention_days: int = 90
    sent_webhook_retention_days: int = 30
    # DOMAIN.md rule 24 (domain/supply): a supplier's link stays valid this many days past the
    # PO's expected date; a supplier's change of date or quantity waits for staff approval or
    # applies at once; a supplier is reminded at most once per this many days.
    supplier_link_days: int = 60
    supplier_changes_need_approval: bool = False
    supplier_reminder_days: int = 3
    base_url: str = "http://127.0.0.1:8000"
    # Where product images are stored (Settings.media_dir); served under /media.
    media_dir: str = "var/media"
    currency: str = "EUR"
    limits: RateLimits = field(default_factory=RateLimits)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.store_timezone)


@dataclass(frozen=True)
class Actor:
    """Who makes a change: ``customer:ada@example.com``, ``staff:3``, ``token:7``, ``system``."""

    kind: str
    ident: str = ""
    scopes: frozenset[str] = field(default_factory=frozenset)

    def __str__(self) -> str:
        return f"{self.kind}:{self.ident}" if self.ident else self.kind


SYSTEM = Actor("system")


@dataclass(frozen=True)
class Context:
    actor: Actor
    now: dt.datetime
    policy: Policy = field(default_factory=Policy)

    def __post_init__(self) -> None:
        if self.now.tzinfo is None:
            raise ValueError("Context.now must be timezone-aware")
        object.__setattr__(self, "now", self.now.astimezone(dt.UTC))

    @property
    def today(self) -> dt.date:
        return self.now.astimezone(self.policy.zone).date()

    @staticmethod
    def system(policy: Policy | None = None, now: dt.datetime | None = None) -> Context:
        return Context(SYSTEM, now or dt.datetime.now(dt.UTC), policy or Policy())
