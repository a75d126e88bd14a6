"""Writing what became of claimed rows: sent, retry later, dead letter or superseded.

The :class:`Recorder` collects outcomes while the sender goes on, and writes them as group
commits (all sent ids since the last write in one ``UPDATE``), at most every ``RECORD_EVERY``.

``sent`` is written whatever the lease says: the server took the message, and saying so is
always right. A retry or a dead letter is written only under this sender's own lease: if the
lease ran out, the row may be another sender's now, and that sender decides.

The recorder also renews the lease of every row still in hand (claimed, not yet told
about) once a third of the lease has passed, so a batch that takes longer to send than the
lease is neither handed back unsent nor claimed by a second sender. Renewing and writing
outcomes run in this one task, one after the other, so a guarded write always names the
lease the database holds.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from tortoise.backends.base.client import BaseDBAsyncClient

from domain.db import Dialect, connection, execute
from domain.notifications.config import SenderConfig
from domain.outbox.claims import Claimed, db_time, release, renew
from domain.outbox.retry import Failure, decide
from domain.rows import marks
from domain.vocabulary import OutboxStatus

log = logging.getLogger("preorder.mail")
Clock = Callable[[], dt.datetime]
RECORD_EVERY = 0.02  # seconds between group commits; the most a kill can leave unrecorded


@dataclass(frozen=True)
class Outcome:
    """A row that was not sent: retried later (``pending``), ``dead`` or ``superseded``."""

    id: int
    lease_until: dt.datetime
    status: OutboxStatus
    error: str
    next_attempt_at: dt.datetime | None = None


async def mark_sent(conn: BaseDBAsyncClient, ids: list[int], now: dt.datetime) -> int:
    if not ids:
        return 0
    return await execute(
        conn,
        "UPDATE outbox_message SET status = 'sent', sent_at = ?, lease_until = NULL,"
        f" last_error = '' WHERE id IN ({marks(ids)}) AND status = 'pending'",
        [db_time(conn, now), *ids],
    )


async def mark_unsent(conn: BaseDBAsyncClient, outcomes: list[Outcome]) -> int:
    """Retries, dead letters and superseded rows: one statement per lease (in practice, per
    batch)."""
    d = Dialect(conn)
    done = 0
    for until in {o.lease_until for o in outcomes}:
        group = [o for o in outcomes if o.lease_until == until]
        status_case, error_case, next_case, values = [], [], [], []
        for o in group:
            status_case.append("WHEN ? THEN ?")
            values += [o.id, o.status.value]
        for o in group:
            error_case.append("WHEN ? THEN CAST(? AS TEXT)")
            values += [o.id, o.error[:2000]]
        for o in group:
            next_case.append(f"WHEN ? THEN {d.timestamp}")
            values += [o.id, db_time(conn, o.next_attempt_at or until)]
        ids = [o.id for o in group]
        done += await execute(
            conn,
            f"UPDATE outbox_message SET status = CASE id {' '.join(status_case)} END,"
            f" last_error = CASE id {' '.join(error_case)} END,"
            f" next_attempt_at = CASE id {' '.join(next_case)} ELSE next_attempt_at END,"
            f" lease_until = NULL WHERE id IN ({marks(ids)}) AND status = 'pending'"
            " AND lease_until = ?",
            [*values, *ids, db_time(conn, until)],
        )
    return done


@dataclass
class Stats:
    sent: int = 0
    retried: int = 0
    dead: int = 0
    superseded: int = 0
    released: int = 0


class Recorder:
    """Collects outcomes and writes them in groups, while the pipeline keeps going."""

    def __init__(self, config: SenderConfig, clock: Clock, jitter: Callable[[], float]) -> None:
        self.config = config
        self.clock = clock
        self.jitter = jitter
        self.stats = Stats()
        self._sent: list[Claimed] = []
        self._unsent: list[tuple[Claimed, OutboxStatus, str, dt.datetime | None]] = []
        self._released: list[Claimed] = []
        self._held: dict[int, Claimed] = {}  # claimed, no outcome yet: their leases are renewed
        self._wake = asyncio.Event()
        self._closing = False
        self._writing = False

    def hold(self, rows: list[Claimed]) -> None:
        """Rows just claimed: their leases are kept alive until their outcome is handed over."""
        for row in rows:
            self._held[row.id] = row
        self._wake.set()  # the loop sets its renewal timer from the rows in hand

    def forget(self, rows: list[Claimed]) -> None:
        """Rows taken out of the batch otherwise (superseded): nothing more to renew."""
        for row in rows:
            self._held.pop(row.id, None)

    def sent(self, row: Claimed) -> None:
        self._held.pop(row.id, None)
        self._sent.append(row)
        self._wake.set()

    def failed(self, row: Claimed, failure: Failure) -> None:
        now = self.clock()
        decision = decide(
            failure,
            attempts=row.attempts,
            created_at=row.created_at,
            now=now,
            base=self.config.backoff_base,
            cap=self.config.backoff_max,
            give_up_after=self.config.give_up_after,
            jitter=self.jitter(),
        )
        status = OutboxStatus.DEAD if decision.dead else OutboxStatus.PENDING
        if decision.dead:
            log.warning("outbox %s (%s) dead: %s", row.id, row.kind, decision.reason)
        self._held.pop(row.id, None)
        self._unsent.append((row, status, decision.reason, decision.next_attempt_at))
        self._wake.set()

    def superseded(self, row: Claimed, reason: str) -> None:
        self._held.pop(row.id, None)
        self._unsent.append((row, OutboxStatus.SUPERSEDED, reason, None))
        self._wake.set()

    def release(self, row: Claimed) -> None:
        self._held.pop(row.id, None)
        self._released.append(row)
        self._wake.set()

    @property
    def pending(self) -> bool:
        """Outcomes not yet written, or being written."""
        return self._writing or bool(self._sent or self._unsent or self._released)

    async def drained(self) -> None:
        """Until every outcome handed over so far is written."""
        while self.pending:
            await asyncio.sleep(RECORD_EVERY / 4)

    async def run(self) -> None:
        while True:
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self._until_renewal())
            except TimeoutError:
                pass
            if self._renewal_due():
                await self._renew()
            if not self._wake.is_set():
                continue
            if not self._closing:
                await asyncio.sleep(RECORD_EVERY)  # let outcomes gather: fewer, larger commits
            self._wake.clear()
            await self._flush()
            if self._closing and not self.pending:
                return

    def _renew_at(self) -> dt.datetime | None:
        """When the oldest lease in hand has a third of its time gone."""
        if not self._held:
            return None
        first = min(row.lease_until for row in self._held.values())
        return first - dt.timedelta(seconds=self.config.lease * 2 / 3)

    def _renewal_due(self) -> bool:
        at = self._renew_at()
        return at is not None and self.clock() >= at

    def _until_renewal(self) -> float | None:
        at = self._renew_at()
        if at is None:
            return None
        return max(0.0, (at - self.clock()).total_seconds())

    async def _renew(self) -> None:
        rows = list(self._held.values())
        try:
            renewed = await renew(connection(), rows, now=self.clock(), lease=self.config.lease)
        except Exception:  # noqa: BLE001 - the database may be briefly away; leases then run out
            log.exception("could not renew the leases of %d outbox rows", len(rows))
            await asyncio.sleep(min(1.0, self.config.lease / 10))
            return
        lost = [row for row in rows if row.id not in renewed]
        for row in lost:  # superseded meanwhile, or the lease ran out: no longer ours to keep
            if self._held.get(row.id) is row:
                del self._held[row.id]

    def close(self) -> None:
        self._closing = True
        self._wake.set()

    async def _flush(self) -> None:
        sent, self._sent = self._sent, []
        unsent, self._unsent = self._unsent, []
        released, self._released = self._released, []
        self._writing = True
        try:
            conn = connection()
            await mark_sent(conn, [row.id for row in sent], self.clock())
            await mark_unsent(
                conn,
                [Outcome(r.id, r.lease_until, st, err, at) for r, st, err, at in unsent],
            )
            await release(conn, released)
        except Exception:  # noqa: BLE001 - the database may be briefly away; keep the outcomes
            log.exception("could not record outcomes of %d rows; retrying", len(sent) + len(unsent))
            self._sent[:0], self._unsent[:0], self._released[:0] = sent, unsent, released
            await asyncio.sleep(min(1.0, self.config.poll_interval))
            self._wake.set()
            return
        finally:
            self._writing = False
        self.stats.sent += len(sent)
        self.stats.released += len(released)
        for _, status, _, _ in unsent:
            if status == OutboxStatus.DEAD:
                self.stats.dead += 1
            elif status == OutboxStatus.SUPERSEDED:
                self.stats.superseded += 1
            else:
                self.stats.retried += 1
