"""``preorder bench`` (d): the daily ETA review of the bench store, beside a floor.

The bench store has about 200,000 waiting lines; every tenth supplier's first wave of POs is
three days overdue. ``review_etas`` for today re-dates every queue that depends on today
(late deliveries, lead time from today, windows that began) as one ``daily_review`` event.

The FLOOR is the same writes by hand-written SQL with the answers known: the new windows the
review computed are kept in a table, and the floor, in one transaction, holds the same
products, writes the event, the history rows, the lines, the superseded and new delay notices
and one outbox row per order. It is what any review must at least pay to write its result;
the service's figure adds reading the queues and computing the windows. Between runs every
line's window and every appended row is restored, so both start from the same store.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from dataclasses import dataclass

from tortoise.transactions import in_transaction

from domain.context import Policy
from domain.db import Dialect, connection, execute, fetch, is_postgres
from domain.ordering.review import review_etas

SNAPSHOT = "bench_review_snapshot"
OPEN_NOTICES = "bench_review_open_notices"
TARGET = "bench_review_target"
APPENDED = ["outbox_message", "delay_notice", "eta_change", "eta_event"]
COLUMNS = ["eta_earliest", "eta_latest", "eta_basis", "pegged_po_line_id"]


@dataclass(frozen=True)
class ReviewOutcome:
    lines_moved: int
    emails: int
    notices: int

    def describe(self) -> str:
        return (
            f"lines moved {self.lines_moved:,}, emails queued {self.emails:,},"
            f" delay notices {self.notices:,}"
        )


async def snapshot() -> dict[str, int]:
    conn = connection()
    await execute(conn, f"DROP TABLE IF EXISTS {SNAPSHOT}")
    await execute(
        conn,
        f"CREATE TABLE {SNAPSHOT} AS SELECT id, {', '.join(COLUMNS)} FROM order_line"
        " WHERE qty_waiting > 0 OR qty_allocated > 0",
    )
    await execute(conn, f"DROP TABLE IF EXISTS {OPEN_NOTICES}")
    await execute(
        conn, f"CREATE TABLE {OPEN_NOTICES} AS SELECT id FROM delay_notice WHERE status = 'open'"
    )
    marks = {}
    for table in APPENDED:
        rows = await fetch(conn, f"SELECT COALESCE(MAX(id), 0) AS n FROM {table}")
        marks[table] = int(rows[0]["n"])
    return marks


async def restore(marks: dict[str, int]) -> None:
    async with in_transaction() as conn:
        for table in APPENDED:
            await execute(conn, f"DELETE FROM {table} WHERE id > ?", [marks[table]])
        await execute(
            conn,
            "UPDATE delay_notice SET status = 'open' WHERE status <> 'open' AND id IN"
            f" (SELECT id FROM {OPEN_NOTICES})",
        )
        await execute(
            conn,
            "UPDATE order_line SET "
            + ", ".join(f"{c} = s.{c}" for c in COLUMNS)
            + f" FROM {SNAPSHOT} s WHERE order_line.id = s.id AND ("
            + " OR ".join(f"order_line.{c} IS DISTINCT FROM s.{c}" for c in COLUMNS)
            + ")",
        )
    db = connection()
    if is_postgres(db):
        await db.execute_script("VACUUM ANALYZE order_line, " + ", ".join(APPENDED))


async def measured(policy: Policy, ctx_factory) -> ReviewOutcome:  # type: ignore[no-untyped-def]
    review = await review_etas(ctx=ctx_factory(policy))
    return ReviewOutcome(review.lines_moved, review.emails_queued, review.delay_notices)


async def keep_target(marks: dict[str, int]) -> None:
    """The windows the review computed, for the floor to write."""
    conn = connection()
    await execute(conn, f"DROP TABLE IF EXISTS {TARGET}")
    await execute(
        conn,
        f"CREATE TABLE {TARGET} AS SELECT c.line_id, c.new_earliest, c.new_latest,"
        " c.new_basis, c.material, l.pegged_po_line_id, l.product_id FROM eta_change c"
        " JOIN order_line l ON l.id = c.line_id WHERE c.id > ?",
        [marks["eta_change"]],
    )


async def floor(policy: Policy, ctx_factory) -> ReviewOutcome:  # type: ignore[no-untyped-def]
    ctx = ctx_factory(policy)
    async with in_transaction() as conn:
        d = Dialect(conn)
        lock = " FOR UPDATE" if d.postgres else ""
        await fetch(
            conn,
            f"SELECT id FROM product WHERE id IN (SELECT product_id FROM {TARGET})"
            f" ORDER BY id{lock}",
        )
        event_id = (
            await fetch(
                conn,
                "INSERT INTO eta_event (product_id, reason, detail, actor, created_at) VALUES"
                f" (NULL, 'daily_review', 'bench floor', 'system', {d.timestamp}) RETURNING id",
                [ctx.now],
            )
        )[0]["id"]
        moved = await execute(
            conn,
            "INSERT INTO eta_change (line_id, event_id, old_earliest, old_latest, old_basis,"
            " new_earliest, new_latest, new_basis, material)"
            f" SELECT l.id, {d.integer}, l.eta_earliest, l.eta_latest, l.eta_basis,"
            f" t.new_earliest, t.new_latest, t.new_basis, t.material FROM {TARGET} t"
            " JOIN order_line l ON l.id = t.line_id",
            [event_id],
        )
        await execute(
            conn,
            "UPDATE order_line SET eta_earliest = t.new_earliest, eta_latest = t.new_latest,"
            f" eta_basis = t.new_basis, pegged_po_line_id = t.pegged_po_line_id FROM {TARGET} t"
            " WHERE order_line.id = t.line_id",
        )
        reference = "COALESCE(l.consented_latest, l.promised_latest)"
        deadline = ctx.today + dt.timedelta(days=policy.delay_answer_days)
        notices = await execute(
            conn,
            "INSERT INTO delay_notice (order_id, line_id, event_id, previous_latest, new_earliest,"
            " new_latest, requires_answer, deadline, status, created_at)"
            f" SELECT l.order_id, l.id, {d.integer}, {reference}, l.eta_earliest, l.eta_latest,"
            f" l.consented_latest IS NOT NULL, {d.date}, 'open', {d.timestamp}"
            f" FROM {TARGET} t JOIN order_line l ON l.id = t.line_id"
            f" WHERE l.eta_latest > {reference} AND NOT EXISTS (SELECT 1 FROM delay_notice n"
            "  WHERE n.line_id = l.id AND n.status = 'open')",
            [event_id, deadline, ctx.now],
        )
        emails = await execute(
            conn,
            "INSERT INTO outbox_message (kind, recipient, order_id, event_id, payload, message_id,"
            " status, attempts, next_attempt_at, last_error, created_at)"
            " SELECT CASE WHEN EXISTS (SELECT 1 FROM delay_notice n WHERE n.event_id = ?"
            "   AND n.order_id = o.id) THEN 'delay_notice' ELSE 'eta_changed' END,"
            f" c.email, o.id, {d.integer}, '{{}}', {d.random_hex}, 'pending', 0, {d.timestamp},"
            f" '', {d.timestamp} FROM customer_order o JOIN customer c ON c.id = o.customer_id"
            " WHERE o.id IN (SELECT l.order_id FROM"
            f" {TARGET} t JOIN order_line l ON l.id = t.line_id WHERE t.material"
            "  UNION SELECT order_id FROM delay_notice WHERE event_id = ?)",
            [event_id, event_id, ctx.now, ctx.now, event_id],
        )
    return ReviewOutcome(moved, emails, notices)


async def bench_review(  # type: ignore[no-untyped-def]
    policy: Policy, ctx_factory, reps: int
) -> tuple[float, float, ReviewOutcome, ReviewOutcome]:
    """Median seconds of the review and of its floor, and what each wrote."""
    marks = await snapshot()
    times_m, times_f = [], []
    out_m = out_f = ReviewOutcome(0, 0, 0)
    for rep in range(reps):
        t0 = time.perf_counter()
        out_m = await measured(policy, ctx_factory)
        times_m.append(time.perf_counter() - t0)
        if rep == 0:
            await keep_target(marks)
        await restore(marks)
        t0 = time.perf_counter()
        out_f = await floor(policy, ctx_factory)
        times_f.append(time.perf_counter() - t0)
        await restore(marks)
        print(
            f"  run {rep + 1}: review {times_m[-1] * 1000:,.0f} ms,"
            f" floor {times_f[-1] * 1000:,.0f} ms",
            flush=True,
        )
    return statistics.median(times_m), statistics.median(times_f), out_m, out_f
