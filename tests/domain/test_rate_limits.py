"""Rate limits (``domain.ratelimit``): a burst of the limit, then one per interval, whatever
the number of callers at once; the same statement on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

import pytest

from domain.context import Policy
from domain.customers.services import resend_order_links
from domain.errors import RateLimited
from domain.outbox.models import OutboxMessage
from domain.ratelimit.models import RateLimit
from domain.ratelimit.rates import Rate, RateLimits
from domain.ratelimit.services import check, hit
from domain.vocabulary import OutboxKind
from settings import Settings
from tests import builders as b

pytestmark = pytest.mark.usefixtures("db")


def ctx_with(seconds: float = 0, **rates: Rate | None):  # type: ignore[no-untyped-def]
    policy = dataclasses.replace(b.POLICY, limits=dataclasses.replace(RateLimits(), **rates))
    return b.later(b.ctx(policy=policy), seconds=int(seconds))


async def test_a_key_gets_its_limit_at_once_then_one_call_per_interval() -> None:
    ctx = ctx_with(links_client=Rate(3, 60))
    verdicts = [await hit("links_client", "10.0.0.1", ctx=ctx) for _ in range(4)]
    assert [v.allowed for v in verdicts] == [True, True, True, False]
    assert verdicts[-1].retry_after == 20  # one call comes back every 60/3 seconds
    assert not (
        await hit("links_client", "10.0.0.1", ctx=ctx_with(19, links_client=Rate(3, 60)))
    ).allowed
    assert (
        await hit("links_client", "10.0.0.1", ctx=ctx_with(20, links_client=Rate(3, 60)))
    ).allowed
    assert (await hit("links_client", "10.0.0.2", ctx=ctx)).allowed  # another key, its own rate


async def test_fifty_parallel_calls_let_exactly_the_limit_through() -> None:
    ctx = ctx_with(place_order_client=Rate(10, 3600))
    verdicts = await asyncio.gather(
        *(hit("place_order_client", "10.0.0.9", ctx=ctx) for _ in range(50))
    )
    assert sum(v.allowed for v in verdicts) == 10
    assert await RateLimit.all().count() == 1


async def test_a_refused_call_raises_rate_limited_with_the_wait() -> None:
    ctx = ctx_with(build_request_client=Rate(1, 3600))
    await check("build_request_client", "10.0.0.3", ctx=ctx)
    with pytest.raises(RateLimited) as refused:
        await check("build_request_client", "10.0.0.3", ctx=ctx)
    assert refused.value.code == "rate_limited" and refused.value.retry_after == 3600


async def test_a_rate_switched_off_lets_everything_through_and_stores_nothing() -> None:
    ctx = ctx_with(api_token=None)
    assert all([(await hit("api_token", "7", ctx=ctx)).allowed for _ in range(30)])
    assert await RateLimit.all().count() == 0


async def test_keys_are_stored_hashed() -> None:
    await hit("links_address", "ada@example.com", ctx=b.ctx())
    row = await RateLimit.get()
    assert "ada" not in row.bucket and row.bucket.startswith("links_address:")


async def test_an_address_asked_for_fifteen_times_gets_at_most_its_rate_of_emails() -> None:
    await b.order((await b.product(on_hand=1), 1), email="ada@example.com")
    for _ in range(15):
        await resend_order_links("ada@example.com", ctx=b.ctx())
    queued = await OutboxMessage.filter(kind=OutboxKind.ORDER_LINKS).count()
    assert queued == RateLimits().links_address.limit == 3  # type: ignore[union-attr]
    for _ in range(5):  # an unknown address is counted alike, so the wait tells nothing
        await resend_order_links("stranger@example.com", ctx=b.ctx())
    assert not (await hit("links_address", "stranger@example.com", ctx=b.ctx())).allowed


def test_rates_read_as_count_per_period() -> None:
    assert Rate.parse("60/h") == Rate(60, 3600)
    assert Rate.parse("30/15min") == Rate(30, 900)
    assert Rate.parse(" 1200 / min ") == Rate(1200, 60)
    assert Rate.parse("off") is None
    assert str(Rate(30, 900)) == "30/15min" and str(Rate(3, 3600)) == "3/h"
    for bad in ("60", "0/h", "sixty/h", "60/week", "-1/h"):
        with pytest.raises(ValueError):
            Rate.parse(bad)


def test_the_policy_carries_the_default_limits() -> None:
    assert Policy().limits == RateLimits()
    with pytest.raises(KeyError):
        RateLimits().rate("no_such_limit")


def test_settings_read_each_rate_from_its_variable_and_name_it_when_wrong() -> None:
    settings = Settings.from_env(
        {"RATE_LIMIT_PLACE_ORDER_CLIENT": "5/min", "RATE_LIMIT_API_TOKEN": "off"}
    )
    assert settings.policy.limits.place_order_client == Rate(5, 60)
    assert settings.policy.limits.api_token is None
    assert settings.policy.limits.links_address == RateLimits().links_address
    with pytest.raises(ValueError, match="RATE_LIMIT_LINKS_ADDRESS"):
        Settings.from_env({"RATE_LIMIT_LINKS_ADDRESS": "lots"})


def test_the_readme_lists_every_rate_with_its_default() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    for name in RateLimits.names():
        row = f"| `{name.upper()}` | {RateLimits().rate(name)} |"
        assert row in readme, row
