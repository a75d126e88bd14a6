"""Rules 18-19 for builds: a made-to-order or custom-build line past its build date is dated
again by the daily review (domain/ordering/build_review.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from domain.clock.runner import run_day
from domain.ordering.models import DelayNotice, EtaChange, EtaEvent, OrderLine
from domain.outbox.models import OutboxMessage
from domain.vocabulary import AvailabilityMode, EtaBasis, EtaReason, OutboxKind
from tests import builders as b

pytestmark = pytest.mark.usefixtures("db")
POLICY = b.POLICY
TMIN, TMAX = POLICY.transit_days_min, POLICY.transit_days_max
MARGIN = POLICY.late_delivery_margin_days
ETA_MAIL = (OutboxKind.ETA_CHANGED, OutboxKind.DELAY_NOTICE)


def day(offset: int) -> dt.date:
    return b.TODAY + dt.timedelta(days=offset)


async def _made_to_order(lead: int = 10) -> int:
    supplier = await b.supplier(lead_time_days=lead)
    product = await b.product(
        mode=AvailabilityMode.MADE_TO_ORDER, supplier_=supplier, lead_time_days=lead
    )
    placed = await b.order((product, 1))
    return placed.order.id


async def test_a_build_past_its_date_is_dated_from_today_with_its_delay_notice_that_day() -> None:
    order_id = await _made_to_order(lead=10)
    line = await OrderLine.get(order_id=order_id)
    assert (line.eta_basis, line.eta_earliest, line.eta_latest) == (
        EtaBasis.BUILD,
        day(10 + TMIN),
        day(10 + TMAX),
    )
    await run_day(day(10), POLICY)  # due to be ready today: not late yet
    assert await EtaChange.filter(line_id=line.id).count() == 0

    await run_day(day(11), POLICY)  # a day late, nothing edited
    line = await OrderLine.get(id=line.id)
    assert line.eta_basis == EtaBasis.BUILD
    assert (line.eta_earliest, line.eta_latest) == (day(11 + TMIN), day(10 + MARGIN + TMAX))
    assert line.eta_earliest is not None and line.eta_earliest > day(11)  # rule 18
    event = await EtaEvent.get(reason=EtaReason.DAILY_REVIEW)
    notice = await DelayNotice.get(line_id=line.id)  # rule 19: told that day
    assert (notice.event_id, notice.previous_latest, notice.new_latest) == (
        event.id,
        day(10 + TMAX),
        day(10 + MARGIN + TMAX),
    )
    mails = await OutboxMessage.filter(order_id=order_id, kind__in=ETA_MAIL)
    assert [m.kind for m in mails] == [OutboxKind.DELAY_NOTICE]


async def test_a_late_build_is_told_once_per_margin_not_every_morning() -> None:
    order_id = await _made_to_order(lead=10)
    for offset in range(11, 11 + MARGIN):
        await run_day(day(offset), POLICY)
    mails = await OutboxMessage.filter(order_id=order_id, kind__in=ETA_MAIL)
    assert len(mails) == 1
    line = await OrderLine.get(order_id=order_id)
    assert line.eta_earliest == day(10 + MARGIN + TMIN)  # the earliest follows the calendar
    await run_day(day(11 + MARGIN), POLICY)  # past the first margin: the end steps once
    line = await OrderLine.get(id=line.id)
    assert line.eta_latest == day(10 + 2 * MARGIN + TMAX)
    assert await OutboxMessage.filter(order_id=order_id, kind__in=ETA_MAIL).count() == 2


async def test_a_build_on_time_is_left_alone_by_the_review() -> None:
    order_id = await _made_to_order(lead=30)
    for offset in (1, 2, 29):
        await run_day(day(offset), POLICY)
    line = await OrderLine.get(order_id=order_id)
    assert (line.eta_earliest, line.eta_latest) == (day(30 + TMIN), day(30 + TMAX))
    assert await EtaChange.filter(line_id=line.id).count() == 0
