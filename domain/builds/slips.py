"""A workshop slip (DOMAIN.md rules 8-10, 14, 18, 23): staff record a new build date.

For one custom build, or for the waiting lines of a made-to-order product, the lines are dated
from the new day the workshop will have them ready. It is an ETA event like any other
(``build_slipped``): history, emails by rule 9, delay notices by rule 10, all through
``announce_event``. The day is kept on each line (``build_ready_on``) so that the daily review
of build lines (:mod:`domain.ordering.build_review`) dates a late build from it, not from the
promise, and leaves a slipped date alone until that day has passed.

The exact impact can be seen first (``preview_*``) with ``preview_event``, the preview every
ETA event has.
"""

from __future__ import annotations

import datetime as dt

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from domain.builds.models import BuildRequest
from domain.catalog import stock
from domain.catalog.change_log import audit
from domain.catalog.checks import clean_date
from domain.catalog.models import Product
from domain.context import Context
from domain.db import Dialect, execute, fetch, packed, with_retries
from domain.errors import Conflict, InvalidInput, NotFound
from domain.ordering.impact import EventImpact, preview_event
from domain.ordering.models import EtaEvent
from domain.ordering.queue import Recomputed, announce_event
from domain.ordering.redating import redate
from domain.promises.eta import Window, delivery_window
from domain.rows import as_date
from domain.validation import clean_text
from domain.vocabulary import AvailabilityMode, BuildStatus, EtaBasis, EtaReason

FIELD_DATE = "buildDate"


def _checked(build_date: object, reason: str, ctx: Context) -> tuple[dt.date, str]:
    """The new build day (today or later, rule 18) and the reason customers read."""
    day = clean_date(build_date, field=FIELD_DATE)
    if day is None:
        raise InvalidInput("Enter the new build date.", field=FIELD_DATE)
    if day < ctx.today:
        raise InvalidInput(
            f"The build date cannot be in the past (today is {ctx.today}).", field=FIELD_DATE
        )
    why = clean_text(reason, field="reason", max_length=300)
    return day, why


async def _slip(
    conn: BaseDBAsyncClient,
    product_id: int,
    lines: list[dict],
    day: dt.date,
    label: str,
    why: str,
    *,
    later_only: bool,
    audited: str,
    ctx: Context,
) -> Recomputed:
    """Date ``lines`` (waiting build lines) from ``day``, as one ``build_slipped`` event that
    customers read as ``label: build date …: why``; staff's audit reads ``audited`` before the
    date (the product is on the entry)."""
    detail = f"{label}: build date {day.isoformat()}: {why}"
    new = delivery_window(day, EtaBasis.BUILD, ctx.policy)
    due: list[tuple[int, Window]] = []
    for row in lines:
        old = Window(
            as_date(row["eta_earliest"]), as_date(row["eta_latest"]), EtaBasis(row["eta_basis"])
        )
        if later_only and old.earliest is not None and old.earliest >= new.earliest:  # type: ignore[operator]
            continue
        if old != new or as_date(row["build_ready_on"]) != day:
            due.append((int(row["id"]), old))
    if not due:
        raise InvalidInput(
            "Every waiting line is already dated from this build date or later.",
            field=FIELD_DATE,
        )
    event = await EtaEvent.create(
        product_id=product_id,
        reason=EtaReason.BUILD_SLIPPED,
        detail=detail[:500],
        actor=str(ctx.actor),
        created_at=ctx.now,
        using_db=conn,
    )
    moved = [(line_id, old, new) for line_id, old in due if old != new]
    await redate(conn, event.id, moved, ctx.policy.email_threshold_days)
    d = Dialect(conn)
    for ids in packed([line_id for line_id, _ in due], lambda _: 1):
        await execute(
            conn,
            f"UPDATE order_line SET build_ready_on = {d.date}"
            f" WHERE id IN ({', '.join(['?'] * len(ids))})",
            [day, *ids],
        )
    if not moved:
        await execute(conn, "DELETE FROM eta_event WHERE id = ?", [event.id])
        done = Recomputed(None, 0, 0, 0, 0)
    else:
        done = await announce_event(conn, event.id, len(moved), ctx)
    await audit(
        conn,
        ctx,
        "build_slipped",
        f"{audited}build date {day.isoformat()} ({why})",
        product_id=product_id,
        event_id=done.event_id,
    )
    return done


_WAITING = (
    "SELECT id, eta_earliest, eta_latest, eta_basis, build_ready_on FROM order_line"
    " WHERE qty_waiting > 0"
)


async def slip_custom_build(
    request_id: int, build_date: object, reason: str, *, ctx: Context
) -> Recomputed:
    """The workshop will have custom build ``request_id`` ready on ``build_date``."""
    day, why = _checked(build_date, reason, ctx)

    async def work() -> Recomputed:
        async with in_transaction() as conn:
            request = await BuildRequest.filter(id=request_id).using_db(conn).first()
            if request is None:
                raise NotFound("No such custom build.", field="requestId")
            if request.status != BuildStatus.ACCEPTED:
                raise Conflict("Only an accepted custom build has a build date.", field="requestId")
            await stock.lock(conn, [request.product_id])
            lines = await fetch(
                conn, _WAITING + " AND build_request_id = ? ORDER BY id", [request.id]
            )
            if not lines:
                raise Conflict("Nothing of this custom build waits to be built.", field="requestId")
            label = f"build {request.number}"
            return await _slip(
                conn,
                request.product_id,
                lines,
                day,
                label,
                why,
                later_only=False,
                audited=f"{label}: ",
                ctx=ctx,
            )

    return await with_retries(work)


async def slip_made_to_order(
    product_id: int, build_date: object, reason: str, *, ctx: Context
) -> Recomputed:
    """The workshop builds nothing more of made-to-order product ``product_id`` before
    ``build_date``: its waiting lines dated earlier are dated from that day."""
    day, why = _checked(build_date, reason, ctx)

    async def work() -> Recomputed:
        async with in_transaction() as conn:
            await stock.lock(conn, [product_id])
            product = await Product.filter(id=product_id).using_db(conn).first()
            if product is None:
                raise NotFound("No such product.", field="productId")
            if product.mode != AvailabilityMode.MADE_TO_ORDER:
                raise Conflict("Only a made-to-order product has a build date.", field="productId")
            lines = await fetch(
                conn,
                _WAITING + " AND product_id = ? AND build_request_id IS NULL ORDER BY id",
                [product.id],
            )
            if not lines:
                raise Conflict("Nothing of this product waits to be built.", field="productId")
            return await _slip(
                conn,
                product.id,
                lines,
                day,
                product.sku,
                why,
                later_only=True,
                audited="",
                ctx=ctx,
            )

    return await with_retries(work)


async def preview_custom_build_slip(
    request_id: int, build_date: object, reason: str, *, ctx: Context
) -> EventImpact:
    """The exact outcome of ``slip_custom_build`` now, with nothing kept."""

    async def work() -> Recomputed:
        return await slip_custom_build(request_id, build_date, reason, ctx=ctx)

    return await preview_event(work)


async def preview_made_to_order_slip(
    product_id: int, build_date: object, reason: str, *, ctx: Context
) -> EventImpact:
    """The exact outcome of ``slip_made_to_order`` now, with nothing kept."""

    async def work() -> Recomputed:
        return await slip_made_to_order(product_id, build_date, reason, ctx=ctx)

    return await preview_event(work)
