"""Signatures a receiver can check from the README alone; targets that may not be reached;
hostile input on subscriptions named by field."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import pytest

from domain.errors import InvalidInput
from domain.webhooks.models import WebhookDelivery, WebhookSubscription
from domain.webhooks.services import MAX_SUBSCRIPTIONS, subscribe, update_subscription
from domain.webhooks.signing import sign
from domain.webhooks.targets import address_allowed, url_problem
from tests import builders as b
from tests.domain.webhooks.helpers import FAST, drain, sender, subscribed
from tests.domain.webhooks.receiver import receiving

README = Path(__file__).resolve().parents[3] / "README.md"


def readme_verifier() -> Any:
    """The receiver snippet of the README, run as written."""
    text = README.read_text()
    section = text[text.index("\n## Webhooks") :]
    [snippet] = re.findall(r"```python\n(.*?)```", section, re.S)
    scope: dict[str, Any] = {}
    exec(snippet, scope)  # noqa: S102 - the README's own code
    return scope["verify"]


def test_signature_matches_the_standard_webhooks_test_vector() -> None:
    assert (
        sign(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            b'{"test": 2432232314}',
        )
        == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    )


@pytest.mark.usefixtures("db")
async def test_a_receiver_written_from_the_readme_verifies_and_refuses_a_tampered_body() -> None:
    verify = readme_verifier()
    async with receiving() as receiver:
        sub = await subscribed(receiver.url(), "order.placed")
        await b.order((await b.product(on_hand=1), 1))
        await drain()
    [hit] = receiver.received
    assert verify(sub.secret, hit.headers, hit.body)
    assert not verify(sub.secret, hit.headers, hit.body.replace(b'"quantity":1', b'"quantity":2'))
    other = dict(hit.headers, **{"webhook-id": "msg_other"})
    assert not verify(sub.secret, other, hit.body)


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.0.0.5",
        "192.168.1.1",
        "172.16.0.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "::1",
        "fe80::1",
        "fc00::1",
        "::ffff:127.0.0.1",
        "64:ff9b::7f00:1",
        "2002:7f00:1::",
    ],
)
def test_private_loopback_and_link_local_targets_are_refused_in_production(address: str) -> None:
    assert not address_allowed(address, loopback=False)


def test_public_addresses_are_allowed_and_loopback_only_in_development() -> None:
    assert address_allowed("93.184.215.14", loopback=False)
    assert address_allowed("2606:4700::1111", loopback=False)
    assert address_allowed("127.0.0.1", loopback=True)
    assert not address_allowed("10.0.0.1", loopback=True)


def test_production_wants_https() -> None:
    assert url_problem("http://example.com/hook", production=True)
    assert url_problem("https://example.com/hook", production=True) is None
    assert url_problem("http://127.0.0.1:9/hook", production=False) is None


@pytest.mark.usefixtures("db")
async def test_ssrf_targets_are_refused_at_send_time_in_production() -> None:
    production = dataclasses.replace(FAST, production=True)
    async with receiving() as receiver:
        # Saved in development, when loopback was allowed; sent under production rules.
        await subscribed(receiver.url(), "order.placed")
        await subscribed("http://localhost:1/hook", "order.placed")
        await b.order((await b.product(on_hand=1), 1))
        stats = await sender(production).run(until_idle=True)
    assert receiver.received == []
    assert stats.sent == 0
    rows = await WebhookDelivery.all()
    assert rows and all("non-public address" in row.last_error for row in rows)


@pytest.mark.usefixtures("db")
@pytest.mark.parametrize(
    ("field", "arguments", "message"),
    [
        ("url", {"url": "not a url"}, "spaces"),
        ("url", {"url": "ftp://example.com/x"}, "http"),
        ("url", {"url": "https://" + "a" * 10_000 + ".com/"}, "at most"),
        ("url", {"url": "https://user:pw@example.com/"}, "password"),
        ("url", {"url": 12}, "URL"),
        ("events", {"events": ["order.placed", "order.exploded"]}, "order.exploded"),
        ("events", {"events": []}, "at least one"),
        ("events", {"events": "order.placed"}, "at least one"),
        ("events", {"events": ["x" * 10_000]}, "Unknown event"),
        ("description", {"description": "d" * 10_000}, "at most"),
        ("description", {"description": "a\x00b"}, "not allowed"),
    ],
)
async def test_hostile_subscription_input_is_named_by_field_and_leaves_nothing(
    field: str, arguments: dict[str, Any], message: str
) -> None:
    given: dict[str, Any] = {
        "url": "https://example.com/hook",
        "events": ["order.placed"],
        "description": "",
    }
    given.update(arguments)
    with pytest.raises(InvalidInput) as refused:
        await subscribe(
            given["url"], given["events"], given["description"], ctx=b.ctx(), production=False
        )
    assert refused.value.field == field
    assert message in str(refused.value)
    assert len(str(refused.value)) < 200
    assert await WebhookSubscription.all().count() == 0


@pytest.mark.usefixtures("db")
async def test_an_update_with_a_bad_field_changes_nothing() -> None:
    sub = await subscribe("https://example.com/a", ["order.placed"], ctx=b.ctx(), production=True)
    with pytest.raises(InvalidInput) as refused:
        await update_subscription(
            sub.subscription.id,
            url="https://example.com/b",
            events=["nope"],
            ctx=b.ctx(),
            production=True,
        )
    assert refused.value.field == "events"
    row = await WebhookSubscription.get(id=sub.subscription.id)
    assert (row.url, row.events) == ("https://example.com/a", ["order.placed"])


@pytest.mark.usefixtures("db")
async def test_a_store_keeps_at_most_its_cap_of_subscriptions() -> None:
    for n in range(MAX_SUBSCRIPTIONS):
        await subscribe(f"https://example.com/{n}", ["order.placed"], ctx=b.ctx(), production=True)
    with pytest.raises(InvalidInput) as refused:
        await subscribe(
            "https://example.com/one-more", ["order.placed"], ctx=b.ctx(), production=True
        )
    assert refused.value.field == "url" and str(MAX_SUBSCRIPTIONS) in str(refused.value)
    assert await WebhookSubscription.all().count() == MAX_SUBSCRIPTIONS
