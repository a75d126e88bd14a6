"""Webhooks reach a real HTTP receiver on loopback: once, signed, in order per order."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import time

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from domain.catalog.models import Product
from domain.purchasing.models import PurchaseOrder
from domain.supply.purchase_orders import revise_expected_date
from domain.webhooks.events import global_id
from domain.webhooks.models import WebhookDelivery
from tests import builders
from tests.domain.webhooks.helpers import FAST, drain, sender, subscribed
from tests.domain.webhooks.receiver import receiving
from tests.serving import free_port

pytestmark = pytest.mark.usefixtures("db")


async def backordered(count: int) -> tuple[Product, PurchaseOrder, list[int]]:
    supplier = await builders.supplier()
    product = await builders.product(supplier_=supplier)
    po = await builders.purchase_order(
        supplier, builders.TODAY + dt.timedelta(days=20), (product, 100)
    )
    orders = [(await builders.order((product, 1))).order.id for _ in range(count)]
    return product, po, orders


def verify(secret: str, received) -> dict:  # type: ignore[no-untyped-def]
    return Webhook(secret).verify(received.body, received.headers)


async def test_order_placed_is_delivered_once_signed_with_the_api_ids() -> None:
    async with receiving() as receiver:
        sub = await subscribed(receiver.url(), "order.placed")
        product = await builders.product(on_hand=5)
        placed = await builders.order((product, 2))
        stats = await drain()
    assert stats.sent == 1
    [hit] = receiver.received
    payload = verify(sub.secret, hit)
    assert payload["type"] == "order.placed" and payload["version"] == 1
    data = payload["data"]
    assert data["orderId"] == global_id("Order", placed.order.id)
    assert data["number"] == placed.order.number
    [line] = data["lines"]
    assert line["productId"] == global_id("Product", product.id)
    assert (line["quantity"], line["allocated"], line["waiting"]) == (2, 2, 0)
    assert hit.webhook_id.startswith("msg_")
    row = await WebhookDelivery.get(webhook_id=hit.webhook_id)
    assert (row.status, row.last_status_code) == ("sent", 200)


async def test_no_subscription_writes_no_delivery() -> None:
    product = await builders.product(on_hand=5)
    await builders.order((product, 1))
    assert await WebhookDelivery.all().count() == 0


async def test_inactive_and_uninterested_subscriptions_get_nothing() -> None:
    async with receiving() as receiver:
        await subscribed(receiver.url("/other"), "shipment.sent")
        off = await subscribed(receiver.url("/off"), "order.placed")
        from domain.webhooks.services import update_subscription

        await update_subscription(
            off.subscription.id, active=False, ctx=builders.ctx(), production=False
        )
        await builders.order((await builders.product(on_hand=1), 1))
        await drain()
    assert receiver.received == []


async def test_po_date_change_tells_the_po_and_every_moved_line_once() -> None:
    async with receiving() as receiver:
        sub = await subscribed(
            receiver.url(), "purchase_order.date_changed", "order.line.eta_changed"
        )
        _, po, orders = await backordered(3)
        new_date = builders.TODAY + dt.timedelta(days=30)
        await revise_expected_date(po.id, new_date, "late ship", ctx=builders.ctx())
        await drain()
    bodies = [verify(sub.secret, hit) for hit in receiver.received]
    types = [body["type"] for body in bodies]
    assert types.count("purchase_order.date_changed") == 1
    assert types.count("order.line.eta_changed") == 3
    changed = next(b for b in bodies if b["type"] == "purchase_order.date_changed")["data"]
    assert changed["purchaseOrderId"] == global_id("PurchaseOrder", po.id)
    assert changed["expectedDate"] == new_date.isoformat()
    lines = [b["data"] for b in bodies if b["type"] == "order.line.eta_changed"]
    assert {line["orderId"] for line in lines} == {global_id("Order", o) for o in orders}
    for line in lines:
        assert line["reason"] == "po_date_changed"
        assert line["eta"]["basis"] == "purchase_order"
        assert line["eta"]["latest"] >= new_date.isoformat() > line["previous"]["latest"]


async def test_5xx_then_200_keeps_the_webhook_id() -> None:
    async with receiving(lambda path, count: 503 if count <= 2 else 200) as receiver:
        sub = await subscribed(receiver.url(), "order.placed")
        await builders.order((await builders.product(on_hand=1), 1))
        stats = await drain()
    assert [code for _, code in receiver.answered] == [503, 503, 200]
    assert len({hit.webhook_id for hit in receiver.received}) == 1
    for hit in receiver.received:
        verify(sub.secret, hit)
    assert stats.retried == 2 and stats.sent == 1
    row = await WebhookDelivery.get()
    assert (row.status, row.attempts) == ("sent", 3)


async def test_receiver_down_then_up_gets_every_event_once_in_order_per_order() -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/hook"
    await subscribed(url, "order.placed", "order.line.eta_changed", "purchase_order.date_changed")
    _, po, orders = await backordered(4)
    for days in (25, 30, 40):
        await revise_expected_date(
            po.id, builders.TODAY + dt.timedelta(days=days), "moved", ctx=builders.ctx()
        )
    expected = await WebhookDelivery.all().count()
    # Down: every first attempt fails and backs off; nothing later of an order goes first.
    stats = await sender(FAST).run(until_idle=True)
    assert stats.sent == 0 and stats.retried > 0
    # Only the oldest delivery of each order (and of the PO) was tried.
    assert await WebhookDelivery.filter(attempts__gt=0).count() == len(orders) + 1
    from tests.domain.webhooks import receiver as receiver_module

    async with _on_port(receiver_module, port) as receiver:
        await drain(dataclasses.replace(FAST, per_target=8))
    ids = [hit.webhook_id for hit in receiver.received]
    assert len(ids) == len(set(ids)) == expected
    per_order: dict[str, list[int]] = {}
    rows = {row.webhook_id: row for row in await WebhookDelivery.all()}
    for hit in receiver.received:
        order = hit.json["data"].get("orderId")
        if order:
            per_order.setdefault(order, []).append(rows[hit.webhook_id].id)
    assert len(per_order) == len(orders)
    for sequence in per_order.values():
        assert sequence == sorted(sequence)
        assert len(sequence) == 4  # placed, then three date moves


def _on_port(module, port):  # type: ignore[no-untyped-def]
    """A receiver on a chosen port (the one the subscription already names)."""
    import contextlib
    import socket

    import uvicorn

    @contextlib.asynccontextmanager
    async def run():  # type: ignore[no-untyped-def]
        receiver = module.Receiver(port=port)
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
        server = uvicorn.Server(uvicorn.Config(receiver, log_level="error", lifespan="off"))
        task = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started:
            await asyncio.sleep(0.01)
        try:
            yield receiver
        finally:
            server.should_exit = True
            await task
            sock.close()

    return run()


async def test_a_hanging_receiver_is_timed_out_without_delaying_others() -> None:
    config = dataclasses.replace(FAST, timeout=1.0)
    async with receiving(lambda path, count: "hang" if path == "/hang" else 200) as receiver:
        await subscribed(receiver.url("/hang"), "order.placed")
        await subscribed(receiver.url("/ok"), "order.placed")
        product = await builders.product(on_hand=50)
        for _ in range(10):
            await builders.order((product, 1))
        started = time.monotonic()
        stop = asyncio.Event()
        asyncio.get_running_loop().call_later(1.5 * config.timeout, stop.set)
        stats = await sender(config).run(stop)
    ok = receiver.on("/ok")
    assert len(ok) == 10
    assert max(hit.at for hit in ok) - started < 0.8  # none waited for the hanging target
    assert stats.sent == 10 and stats.retried >= config.per_target
    hung = await WebhookDelivery.filter(status="pending").order_by("id")
    assert len(hung) == 10
    assert any("timed out" in row.last_error for row in hung)


async def test_tampered_body_fails_verification() -> None:
    async with receiving() as receiver:
        sub = await subscribed(receiver.url(), "order.placed")
        await builders.order((await builders.product(on_hand=1), 1))
        await drain()
    [hit] = receiver.received
    verify(sub.secret, hit)
    tampered = hit.body.replace(b'"quantity":1', b'"quantity":9')
    assert tampered != hit.body
    with pytest.raises(WebhookVerificationError):
        Webhook(sub.secret).verify(tampered, hit.headers)
