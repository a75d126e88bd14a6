"""A sender that runs beside the app until it is told to stop (the mail sender and the webhook
sender run alike): an unexpected error is logged and the sender starts again after a pause, and
on the way out it is given ``grace`` seconds to finish what it is sending before it is cancelled.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Protocol

RESTART_DELAY = 5.0


class Runs(Protocol):
    async def run(self, stop: asyncio.Event) -> object: ...


async def supervise(
    sender: Runs,
    stop: asyncio.Event,
    *,
    what: str,
    log: logging.Logger,
    restart_delay: float = RESTART_DELAY,
) -> None:
    """Keep ``sender`` running until ``stop`` is set: a failure is logged, and it starts again."""
    while not stop.is_set():
        try:
            await sender.run(stop)
        except Exception:  # noqa: BLE001 - the loop must survive anything
            log.exception("the %s failed; restarting in %.0f s", what, restart_delay)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=restart_delay)


@contextlib.asynccontextmanager
async def running(
    sender: Runs, *, name: str, what: str, log: logging.Logger, grace: float
) -> AsyncIterator[None]:
    """``sender`` supervised in a task named ``name`` while the block runs; stopped after it."""
    stop = asyncio.Event()
    task = asyncio.create_task(supervise(sender, stop, what=what, log=log), name=name)
    try:
        yield
    finally:
        stop.set()
        try:
            await asyncio.wait_for(asyncio.shield(task), timeout=grace)
        except TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
