"""Every event fires once per change, with the payload the README documents."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest

from domain.builds.services import accept_quote
from domain.context import Actor
from domain.ordering.changes import CancelRequest, cancel_order_lines, respond_to_delay_notice
from domain.ordering.models import DelayNotice
from domain.supply.purchase_orders import revise_expected_date
from domain.webhooks.events import EVENTS
from tests import builders as b
from tests.domain.webhooks.helpers import drain, subscribed
from tests.domain.webhooks.receiver import Received, receiving

pytestmark = pytest.mark.usefixtures("db")

README = Path(__file__).resolve().parents[3] / "README.md"


async def scenario() -> None:
    """A day of the shop touching every event once."""
    supplier = await b.supplier()
    product = await b.product(supplier_=supplier, on_hand=1)
    po = await b.purchase_order(supplier, b.TODAY + dt.timedelta(days=10), (product, 10))
    placed = await b.order((product, 3))
    await revise_expected_date(po.id, b.TODAY + dt.timedelta(days=60), "strike", ctx=b.ctx())
    notice = await DelayNotice.get(order_id=placed.order.id)
    await respond_to_delay_notice(placed.order.id, notice.id, True, ctx=b.ctx())
    await b.receipt(po, 10)
    await b.shipped(placed.order.id)
    other = await b.order((product, 1))
    await cancel_order_lines(other.order.id, [CancelRequest(other.order.lines[0].id)], ctx=b.ctx())
    built = await b.build_request(
        email="rider@example.com", context=b.ctx(actor=Actor("customer", "rider@example.com"))
    )
    await accept_quote(built.token, built.quote.id, ctx=b.ctx())


async def delivered() -> list[Received]:
    async with receiving() as receiver:
        await subscribed(receiver.url())
        await scenario()
        await drain()
    return receiver.received


def shape(value: Any) -> Any:
    """The keys of a document, nested; lists by their first item."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return None


def readme_examples() -> dict[str, dict[str, Any]]:
    text = README.read_text()
    section = text[text.index("\n## Webhooks") :]
    blocks = re.findall(r"```json\n(.*?)```", section, re.S)
    examples = [json.loads(block) for block in blocks]
    return {example["type"]: example for example in examples if "type" in example}


async def test_every_event_fires_once_per_change() -> None:
    received = await delivered()
    types = [hit.json["type"] for hit in received]
    for event in EVENTS:
        assert event in types, event
    once = [
        e for e in EVENTS if e not in ("product.availability_changed", "order.line.eta_changed")
    ]
    for event in once:
        assert types.count(event) == (2 if event == "order.placed" else 1), event
    assert len({hit.webhook_id for hit in received}) == len(received)


async def test_readme_example_of_each_event_has_the_keys_of_the_real_payload() -> None:
    examples = readme_examples()
    assert set(examples) == set(EVENTS)
    real: dict[str, dict[str, Any]] = {}
    for hit in await delivered():
        real.setdefault(hit.json["type"], hit.json)
    for event in EVENTS:
        assert shape(examples[event]) == shape(real[event]), event
