"""``preorder bench-mail``: messages per second from the outbox to a local SMTP server.

It builds a store in a database of its own (``DATABASE_URL`` if its name contains "bench",
else ``var/bench-mail.db``, recreated): ``--orders`` orders waiting on one purchase order, whose
date then slips past every promise, so the outbox holds one confirmation and one delay notice per
order. An SMTP server that accepts everything (aiosmtpd) runs in a separate process on
127.0.0.1.

Beside the sender's figure it prints a FLOOR measured in the same run against the same server:
a bare aiosmtplib loop sending the very same message bytes over one connection, with nothing
else to do (no claiming, no database, no rendering). The sender's figure covers everything:
claiming with a lease, loading each batch, rendering both parts, composing, sending over its
reused connection and recording each row as sent. They alternate ``--rounds`` times (the rows
are reset to pending between rounds, and on PostgreSQL the table vacuumed, as autovacuum would
in service) and medians are reported. Target: at least 70% of the
floor; the exit code is 1 when it is missed.

    .venv/bin/preorder bench-mail                      # SQLite, 1,000 orders: 2,000 messages
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/preorder_bench_mail preorder bench-mail
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

import aiosmtplib
import asyncpg
from tortoise import Tortoise

from domain.context import Actor, Context
from domain.db import connection, is_postgres, tortoise_config
from domain.migrate import migrate
from domain.notifications.composing.mime import Envelope
from domain.notifications.sending.config import SmtpConfig
from domain.notifications.sending.sender import Sender
from domain.ordering.services import LineRequest, OrderRequest, place_order
from domain.outbox.claims import Claimed
from domain.outbox.models import OutboxMessage
from domain.rows import moment
from domain.supply.purchase_orders import PoLineRequest, create_purchase_order, revise_expected_date
from domain.vocabulary import OutboxKind, OutboxStatus
from settings import Settings

TARGET = 0.70


async def send_bare(config: SmtpConfig, envelopes: Iterable[Envelope]) -> int:
    """The floor: a bare aiosmtplib loop over one connection, nothing else."""
    smtp = aiosmtplib.SMTP(
        hostname=config.host,
        port=config.port,
        timeout=config.timeout,
        local_hostname=config.local_hostname,
    )
    await smtp.connect()
    sent = 0
    try:
        for envelope in envelopes:
            await smtp.sendmail(envelope.sender, [envelope.recipient], envelope.data)
            sent += 1
    finally:
        await smtp.quit()
    return sent


SQLITE_FILE = Path("var/bench-mail.db")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def sink(port: int) -> None:
    """The SMTP server of the benchmark: accepts every message, keeps nothing."""
    from aiosmtpd.controller import Controller

    class Accept:
        async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
            return "250 OK"

    controller = Controller(Accept(), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    sys.stdin.read()  # until the parent closes our standard input
    controller.stop()


async def _database(settings: Settings) -> str:
    url = settings.database_url
    if url.startswith(("postgres://", "postgresql://")):
        name = urlsplit(url).path.lstrip("/")
        if "bench" not in name:
            raise SystemExit(
                "bench-mail drops its database: DATABASE_URL must name one with 'bench'"
            )
        server = url.rsplit("/", 1)[0] + "/postgres"
        conn = await asyncpg.connect(server.replace("postgresql://", "postgres://", 1))
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        return url
    if url.startswith("sqlite://") and "bench" in url:
        path = Path(url.removeprefix("sqlite://").split("?")[0])
    else:
        path = SQLITE_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite://{path}"


async def _store(settings: Settings, orders: int) -> None:
    """Orders waiting on one PO, then a slip past every promise: two emails per order."""
    from domain.catalog.models import Product, Supplier

    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    ctx = Context(Actor("staff", "bench"), now, settings.policy)
    supplier = await Supplier.create(name="CoolAir", lead_time_days=45)
    await Product.create(
        sku="AC-BENCH",
        name="Split air conditioner 12k BTU",
        mode="stocked",
        price="899.00",
        supplier=supplier,
    )
    po = await create_purchase_order(
        supplier.id, ctx.today + dt.timedelta(days=20), [PoLineRequest("AC-BENCH", orders)], ctx=ctx
    )
    for index in range(orders):
        await place_order(
            OrderRequest(
                f"customer{index}@example.com",
                f"Customer {index}",
                f"{index} Harbour Street\nBristol",
                [LineRequest("AC-BENCH", 1)],
            ),
            ctx=Context(ctx.actor, now + dt.timedelta(milliseconds=index), settings.policy),
        )
    await revise_expected_date(
        po.id, ctx.today + dt.timedelta(days=40), "The supplier moved its factory slot", ctx=ctx
    )


async def _reset() -> None:
    await OutboxMessage.all().update(
        status=OutboxStatus.PENDING,
        attempts=0,
        lease_until=None,
        sent_at=None,
        last_error="",
        next_attempt_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1),
    )
    if is_postgres(connection()):
        # The resets leave dead rows that autovacuum (off on some test servers) would clear;
        # every round starts from the same table.
        await connection().execute_script("VACUUM outbox_message")


async def _claimed_view() -> list[Claimed]:
    """Every row as if claimed, to render the floor's messages without touching the rows."""
    until = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    return [
        Claimed(
            r["id"],
            OutboxKind(r["kind"]),
            r["recipient"],
            r["order_id"],
            r["event_id"],
            r["shipment_id"],
            r["build_request_id"],
            r["payload"],
            r["message_id"],
            1,
            moment(r["created_at"]),
            until,
        )
        for r in await OutboxMessage.all()
        .order_by("id")
        .values(
            "id",
            "kind",
            "recipient",
            "order_id",
            "event_id",
            "shipment_id",
            "build_request_id",
            "payload",
            "message_id",
            "created_at",
        )
    ]


async def _floor(sender: Sender, smtp: SmtpConfig, batch: int) -> tuple[float, int]:
    await _reset()  # an ETA email tells the changes since the last one sent: none sent yet
    rows = await _claimed_view()
    envelopes = []
    for start in range(0, len(rows), batch):
        for prepared in await sender.render(rows[start : start + batch]):
            assert prepared.envelope is not None, (prepared.row, prepared.failure)
            envelopes.append(prepared.envelope)
    began = time.perf_counter()
    sent = await send_bare(smtp, envelopes)
    return sent / (time.perf_counter() - began), sent


async def _measured(sender: Sender) -> tuple[float, int]:
    await _reset()
    began = time.perf_counter()
    stats = await sender.run(until_idle=True)
    elapsed = time.perf_counter() - began
    if await OutboxMessage.exclude(status=OutboxStatus.SENT).exists() or stats.dead:
        raise SystemExit(f"bench-mail: not every message was sent: {stats}")
    return stats.sent / elapsed, stats.sent


async def run(settings: Settings, *, orders: int = 1000, rounds: int = 5) -> int:
    url = await _database(settings)
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "bench.mail", "--sink", str(port)],
        cwd=Path(__file__).resolve().parent.parent,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        if server.stdout.readline().strip() != "ready":
            raise SystemExit("bench-mail: the SMTP server did not start")
        await migrate(url)
        await Tortoise.init(
            config=tortoise_config(url, pool_size=settings.db_pool_size),
            _enable_global_fallback=True,
        )
        try:
            began = time.perf_counter()
            await _store(settings, orders)
            print(
                f"store: {orders} orders, {await OutboxMessage.all().count()} outbox rows "
                f"in {time.perf_counter() - began:.1f} s on {url.split('://')[0]}"
            )
            return await _compare(settings, SmtpConfig("127.0.0.1", port, timeout=10.0), rounds)
        finally:
            await Tortoise.close_connections()
    finally:
        if server.stdin:
            server.stdin.close()
        server.wait(timeout=10)


async def _compare(settings: Settings, smtp: SmtpConfig, rounds: int) -> int:
    """Floor and sender alternate; each round's ratio pairs runs made seconds apart, so a
    machine that slows down for a while (other work on it) skews both sides alike."""
    config = dataclasses.replace(settings.mail.sender, poll_interval=0.001)
    floors, measured, ratios = [], [], []
    for round_ in range(1, rounds + 1):
        floor_rate, count = await _floor(
            Sender(config, smtp, settings.policy), smtp, config.batch_size
        )
        sender_rate, sent = await _measured(Sender(config, smtp, settings.policy))
        floors.append(floor_rate)
        measured.append(sender_rate)
        ratios.append(sender_rate / floor_rate)
        print(
            f"round {round_}: floor {floor_rate:7.0f} msg/s ({count})   "
            f"sender {sender_rate:7.0f} msg/s ({sent})   {ratios[-1]:.0%}"
        )
    ratio = statistics.median(ratios)
    print(
        f"median: sender {statistics.median(measured):.0f} msg/s, floor "
        f"{statistics.median(floors):.0f} msg/s; sender/floor {ratio:.0%} (median of the rounds; "
        f"target {TARGET:.0%}) {'OK' if ratio >= TARGET else 'MISSED'}"
    )
    print(
        f"batch size {config.batch_size}, SMTP server in its own process on 127.0.0.1, "
        f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs"
    )
    return 0 if ratio >= TARGET else 1


if __name__ == "__main__" and sys.argv[1:2] == ["--sink"]:
    sink(int(sys.argv[2]))
