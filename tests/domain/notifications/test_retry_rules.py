"""Transient or permanent, and when to try again (retry.py). Pure."""

from __future__ import annotations

import datetime as dt

import pytest

from domain.outbox.retry import Failure, Scope, backoff_seconds, decide, is_permanent

NOW = dt.datetime(2027, 3, 1, 12, tzinfo=dt.UTC)


def _decide(failure: Failure, *, attempts: int = 1, age: float = 10.0, jitter: float = 0.5):  # type: ignore[no-untyped-def]
    return decide(
        failure,
        attempts=attempts,
        created_at=NOW - dt.timedelta(seconds=age),
        now=NOW,
        base=5.0,
        cap=900.0,
        give_up_after=3600.0,
        jitter=jitter,
    )


@pytest.mark.parametrize(
    ("failure", "permanent"),
    [
        (Failure(Scope.MESSAGE, "mailbox busy", 451), False),
        (Failure(Scope.MESSAGE, "no such user", 550), True),
        (Failure(Scope.MESSAGE, "timeout during DATA", None), False),
        (Failure(Scope.SERVER, "connection refused", None), False),
        (Failure(Scope.SERVER, "authentication failed", 535), False),  # our config, not the message
        (Failure(Scope.CONTENT, "header refused"), True),
    ],
)
def test_4xx_and_server_failures_are_transient_5xx_and_bad_content_permanent(
    failure: Failure, permanent: bool
) -> None:
    assert is_permanent(failure) is permanent
    assert _decide(failure).dead is permanent


def test_backoff_doubles_up_to_the_cap_with_equal_jitter() -> None:
    assert backoff_seconds(1, 5, 900, 0.0) == 2.5 and backoff_seconds(1, 5, 900, 0.999) < 5
    assert backoff_seconds(2, 5, 900, 0.0) == 5.0
    assert backoff_seconds(4, 5, 900, 0.0) == 20.0
    assert backoff_seconds(50, 5, 900, 0.0) == 450.0
    assert backoff_seconds(50, 5, 900, 0.999) < 900


def test_a_transient_failure_is_retried_later() -> None:
    decision = _decide(Failure(Scope.MESSAGE, "busy", 451), attempts=3, jitter=0.0)
    assert not decision.dead
    assert decision.next_attempt_at == NOW + dt.timedelta(seconds=10)
    assert "451 busy" in decision.reason


def test_retries_stop_after_the_give_up_age() -> None:
    decision = _decide(Failure(Scope.SERVER, "refused"), attempts=12, age=3600.0)
    assert decision.dead
    assert decision.reason.startswith("gave up after 12 attempts over 3600 s; last error: refused")


def test_a_permanent_failure_says_so() -> None:
    decision = _decide(Failure(Scope.MESSAGE, "5.1.1 no such mailbox", 550))
    assert decision.reason == "permanent failure: 550 5.1.1 no such mailbox"
