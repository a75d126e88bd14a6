"""What to do after a failed send: retry later, or give up at once. Pure: no clock, no I/O.

A failure has a *scope*:

- ``server``: connecting, greeting, TLS or login failed, or the connection broke. Nothing is
  wrong with the message, so it is always retried, whatever the reply code (a 535 from a
  wrongly configured login must not kill every email in the outbox);
- ``message``: the server answered this message: 4xx (or no answer) is transient, 5xx is
  permanent;
- ``content``: the message could not be rendered, or a header value was refused: permanent.

Retries wait ``base * 2**(attempt - 1)`` seconds, capped, with "equal jitter" (half fixed, half
random), so a fleet of messages that failed together does not return together. A failure of a
row older than ``give_up_after`` is final.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum


class Scope(StrEnum):
    SERVER = "server"
    MESSAGE = "message"
    CONTENT = "content"


@dataclass(frozen=True)
class Failure:
    scope: Scope
    reason: str
    code: int | None = None

    def __str__(self) -> str:
        prefix = f"{self.code} " if self.code is not None else ""
        return f"{prefix}{self.reason}"[:1000]


def is_permanent(failure: Failure) -> bool:
    if failure.scope == Scope.CONTENT:
        return True
    if failure.scope == Scope.SERVER:
        return False
    return failure.code is not None and 500 <= failure.code < 600


def backoff_seconds(attempt: int, base: float, cap: float, jitter: float) -> float:
    """Delay before attempt ``attempt + 1``; ``jitter`` is a random number in [0, 1)."""
    exponent = min(max(attempt - 1, 0), 32)
    ceiling: float = min(cap, base * float(2**exponent))
    return ceiling / 2 + ceiling / 2 * jitter


@dataclass(frozen=True)
class Decision:
    dead: bool
    reason: str
    next_attempt_at: dt.datetime | None = None


def decide(
    failure: Failure,
    *,
    attempts: int,
    created_at: dt.datetime,
    now: dt.datetime,
    base: float,
    cap: float,
    give_up_after: float,
    jitter: float,
) -> Decision:
    """Dead letter for a permanent failure or a row too old to retry; otherwise a new time."""
    if is_permanent(failure):
        return Decision(True, f"permanent failure: {failure}")
    age = (now - created_at).total_seconds()
    if age >= give_up_after:
        return Decision(
            True, f"gave up after {attempts} attempts over {age:.0f} s; last error: {failure}"
        )
    delay = backoff_seconds(attempts, base, cap, jitter)
    return Decision(False, f"will retry: {failure}", now + dt.timedelta(seconds=delay))
