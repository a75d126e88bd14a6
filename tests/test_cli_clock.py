"""``preorder clock --once --day``: one store day's jobs run by hand, each told what it changed."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

from domain.clock.models import JobRun
from domain.ordering.models import OrderLine
from domain.vocabulary import EtaBasis
from tests import builders as b

ROOT = Path(__file__).resolve().parent.parent


async def clock(*args: str, database_url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "test-secret"}
    return await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "cli.py", "clock", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_clock_once_for_a_day_runs_its_jobs_once_and_prints_what_each_changed(
    db: str,
) -> None:
    supplier = await b.supplier()
    product = await b.product(supplier_=supplier)
    await b.purchase_order(supplier, b.TODAY + dt.timedelta(days=10), (product, 5))
    placed = await b.order((product, 2))
    day = (b.TODAY + dt.timedelta(days=11)).isoformat()

    done = await clock("--once", "--day", day, database_url=db)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        f"clock {day}:",
        "  expire_quotes: quotes_expired 0",
        "  lapse_delay_notices: consented 0, cancelled 0",
        "  review_etas: queues 1, lines_moved 1, orders_moved 1, emails_queued 1, delay_notices 1",
        "  reorder_suggestions: drafts 0, lines 0",
        "  remind_suppliers: unconfirmed 0, overdue 0",
        "  tell_waitlists: addresses_told 0",
        "  housekeeping: idempotency_keys_forgotten 0, sent_emails_deleted 0,"
        " sent_webhooks_deleted 0",
    ]
    line = await OrderLine.get(order_id=placed.order.id)
    assert line.eta_basis == EtaBasis.LATE_DELIVERY

    again = await clock("--once", "--day", day, database_url=db)
    assert again.returncode == 0 and again.stdout.count("already ran for this day") == 7
    assert await JobRun.filter(period=day).count() == 7


async def test_clock_refuses_a_malformed_day_naming_the_option(db: str) -> None:
    refused = await clock("--once", "--day", "12/03/2027", database_url=db)
    assert refused.returncode == 2 and "--day" in refused.stderr and "YYYY-MM-DD" in refused.stderr
    assert await JobRun.all().count() == 0
