"""``preorder worker`` sends the outbox as a process of its own (issue #5, part 1): it delivers
what is due, SIGTERM stops it cleanly, and its rendering process never outlives it."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from domain.outbox.models import OutboxMessage
from domain.vocabulary import OutboxStatus
from tests import builders as b
from tests.domain.notifications.conftest import SmtpServer

pytestmark = pytest.mark.usefixtures("db")

ROOT = Path(__file__).resolve().parents[3]


def children_of(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found |= {int(child) for child in (task / "children").read_text().split()}
    return found


def rendering_processes(pid: int) -> set[int]:
    return {
        child
        for child in children_of(pid)
        if "spawn_main" in Path(f"/proc/{child}/cmdline").read_text()
    }


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def ended(pids: set[int]) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return not any(alive(pid) for pid in pids)

    return check


async def eventually(condition: Callable[[], Awaitable[bool]], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not await condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def worker_that_sent_everything(
    db: str, smtp: SmtpServer
) -> AsyncIterator[tuple[subprocess.Popen[str], set[int]]]:
    """``preorder worker`` started on three due emails, once it sent them all; yields it and
    its rendering process."""
    product = await b.product()
    for index in range(3):
        await b.order((product, 1), email=f"worker{index}@example.com")
    due = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    await OutboxMessage.all().update(next_attempt_at=due)
    env = {
        **os.environ,
        "DATABASE_URL": db,
        "SMTP_URL": f"smtp://127.0.0.1:{smtp.port}",
        "MAIL_POLL_SECONDS": "0.05",
        "MAIL_FROM": "orders@shop.example",
    }
    worker = subprocess.Popen(
        [sys.executable, "cli.py", "worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:

        async def all_sent() -> bool:
            assert worker.poll() is None, worker.communicate()[0]
            return not await OutboxMessage.exclude(status=OutboxStatus.SENT).exists()

        await eventually(all_sent)
        rendering = rendering_processes(worker.pid)
        assert rendering, "the worker wrote its messages in a rendering process"
        yield worker, rendering
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.communicate()


async def test_the_worker_sends_what_is_due_and_stops_cleanly_on_sigterm(
    db: str, smtp: SmtpServer
) -> None:
    async with worker_that_sent_everything(db, smtp) as (worker, rendering):
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=30)
    assert worker.returncode == 0, output
    assert "Traceback" not in output, output
    await eventually(ended(rendering), timeout=10)
    received = smtp.inbox.by_message_id()
    rows = await OutboxMessage.all()
    assert {header.split("@")[0] for header in received} == {f"<{row.message_id}" for row in rows}
    assert all(len(copies) == 1 for copies in received.values())


async def test_the_rendering_process_ends_with_a_sender_that_was_killed(
    db: str, smtp: SmtpServer
) -> None:
    async with worker_that_sent_everything(db, smtp) as (worker, rendering):
        worker.send_signal(signal.SIGKILL)  # no clean-up runs: as an OOM kill or a re-raised signal
        worker.communicate(timeout=30)
    assert worker.returncode == -signal.SIGKILL
    await eventually(ended(rendering), timeout=10)
