"""The outbox sender: claim due rows, render them from the database, send them over one reused
SMTP connection, and record what became of each.

Three tasks form a pipeline, so writing the next batch overlaps the SMTP round trips of the
current one, and the database writes overlap both:

    producer  claims a batch (a lease), supersedes stale ETA emails, loads the batch's data in
              a few queries, has the rendering process write every message (``writing.py``),
              queues them (bounded, so the next batch is written while this one is sent);
    consumer  sends each queued message; one task owns the SMTP connection;
    recorder  writes outcomes as group commits: all sent ids since its last write in one
              UPDATE, retries and dead letters in another.

A message the server accepted is marked sent moments later. If the process dies in between,
the row's lease runs out and another sender sends it again, with the same Message-ID, so a
receiving system can tell the duplicate. At most one write of lag is exposed this way.

Failures of the server (refused connection, timeout, a 421, a login refused) open a circuit:
the messages already claimed fail at once with the same error and back off, and no new batch is
claimed until the circuit closes, so a dead server costs one connection attempt per backoff
step, not one per message.

A clean stop (``stop`` set) hands back unsent claimed rows at once. Cancelling the task
writes nothing more, as a killed process would; leases then expire.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from domain.context import Policy
from domain.db import connection
from domain.notifications.config import SenderConfig, SmtpConfig
from domain.notifications.content import Batch
from domain.notifications.message import Envelope
from domain.notifications.record import Clock, Recorder, Stats
from domain.notifications.smtp import Mailer, SendFailed
from domain.notifications.writing import Draft, Letterhead, write_elsewhere
from domain.outbox.claims import Claimed, claim, supersede
from domain.outbox.retry import Failure, Scope, backoff_seconds

log = logging.getLogger("preorder.mail")

AcceptedHook = Callable[[Claimed], Awaitable[None]]


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Prepared:
    row: Claimed
    envelope: Envelope | None = None
    failure: Failure | None = None
    nothing_left: bool = False


_END = object()


@dataclass
class _Circuit:
    """Open after a server failure, for a growing backoff; closed by the next success."""

    failures: int = 0
    open_until: float = 0.0
    last: Failure | None = None

    def is_open(self) -> bool:
        return self.last is not None and time.monotonic() < self.open_until


@dataclass
class Sender:
    config: SenderConfig
    smtp: SmtpConfig
    policy: Policy
    clock: Clock = utcnow
    jitter: Callable[[], float] = random.random
    on_accepted: AcceptedHook | None = None  # tests: runs after the server took a message
    letterhead: Letterhead = field(init=False)
    mailer: Mailer = field(init=False)

    def __post_init__(self) -> None:
        self.letterhead = Letterhead(
            store=self.config.from_name,
            currency=self.policy.currency,
            from_address=self.config.from_address,
            message_id_domain=self.config.message_id_domain,
        )
        self.mailer = Mailer(self.smtp)
        self._circuit = _Circuit()

    @property
    def server_down(self) -> bool:
        """The last attempt to reach the mail server failed (and none has succeeded since)."""
        return self._circuit.last is not None

    async def run(self, stop: asyncio.Event | None = None, *, until_idle: bool = False) -> Stats:
        """Send until ``stop`` is set (or, with ``until_idle``, until no row is due)."""
        stop = stop or asyncio.Event()
        queue: asyncio.Queue[object] = asyncio.Queue(maxsize=max(1, self.config.batch_size))
        recorder = Recorder(self.config, self.clock, self.jitter)
        try:
            async with asyncio.TaskGroup() as tasks:
                tasks.create_task(self._produce(queue, recorder, stop, until_idle))
                tasks.create_task(self._consume(queue, recorder, stop))
                tasks.create_task(recorder.run())
        except BaseException:
            self.mailer.abort()
            raise
        await self.mailer.close()
        return recorder.stats

    async def _produce(
        self,
        queue: asyncio.Queue[object],
        recorder: Recorder,
        stop: asyncio.Event,
        until_idle: bool,
    ) -> None:
        drained = False  # with until_idle: all in hand was sent and recorded, then none was due
        while not stop.is_set():
            if self._circuit.is_open():
                await _sleep(stop, self._circuit.open_until - time.monotonic())
                continue
            try:
                rows = await claim(
                    connection(),
                    now=self.clock(),
                    lease=self.config.lease,
                    limit=self.config.batch_size,
                )
            except Exception:  # noqa: BLE001 - the database may be briefly away
                log.exception("claiming outbox rows failed")
                await _sleep(stop, self.config.poll_interval)
                continue
            if rows:
                drained = False
                recorder.hold(rows)
                await self._prepare(rows, queue, recorder)
            elif until_idle and not drained:
                # Nothing due now; what is in hand may still be given back, or come due again.
                await queue.join()
                await recorder.drained()
                drained = True
            elif until_idle:
                break
            else:
                await _sleep(stop, self.config.poll_interval)
        await queue.put(_END)  # not on cancellation: nobody would take it

    async def _prepare(
        self, rows: list[Claimed], queue: asyncio.Queue[object], recorder: Recorder
    ) -> None:
        """Load the batch, have the rendering process write it, and queue the messages."""
        try:
            # One connection for the batch's few statements: no pool round trips between them.
            async with in_transaction() as conn:
                stale = await supersede(conn, rows)
                recorder.forget([row for row in rows if row.id in stale])
                live = [row for row in rows if row.id not in stale]
                batch = await self._load(conn, live)
            prepared = await self._write(batch, live)
        except Exception as error:  # noqa: BLE001 - the database may be briefly away
            log.exception("loading a batch of %d outbox rows failed", len(rows))
            failure = Failure(Scope.MESSAGE, f"cannot load its data: {error!r}"[:500])
            for row in rows:
                recorder.failed(row, failure)  # backs off, and gives up after the configured age
            return
        recorder.stats.superseded += len(stale)
        for item in prepared:
            await queue.put(item)

    async def render(self, rows: list[Claimed]) -> list[Prepared]:
        """The messages of these rows as the pipeline would send them; nothing is claimed or
        written (the benchmark's floor sends exactly these bytes)."""
        return await self._write(await self._load(connection(), rows), rows)

    async def _load(self, conn: BaseDBAsyncClient, rows: list[Claimed]) -> Batch:
        batch = Batch(self.policy, self.clock().astimezone(self.policy.zone).date())
        await batch.load(conn, rows)
        return batch

    async def _write(self, batch: Batch, rows: list[Claimed]) -> list[Prepared]:
        prepared: list[Prepared] = []
        to_write: list[tuple[Prepared, Draft]] = []
        for row in rows:
            try:
                view = batch.view(row)
            except Exception as error:  # noqa: BLE001 - a bug in one message must not stop the rest
                log.exception("telling outbox %s failed", row.id)
                view = Failure(Scope.CONTENT, f"cannot render: {error!r}")
            item = Prepared(row, nothing_left=view is None)
            if isinstance(view, Failure):
                item.failure = view
            elif view is not None:
                to_write.append(
                    (
                        item,
                        Draft(view, row.recipient, row.message_id, row.created_at, row.request_id),
                    )
                )
            prepared.append(item)
        written = await write_elsewhere(self.letterhead, [draft for _, draft in to_write])
        for (item, _), result in zip(to_write, written, strict=True):
            if isinstance(result, Failure):
                item.failure = result
            else:
                item.envelope = result
        return prepared

    async def _consume(
        self, queue: asyncio.Queue[object], recorder: Recorder, stop: asyncio.Event
    ) -> None:
        margin = min(self.config.lease / 4, 4 * self.smtp.timeout)
        try:
            while True:
                item = await queue.get()
                try:
                    if item is _END:
                        return
                    assert isinstance(item, Prepared)
                    await self._deliver(item, recorder, stop, margin)
                finally:
                    queue.task_done()
        finally:
            recorder.close()

    async def _deliver(
        self, item: Prepared, recorder: Recorder, stop: asyncio.Event, margin: float
    ) -> None:
        row = item.row
        if item.nothing_left:
            recorder.superseded(row, "nothing left to tell: the dates came back")
        elif item.failure is not None:
            recorder.failed(row, item.failure)
        elif stop.is_set() or self.clock() >= row.lease_until - dt.timedelta(seconds=margin):
            recorder.release(row)
        elif self._circuit.is_open() and self._circuit.last is not None:
            recorder.failed(row, self._circuit.last)
        else:
            assert item.envelope is not None
            try:
                await self.mailer.send(item.envelope)
            except SendFailed as error:
                if error.failure.scope == Scope.SERVER:
                    self._trip(error.failure)
                recorder.failed(row, error.failure)
                return
            self._circuit = _Circuit()
            if self.on_accepted is not None:
                await self.on_accepted(row)
            recorder.sent(row)

    def _trip(self, failure: Failure) -> None:
        circuit = self._circuit
        circuit.failures += 1
        circuit.last = failure
        delay = backoff_seconds(
            circuit.failures, self.config.backoff_base, self.config.backoff_max, self.jitter()
        )
        circuit.open_until = time.monotonic() + delay
        log.warning("mail server unavailable (%s); pausing %.3f s", failure, delay)


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    """Sleep, but wake at once when asked to stop."""
    if seconds <= 0:
        await asyncio.sleep(0)
        return
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        pass
