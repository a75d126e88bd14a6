"""A workshop slip (domain/builds/slips.py): staff give a later build date to a custom build or
to a made-to-order product's waiting lines. An ETA event (rule 8) with emails by rule 9, delay
notices by rule 10, its exact preview, and a date the daily review keeps (rule 18)."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from domain.builds.slips import (
    preview_custom_build_slip,
    preview_made_to_order_slip,
    slip_custom_build,
    slip_made_to_order,
)
from domain.catalog.models import CatalogChange, Product
from domain.clock.runner import run_day
from domain.errors import Conflict, InvalidInput
from domain.notifications.composing.words import reason as reason_words
from domain.ordering.models import DelayNotice, EtaChange, EtaEvent, OrderLine
from domain.outbox.models import OutboxMessage
from domain.vocabulary import AvailabilityMode, EtaBasis, EtaReason, OutboxKind
from tests import builders as b
from tests.domain.builds.test_build_supply import accepted_build

pytestmark = pytest.mark.usefixtures("db")
POLICY = b.POLICY
TMIN, TMAX = POLICY.transit_days_min, POLICY.transit_days_max
ETA_MAIL = (OutboxKind.ETA_CHANGED, OutboxKind.DELAY_NOTICE)


def day(offset: int) -> dt.date:
    return b.TODAY + dt.timedelta(days=offset)


async def _made_to_order(lead: int = 10, orders: int = 1) -> tuple[int, list[int]]:
    supplier = await b.supplier(lead_time_days=lead)
    product = await b.product(
        mode=AvailabilityMode.MADE_TO_ORDER, supplier_=supplier, lead_time_days=lead
    )
    placed = [(await b.order((product, 1))).order.id for _ in range(orders)]
    return product.id, placed


async def test_a_workshop_slip_redates_the_build_and_emails_once() -> None:
    product_id, (order_id,) = await _made_to_order(lead=10)
    done = await slip_made_to_order(product_id, day(20).isoformat(), "The oven broke", ctx=b.ctx())
    assert (done.lines_moved, done.orders_moved, done.emails_queued) == (1, 1, 1)
    line = await OrderLine.get(order_id=order_id)
    assert (line.eta_earliest, line.eta_latest, line.eta_basis) == (
        day(20 + TMIN),
        day(20 + TMAX),
        EtaBasis.BUILD,
    )
    assert line.build_ready_on == day(20)
    event = await EtaEvent.get(reason=EtaReason.BUILD_SLIPPED)
    assert event.product_id == product_id
    assert reason_words(event.reason, event.detail) == (
        "Our workshop needs more time to build your item. The oven broke."
    )
    change = await EtaChange.get(line_id=line.id, event_id=event.id)
    assert (change.old_earliest, change.new_earliest, change.material) == (
        day(10 + TMIN),
        day(20 + TMIN),
        True,
    )
    # Past the promised latest: one delay notice (rule 10), the one email of this order.
    mails = await OutboxMessage.filter(order_id=order_id, kind__in=ETA_MAIL)
    assert [m.kind for m in mails] == [OutboxKind.DELAY_NOTICE]
    assert await DelayNotice.filter(line_id=line.id, event_id=event.id).count() == 1
    assert await CatalogChange.filter(action="build_slipped", event_id=event.id).count() == 1


async def test_a_one_day_slip_past_the_promise_is_small_but_still_a_delay_notice() -> None:
    product_id, (order_id,) = await _made_to_order(lead=10)
    done = await slip_made_to_order(product_id, day(11), "A day late", ctx=b.ctx())
    assert (done.lines_moved, done.emails_queued, done.delay_notices) == (1, 1, 1)
    change = await EtaChange.get(line__order_id=order_id)
    assert change.material is False  # under the threshold (rule 9), yet past the promise
    mails = await OutboxMessage.filter(order_id=order_id, kind__in=ETA_MAIL)
    assert [m.kind for m in mails] == [OutboxKind.DELAY_NOTICE]


async def test_a_made_to_order_slip_leaves_lines_already_dated_later() -> None:
    product_id, (first,) = await _made_to_order(lead=10)
    product = await Product.get(id=product_id)
    later = await b.order((product, 1), context=b.later(b.ctx(), days=9))
    done = await slip_made_to_order(product_id, day(15), "Backlog", ctx=b.ctx())
    assert done.lines_moved == 1
    assert (await OrderLine.get(order_id=first)).eta_earliest == day(15 + TMIN)
    assert (await OrderLine.get(order_id=later.order.id)).eta_earliest == day(19 + TMIN)


async def test_the_preview_of_a_slip_equals_its_outcome_and_keeps_nothing() -> None:
    product_id, _ = await _made_to_order(lead=10, orders=3)
    before = [(x.id, x.eta_earliest) for x in await OrderLine.all().order_by("id")]
    seen = await preview_made_to_order_slip(product_id, day(30), "Backlog", ctx=b.ctx())
    assert [(x.id, x.eta_earliest) for x in await OrderLine.all().order_by("id")] == before
    assert await EtaEvent.filter(reason=EtaReason.BUILD_SLIPPED).count() == 0
    assert await OutboxMessage.filter(kind__in=ETA_MAIL).count() == 0
    done = await slip_made_to_order(product_id, day(30), "Backlog", ctx=b.ctx())
    assert (seen.lines_moved, seen.orders_moved, seen.emails_queued, seen.delay_notices) == (
        done.lines_moved,
        done.orders_moved,
        done.emails_queued,
        done.delay_notices,
    )
    assert seen.lines_moved == 3 and seen.customers_emailed == 3 and seen.delay_notices == 3
    assert len(seen.touched) == 3 and all(t.delay_notice for t in seen.touched)


async def test_a_custom_build_slip_moves_that_build_only() -> None:
    motorcycle, options = await b.custom_build_product(lead_time_days=30)
    ada = await accepted_build(await b.build_request(motorcycle, options, email="ada@example.com"))
    bea = await accepted_build(await b.build_request(motorcycle, options, email="bea@example.com"))
    assert ada.build_request_id is not None  # type: ignore[attr-defined]
    seen = await preview_custom_build_slip(
        ada.build_request_id,  # type: ignore[attr-defined]
        day(60),
        "Frame jig out of true",
        ctx=b.ctx(),
    )
    done = await slip_custom_build(
        ada.build_request_id,  # type: ignore[attr-defined]
        day(60),
        "Frame jig out of true",
        ctx=b.ctx(),
    )
    assert (
        (seen.lines_moved, seen.emails_queued, seen.delay_notices)
        == (
            done.lines_moved,
            done.emails_queued,
            done.delay_notices,
        )
        == (1, 1, 1)
    )
    assert (await OrderLine.get(id=ada.id)).eta_earliest == day(60 + TMIN)
    event = await EtaEvent.get(reason=EtaReason.BUILD_SLIPPED)
    assert reason_words(event.reason, event.detail).endswith(" Frame jig out of true.")
    assert (await OrderLine.get(id=bea.id)).eta_earliest == bea.eta_earliest


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2020-01-01", "past"),
        ("٢٠٢٧-٠٣-١٤", "date such as"),  # Arabic-Indic digits
        ("99999999999-01-01", "date such as"),
        ("2027-13-40", "date such as"),
        ("", "new build date"),
        ("x" * 10_000, "date such as"),
    ],
)
async def test_a_bad_build_date_is_refused_naming_the_field_and_changes_nothing(
    value: str, message: str
) -> None:
    product_id, (order_id,) = await _made_to_order(lead=10)
    with pytest.raises(InvalidInput, match=message) as refused:
        await slip_made_to_order(product_id, value, "Backlog", ctx=b.ctx())
    assert refused.value.field == "buildDate"
    assert await EtaEvent.filter(reason=EtaReason.BUILD_SLIPPED).count() == 0
    assert (await OrderLine.get(order_id=order_id)).build_ready_on is None


async def test_a_slip_needs_a_reason_and_a_made_to_order_product() -> None:
    product_id, _ = await _made_to_order(lead=10)
    with pytest.raises(InvalidInput) as refused:
        await slip_made_to_order(product_id, day(20), "   ", ctx=b.ctx())
    assert refused.value.field == "reason"
    stocked = await b.product()
    with pytest.raises(Conflict) as wrong:
        await slip_made_to_order(stocked.id, day(20), "Backlog", ctx=b.ctx())
    assert wrong.value.field == "productId"


async def test_the_next_daily_review_keeps_the_slipped_date() -> None:
    product_id, (order_id,) = await _made_to_order(lead=10)
    await slip_made_to_order(product_id, day(20), "The oven broke", ctx=b.ctx())
    for offset in (1, 11, 12, 20):  # past the promise, not past the slipped day
        await run_day(day(offset), POLICY)
    line = await OrderLine.get(order_id=order_id)
    assert (line.eta_earliest, line.eta_latest) == (day(20 + TMIN), day(20 + TMAX))
    assert await EtaEvent.filter(reason=EtaReason.DAILY_REVIEW).count() == 0
    await run_day(day(21), POLICY)  # the slipped day passed: late from that day
    line = await OrderLine.get(id=line.id)
    assert line.eta_earliest == day(21 + TMIN)
    assert line.eta_latest == day(20 + POLICY.late_delivery_margin_days + TMAX)


async def test_racing_slips_end_on_the_latest_date_with_an_unbroken_history() -> None:
    """Staff at two desks record slips of one product at once: each is serialised on the
    product, a slip that no longer moves anything is refused, and every line's history is one
    chain ending at the latest date given."""
    product_id, orders = await _made_to_order(lead=10, orders=4)

    async def slip(offset: int) -> int:
        try:
            done = await slip_made_to_order(product_id, day(offset), "Backlog", ctx=b.ctx())
        except InvalidInput:
            return 0
        return done.lines_moved

    moved = await asyncio.gather(*(slip(offset) for offset in (20, 30, 25, 30, 20, 25)))
    assert sum(moved) >= 4
    for line in await OrderLine.filter(order_id__in=orders):
        assert (line.build_ready_on, line.eta_earliest) == (day(30), day(30 + TMIN))
        chain = await EtaChange.filter(line_id=line.id).order_by("id")
        assert chain[0].old_earliest == day(10 + TMIN)
        assert all(
            a.new_earliest == b_.old_earliest for a, b_ in zip(chain, chain[1:], strict=False)
        )
        assert chain[-1].new_earliest == day(30 + TMIN)
