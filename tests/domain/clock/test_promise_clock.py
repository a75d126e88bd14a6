"""The promise clock: DOMAIN.md rules 18-20, and rules 10 and 14 run by it (domain/clock)."""

from __future__ import annotations

import asyncio
import datetime as dt
from decimal import Decimal

import pytest

from domain.builds.models import BuildRequest
from domain.clock.job_runs import run_once
from domain.clock.jobs import DAILY
from domain.clock.models import JobRun
from domain.clock.runner import run_day
from domain.context import Policy
from domain.ledger.models import LedgerEntry
from domain.ordering.changes import respond_to_delay_notice
from domain.ordering.models import DelayNotice, EtaChange, EtaEvent, OrderLine
from domain.outbox.models import OutboxMessage
from domain.supply.purchase_orders import revise_expected_date
from domain.vocabulary import (
    BuildStatus,
    DelayNoticeStatus,
    EtaBasis,
    EtaReason,
    LedgerKind,
    OutboxKind,
    OutboxStatus,
    ShipPreference,
)
from tests import builders as b
from tests.conftest import on_postgres

pytestmark = pytest.mark.usefixtures("db")
POLICY = b.POLICY
MARGIN = POLICY.late_delivery_margin_days
ETA_MAIL = (OutboxKind.ETA_CHANGED, OutboxKind.DELAY_NOTICE)


def day(offset: int) -> dt.date:
    return b.TODAY + dt.timedelta(days=offset)


async def _line(order_id: int) -> OrderLine:
    return await OrderLine.get(order_id=order_id)


async def _eta_mail(order_id: int) -> list[OutboxMessage]:
    return await OutboxMessage.filter(order_id=order_id, kind__in=ETA_MAIL).order_by("id")


async def _waiting_on_po(expected: int = 10, lead: int = 60) -> tuple[int, int]:
    """Two units waiting on a PO expected in ``expected`` days: (po id, order id)."""
    supplier = await b.supplier(lead_time_days=lead)
    product = await b.product(supplier_=supplier, price="25.00")
    po = await b.purchase_order(supplier, day(expected), (product, 10))
    placed = await b.order((product, 2))
    return po.id, placed.order.id


async def test_a_po_passing_its_date_redates_its_lines_next_day_as_late_delivery_emailed_once() -> (
    None
):
    _, order_id = await _waiting_on_po(expected=10)
    line = await _line(order_id)
    assert (line.eta_basis, line.eta_latest) == (EtaBasis.PURCHASE_ORDER, day(15))
    await run_day(day(10), POLICY)  # expected today: not overdue yet
    assert (await _line(order_id)).eta_basis == EtaBasis.PURCHASE_ORDER
    assert await _eta_mail(order_id) == []

    await run_day(day(11), POLICY)
    line = await _line(order_id)
    assert line.eta_basis == EtaBasis.LATE_DELIVERY
    assert (line.eta_earliest, line.eta_latest) == (day(13), day(10 + MARGIN + 5))
    event = await EtaEvent.get(reason=EtaReason.DAILY_REVIEW)
    assert event.actor == "system"
    mails = await _eta_mail(order_id)
    assert [(m.kind, m.event_id) for m in mails] == [(OutboxKind.DELAY_NOTICE, event.id)]

    await run_day(day(11), POLICY)  # a second run the same day does nothing
    for later in range(12, 10 + MARGIN + 1):  # the late window holds its end: no more email
        await run_day(day(later), POLICY)
    assert len(await _eta_mail(order_id)) == 1
    line = await _line(order_id)
    assert line.eta_earliest == day(10 + MARGIN + 2) and line.eta_latest == day(10 + MARGIN + 5)
    assert await DelayNotice.filter(status=DelayNoticeStatus.OPEN).count() == 1
    assert await EtaEvent.filter(reason=EtaReason.DAILY_REVIEW).count() == MARGIN


async def test_stock_unshipped_as_its_window_begins_gets_its_delay_notice_that_day_unedited() -> (
    None
):
    product = await b.product(on_hand=5)
    placed = await b.order((product, 1))
    line = await _line(placed.order.id)
    assert (line.eta_basis, line.eta_earliest, line.eta_latest) == (
        EtaBasis.IN_STOCK,
        day(2),
        day(5),
    )
    await run_day(day(1), POLICY)
    assert await DelayNotice.all().count() == 0
    await run_day(day(2), POLICY)  # still on the shelf as its window begins
    line = await _line(placed.order.id)
    assert (line.eta_earliest, line.eta_latest) == (day(4), day(7))
    notice = await DelayNotice.get(line_id=line.id)
    assert (notice.previous_latest, notice.new_latest, notice.status) == (
        day(5),
        day(7),
        DelayNoticeStatus.OPEN,
    )
    assert notice.created_at.date() == day(2)
    assert [m.kind for m in await _eta_mail(placed.order.id)] == [OutboxKind.DELAY_NOTICE]


async def test_lead_time_is_from_today_and_a_clock_down_three_days_catches_up_once() -> None:
    supplier = await b.supplier(lead_time_days=20)
    product = await b.product(supplier_=supplier)
    placed = await b.order((product, 1))
    assert (await _line(placed.order.id)).eta_latest == day(25)
    await run_day(day(0), POLICY)
    await run_day(day(4), POLICY)  # days 1 to 3 missed
    periods = sorted(await JobRun.filter(job="review_etas").values_list("period", flat=True))
    assert periods == [day(0).isoformat(), day(4).isoformat()]
    line = await _line(placed.order.id)
    assert (line.eta_basis, line.eta_earliest, line.eta_latest) == (
        EtaBasis.LEAD_TIME,
        day(26),
        day(29),
    )
    changes = await EtaChange.filter(line_id=line.id, event__reason=EtaReason.DAILY_REVIEW)
    assert len(changes) == 1 and changes[0].old_latest == day(25)
    assert len(await _eta_mail(placed.order.id)) == 1
    assert await JobRun.filter(period=day(4).isoformat()).count() == len(DAILY)


async def test_two_clocks_started_together_run_a_period_once() -> None:
    _, order_id = await _waiting_on_po(expected=3)
    first, second = await asyncio.gather(run_day(day(5), POLICY), run_day(day(5), POLICY))
    ran = [o.job for o in first + second if o.ran]
    assert sorted(ran) == sorted(job.name for job in DAILY)
    assert await JobRun.filter(period=day(5).isoformat()).count() == len(DAILY)
    assert await EtaEvent.filter(reason=EtaReason.DAILY_REVIEW).count() == 1
    assert len(await _eta_mail(order_id)) == 1


async def test_a_job_runs_once_per_period_even_when_both_runners_overlap() -> None:
    """Three runners inside their own transactions (separate connections on PostgreSQL)."""
    entered = 0
    loop = asyncio.get_running_loop()
    work_done_at: list[float] = []

    async def slow() -> dict[str, int]:
        nonlocal entered
        entered += 1
        await asyncio.sleep(0.5)
        work_done_at.append(loop.time())
        return {"did": 1}

    async def runner() -> tuple[object, float]:
        result = await run_once("probe", "2027-03-01", slow)
        return result, loop.time()

    results = await asyncio.gather(runner(), runner(), runner())
    assert entered == 1 and sorted(str(r) for r, _ in results) == ["None", "None", "{'did': 1}"]
    assert await JobRun.filter(job="probe").count() == 1
    if on_postgres():
        # The others did not queue behind the runner: its advisory lock on job:period told
        # them at once that the period was taken, while it was still working.
        skipped = [at for r, at in results if r is None]
        assert all(at < work_done_at[0] for at in skipped), (skipped, work_done_at)


async def test_a_job_that_crashes_leaves_its_period_to_be_retried() -> None:
    async def crash() -> dict[str, int]:
        await JobRun.create(
            job="side-effect",
            period="x",
            started_at=b.NOON,
            finished_at=b.NOON,
        )
        raise RuntimeError("power cut")

    with pytest.raises(RuntimeError):
        await run_once("probe", "2027-03-01", crash)
    assert await JobRun.all().count() == 0  # neither the job-run row nor the work is kept

    async def works() -> dict[str, int]:
        return {"did": 1}

    assert await run_once("probe", "2027-03-01", works) == {"did": 1}
    assert await run_once("probe", "2027-03-01", works) is None


async def test_silence_after_a_first_notice_consents_after_a_second_the_clock_cancels_refunds() -> (
    None
):
    po_id, order_id = await _waiting_on_po(expected=10)
    await revise_expected_date(po_id, day(20), "Supplier slipped", ctx=b.ctx())
    first = await DelayNotice.get(status=DelayNoticeStatus.OPEN)
    await run_day(first.deadline, POLICY)  # the deadline day itself is still for answering
    assert (await DelayNotice.get(id=first.id)).status == DelayNoticeStatus.OPEN
    await run_day(first.deadline + dt.timedelta(days=1), POLICY)
    assert (await DelayNotice.get(id=first.id)).status == DelayNoticeStatus.CONSENTED
    assert (await _line(order_id)).consented_latest == day(25)

    await revise_expected_date(po_id, day(30), "Slipped again", ctx=b.later(b.ctx(), days=9))
    second = await DelayNotice.get(status=DelayNoticeStatus.OPEN)
    assert second.requires_answer
    run = await run_day(second.deadline + dt.timedelta(days=1), POLICY)
    lapsed = next(o for o in run if o.job == "lapse_delay_notices")
    assert lapsed.summary == {"consented": 0, "cancelled": 1}
    line = await _line(order_id)
    assert (line.qty_waiting, line.qty_cancelled) == (0, 2)
    refund = await LedgerEntry.get(line_id=line.id, kind=LedgerKind.REFUND_DUE)
    assert (refund.quantity, refund.amount) == (2, Decimal("50.00"))


async def test_an_answered_notice_is_not_lapsed_by_the_clock() -> None:
    po_id, order_id = await _waiting_on_po(expected=10)
    await revise_expected_date(po_id, day(20), "Supplier slipped", ctx=b.ctx())
    notice = await DelayNotice.get(status=DelayNoticeStatus.OPEN)
    await respond_to_delay_notice(order_id, notice.id, True, ctx=b.ctx())
    await run_day(notice.deadline + dt.timedelta(days=1), POLICY)
    assert (await DelayNotice.get(id=notice.id)).status == DelayNoticeStatus.KEPT


async def test_quotes_expire_through_the_clock() -> None:
    built = await b.build_request()
    await run_day(day(POLICY.quote_valid_days), POLICY)
    assert (await BuildRequest.get(id=built.request.id)).status == BuildStatus.QUOTED
    run = await run_day(day(POLICY.quote_valid_days + 1), POLICY)
    assert next(o for o in run if o.job == "expire_quotes").summary == {"quotes_expired": 1}
    assert (await BuildRequest.get(id=built.request.id)).status == BuildStatus.EXPIRED


async def test_housekeeping_forgets_old_idempotency_keys_and_sent_mail_but_the_last_eta_email() -> (
    None
):
    policy = Policy(
        secret_key="test-secret", idempotency_retention_days=5, sent_mail_retention_days=5
    )
    product = await b.product(on_hand=5)
    old = await b.order((product, 1), key="checkout-old")
    await OutboxMessage.filter(order_id=old.order.id).update(
        status=OutboxStatus.SENT, sent_at=b.NOON
    )
    kept_eta = await OutboxMessage.create(
        kind=OutboxKind.ETA_CHANGED,
        recipient="a@example.com",
        order_id=old.order.id,
        message_id="kept@example",
        status=OutboxStatus.SENT,
        next_attempt_at=b.NOON,
        created_at=b.NOON,
        sent_at=b.NOON,
    )
    fresh = await b.order((product, 1), key="checkout-new", context=b.later(b.ctx(), days=4))
    run = await run_day(day(6), policy)
    summary = next(o for o in run if o.job == "housekeeping").summary
    assert summary == {
        "idempotency_keys_forgotten": 1,
        "sent_emails_deleted": 1,
        "sent_webhooks_deleted": 0,
    }
    assert (await OrderLine.get(order_id=old.order.id)).order_id == old.order.id
    from domain.ordering.models import Order

    assert (await Order.get(id=old.order.id)).idempotency_key is None
    assert (await Order.get(id=fresh.order.id)).idempotency_key == "checkout-new"
    assert await OutboxMessage.filter(id=kept_eta.id).exists()
    assert await OutboxMessage.filter(order_id=fresh.order.id).exists()


async def test_a_ship_complete_line_held_for_its_parcel_is_not_redated_while_it_waits() -> None:
    # Rule 12 with rule 18: one line is on the shelf, the other waits on a PO three weeks out.
    # The customer is told the parcel's window, which the waiting line carries; the line on the
    # shelf is held for it, not dated again (nor emailed, nor noticed) every other morning.
    on_shelf = await b.product(on_hand=5)
    supplier = await b.supplier()
    awaited = await b.product(supplier_=supplier)
    await b.purchase_order(supplier, day(20), (awaited, 5))
    placed = await b.order((on_shelf, 1), (awaited, 1), preference=ShipPreference.SHIP_COMPLETE)
    held = await OrderLine.get(order_id=placed.order.id, product_id=on_shelf.id)
    before = (held.eta_basis, held.eta_earliest, held.eta_latest)
    for offset in range(1, 15):
        await run_day(day(offset), POLICY)
    held = await OrderLine.get(id=held.id)
    assert (held.eta_basis, held.eta_earliest, held.eta_latest) == before
    assert await EtaChange.filter(line_id=held.id).count() == 0
    assert await DelayNotice.all().count() == 0
    assert await _eta_mail(placed.order.id) == []


async def test_a_ship_complete_line_is_noticed_only_past_the_date_accepted_for_its_parcel() -> None:
    # Rule 10 with rule 12: the customer accepted a later date for the parcel; a line of it
    # that moves within that date travels in the same parcel and needs no notice of its own.
    supplier = await b.supplier()
    early, late = await b.product(supplier_=supplier), await b.product(supplier_=supplier)
    early_po = await b.purchase_order(supplier, day(5), (early, 2))
    late_po = await b.purchase_order(supplier, day(20), (late, 2))
    placed = await b.order((early, 1), (late, 1), preference=ShipPreference.SHIP_COMPLETE)
    await revise_expected_date(late_po.id, day(40), "late", ctx=b.ctx())
    notice = await DelayNotice.get(order_id=placed.order.id)
    await respond_to_delay_notice(placed.order.id, notice.id, True, ctx=b.ctx())
    await revise_expected_date(early_po.id, day(30), "later, still before the parcel", ctx=b.ctx())
    early_line = await OrderLine.get(order_id=placed.order.id, product_id=early.id)
    assert early_line.eta_latest == day(30 + POLICY.transit_days_max)
    assert (
        early_line.promised_latest is not None
        and early_line.eta_latest > early_line.promised_latest
    )
    assert await DelayNotice.filter(order_id=placed.order.id).count() == 1
    # Past the parcel's accepted date it is a delay like any other.
    await revise_expected_date(early_po.id, day(50), "later than the parcel", ctx=b.ctx())
    assert await DelayNotice.filter(line_id=early_line.id).count() == 1
