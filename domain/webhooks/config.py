"""How the webhook sender behaves; built from Settings by the composition root."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WebhookConfig:
    production: bool = False
    # Outside production, targets on loopback (127.0.0.1, ::1) are allowed: a receiver on the
    # developer's machine. Private, link-local and other non-global addresses never are.
    allow_loopback: bool = True
    poll_interval: float = 1.0
    batch_size: int = 400  # deliveries in hand at once, all targets together
    per_target: int = 4  # deliveries in flight at once to one subscription
    lease: float = 60.0  # must exceed timeout by far: a row in hand is not claimed again
    timeout: float = 10.0
    backoff_base: float = 5.0
    backoff_max: float = 3600.0
    give_up_after: float = 3 * 86400.0
    max_response_bytes: int = 4096

    @property
    def loopback_allowed(self) -> bool:
        return self.allow_loopback and not self.production
