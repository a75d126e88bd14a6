"""What each email says (issue #5, part 2), in both parts, received by a real SMTP server."""

from __future__ import annotations

import datetime as dt
import html

import pytest

from domain.customers.services import resend_order_links
from domain.ordering.changes import CancelRequest, cancel_order_lines, respond_to_delay_notice
from domain.ordering.models import DelayNotice, Order
from domain.ordering.services import LineRequest, OrderRequest, find_order_by_token, place_order
from domain.outbox.models import OutboxMessage
from domain.supply.purchase_orders import revise_expected_date
from domain.vocabulary import OutboxKind, OutboxStatus, ShipPreference
from tests import builders as b
from tests.domain.notifications.conftest import Received, RunningClock, SmtpServer, send_all

pytestmark = pytest.mark.usefixtures("db")

TRICKY_NAME = 'Ada <b>"Bold"</b> & Co'
TRICKY_ADDRESS = "1 <script>alert(1)</script> Way\nLondon & Co"


def only(smtp: SmtpServer, subject_part: str) -> Received:
    found = [m for m in smtp.inbox.received if subject_part in m.subject]
    assert len(found) == 1, [m.subject for m in smtp.inbox.received]
    return found[0]


def day(offset: int) -> dt.date:
    return b.TODAY + dt.timedelta(days=offset)


async def _status_link_works(message: Received, order_id: int) -> None:
    token = message.text.split("/orders/")[1].split()[0]
    assert (await find_order_by_token(token)).id == order_id
    assert f"{b.POLICY.base_url}/orders/{token}" in message.html


async def test_confirmation_tells_what_ships_now_what_waits_and_the_split(smtp: SmtpServer) -> None:
    supplier = await b.supplier()
    helmet = await b.product(on_hand=5)
    cooler = await b.product(supplier_=supplier)
    await b.purchase_order(supplier, day(10), (cooler, 10))
    placed = await b.order((helmet, 2), (cooler, 3))
    await send_all(smtp)
    mail = only(smtp, f"Order {placed.order.number} confirmed")
    names = {line.sku: line.name for line in placed.order.lines}
    for part in (mail.text, mail.html):
        assert names[helmet.sku] in part and names[cooler.sku] in part
        assert "2 in stock, ships now" in part
        assert "expected 13–16 March 2027" in part  # PO in 10 days plus 2 to 5 days transit
        assert "based on a confirmed delivery from our supplier" in part
        assert "How your order will be split" in part
        assert "Parcel 1" in part and "Parcel 2" in part
        assert "€500.00" in part
    assert "3 wait" in mail.text
    await _status_link_works(mail, placed.order.id)


async def test_confirmation_of_ship_complete_promises_one_parcel(smtp: SmtpServer) -> None:
    supplier = await b.supplier()
    helmet = await b.product(on_hand=5)
    cooler = await b.product(supplier_=supplier)
    await b.purchase_order(supplier, day(10), (cooler, 10))
    await b.order((helmet, 1), (cooler, 1), preference=ShipPreference.SHIP_COMPLETE)
    await send_all(smtp)
    mail = only(smtp, "confirmed")
    for part in (mail.text, mail.html):
        assert "ship everything together" in part
        assert "expected 13–16 March 2027" in part
        assert "Parcel 1" in part and "Parcel 2" not in part
    assert "Parcel 1, expected 13–16 March 2027:" in mail.text
    for part in (mail.text, mail.html):
        assert "in stock, ships now" not in part
        assert "1 in stock, ships with the rest: expected 13–16 March 2027" in part


async def test_customer_text_is_escaped_in_html_and_plain_in_text(smtp: SmtpServer) -> None:
    product = await b.product(on_hand=5)
    placed = await place_order(
        OrderRequest(
            "tricky@example.com", TRICKY_NAME, TRICKY_ADDRESS, [LineRequest(product.sku, 1)]
        ),
        ctx=b.ctx(),
    )
    await send_all(smtp)
    mail = only(smtp, placed.order.number)
    assert TRICKY_NAME in mail.text and "1 <script>alert(1)</script> Way" in mail.text
    assert "<script>" not in mail.html and "<b>" not in mail.html
    assert html.escape(TRICKY_NAME) in mail.html.replace("&#34;", "&quot;")
    assert "1 &lt;script&gt;alert(1)&lt;/script&gt; Way" in mail.html
    assert TRICKY_NAME not in str(mail.message["Subject"])


async def test_earlier_date_is_good_news_with_old_and_new_window(smtp: SmtpServer) -> None:
    supplier = await b.supplier()
    product = await b.product(supplier_=supplier)
    po = await b.purchase_order(supplier, day(20), (product, 10))
    placed = await b.order((product, 2))
    await revise_expected_date(
        po.id, day(12), "The container arrived early", ctx=b.later(b.ctx(), seconds=9)
    )
    await send_all(smtp)
    mail = only(smtp, "arrives sooner")
    assert mail.subject == f"Good news: order {placed.order.number} arrives sooner"
    for part in (mail.text, mail.html):
        assert "23–26 March 2027" in part  # was
        assert "15–18 March 2027" in part  # now
        assert "arrive earlier than we said" in part
        assert "The container arrived early" in part
        assert "sorry" not in part
    await _status_link_works(mail, placed.order.id)


async def test_later_date_within_the_promise_apologises_and_says_why(smtp: SmtpServer) -> None:
    supplier = await b.supplier(lead_time_days=40)
    product = await b.product(supplier_=supplier)
    placed = await b.order((product, 1))  # promised from the supplier's lead time
    po = await b.purchase_order(
        supplier, day(10), (product, 5), context=b.later(b.ctx(), seconds=5)
    )
    await send_all(smtp)
    await revise_expected_date(
        po.id, day(25), "Port strike in Rotterdam", ctx=b.later(b.ctx(), seconds=9)
    )
    await send_all(smtp)
    mail = only(smtp, "a new delivery date")
    assert mail.subject == f"Order {placed.order.number}: a new delivery date"
    for part in (mail.text, mail.html):
        assert "we are sorry" in part
        assert "13–16 March 2027" in part  # was: the PO in 10 days
        assert "28–31 March 2027" in part  # now: the PO in 25 days, still before the promise
        assert "Port strike in Rotterdam" in part
        assert "We ordered new stock" not in part  # told in the email before


async def test_delay_notice_offers_waiting_or_refund_by_a_deadline(smtp: SmtpServer) -> None:
    supplier = await b.supplier()
    product = await b.product(supplier_=supplier, price="250.00")
    po = await b.purchase_order(supplier, day(10), (product, 10))
    placed = await b.order((product, 2))
    await revise_expected_date(
        po.id, day(30), "Factory closed for a holiday", ctx=b.later(b.ctx(), seconds=9)
    )
    await send_all(smtp)
    mail = only(smtp, "is delayed")
    assert mail.subject == f"Order {placed.order.number} is delayed: keep waiting or cancel"
    for part in (mail.text, mail.html):
        assert "2–5 April 2027" in part  # the new window
        assert "16 March 2027" in part  # what the customer was promised
        assert "Factory closed for a holiday" in part
        assert "Keep waiting" in part and "Cancel" in part
        assert "€500.00 in full" in part
        assert "by 8 March 2027" in part  # deadline: 7 days
        assert "we will take it that you" in part  # silence is consent to a first delay
    await _status_link_works(mail, placed.order.id)


async def test_second_delay_past_an_accepted_date_needs_an_answer(smtp: SmtpServer) -> None:
    supplier = await b.supplier()
    product = await b.product(supplier_=supplier, price="250.00")
    po = await b.purchase_order(supplier, day(10), (product, 10))
    placed = await b.order((product, 1))
    await revise_expected_date(po.id, day(20), "First slip", ctx=b.later(b.ctx(), seconds=5))
    await send_all(smtp)
    notice = await DelayNotice.get(order_id=placed.order.id)
    await respond_to_delay_notice(placed.order.id, notice.id, True, ctx=b.later(b.ctx(), seconds=6))
    await revise_expected_date(po.id, day(35), "Second slip", ctx=b.later(b.ctx(), seconds=9))
    await send_all(smtp)
    mails = [m for m in smtp.inbox.received if "is delayed" in m.subject]
    assert len(mails) == 2
    second = mails[1]
    for part in (second.text, second.html):
        assert "We need your answer this time" in part
        assert "we will cancel" in part and "refund you €250.00 in full" in part
        assert "Second slip" in part and "First slip" not in part


async def test_shipment_lists_the_parcel_and_what_is_still_coming(smtp: SmtpServer) -> None:
    supplier = await b.supplier()
    product = await b.product(supplier_=supplier, on_hand=2)
    await b.purchase_order(supplier, day(10), (product, 10))
    placed = await b.order((product, 5))
    parcel = await b.shipped(placed.order.id)
    await send_all(smtp)
    mail = only(smtp, "on its way")
    for part in (mail.text, mail.html):
        assert "DHL" in part and parcel.tracking_number in part
        assert "In this parcel" in part
        assert "Still coming" in part
        assert "expected 13–16 March 2027" in part
    name = placed.order.lines[0].name
    assert f"2 x {name}" in mail.text and f"3 x {name}" in mail.text


async def test_last_parcel_says_the_order_is_complete(smtp: SmtpServer) -> None:
    product = await b.product(on_hand=3)
    placed = await b.order((product, 3))
    await b.shipped(placed.order.id)
    await send_all(smtp)
    mail = only(smtp, "on its way")
    assert "This completes your order" in mail.text and "This completes your order" in mail.html


async def test_cancellation_states_the_refund_due(smtp: SmtpServer) -> None:
    supplier = await b.supplier()
    product = await b.product(supplier_=supplier, price="120.00")
    keep = await b.product(on_hand=5, price="10.00")
    await b.purchase_order(supplier, day(10), (product, 10))
    placed = await b.order((product, 3), (keep, 1))
    line = next(line for line in placed.order.lines if line.sku == product.sku)
    await cancel_order_lines(
        placed.order.id, [CancelRequest(line.id, 2)], ctx=b.later(b.ctx(), seconds=5)
    )
    await send_all(smtp)
    mail = only(smtp, "cancelled, refund due")
    for part in (mail.text, mail.html):
        assert "€240.00" in part
        assert "Refund due to you" in part
        assert "Still coming" in part
    await _status_link_works(mail, placed.order.id)


async def test_quote_ready_shows_price_time_validity_and_escaped_notes(smtp: SmtpServer) -> None:
    product, options = await b.custom_build_product(price="8000.00", lead_time_days=30)
    built = await b.build_request(
        product, options, frame="Carbon", notes="Seat <i>higher</i> please\nand matte black"
    )
    await send_all(smtp)
    mail = only(smtp, "the quote is ready")
    assert built.request.number in mail.subject
    for part in (mail.text, mail.html):
        assert "€9,500.00" in part
        assert "44 days" in part
        assert "valid until 15 March 2027" in part
        assert "Carbon" in part and "650cc" in part
        assert f"{b.POLICY.base_url}/builds/{built.token}" in part
    assert "Seat <i>higher</i> please" in mail.text
    assert "Seat &lt;i&gt;higher&lt;/i&gt; please<br>and matte black" in mail.html


async def test_order_links_list_every_order_with_its_private_link(smtp: SmtpServer) -> None:
    product = await b.product(on_hand=5)
    first = await b.order((product, 1), email="links@example.com")
    second = await b.order(
        (product, 1), email="links@example.com", context=b.later(b.ctx(), days=1)
    )
    await OutboxMessage.all().update(status=OutboxStatus.SENT)
    await resend_order_links("links@example.com", ctx=b.later(b.ctx(), days=2))
    await send_all(smtp, clock=RunningClock(b.NOON + dt.timedelta(days=2, minutes=1)))
    mail = only(smtp, "Your order links")
    for placed in (first, second):
        assert f"/orders/{placed.token}" in mail.text and f"/orders/{placed.token}" in mail.html
        assert placed.order.number in mail.text


async def test_every_kind_has_both_parts_and_the_shared_layout(smtp: SmtpServer) -> None:
    supplier = await b.supplier()
    product = await b.product(supplier_=supplier, on_hand=1)
    po = await b.purchase_order(supplier, day(10), (product, 10))
    placed = await b.order((product, 3))
    await revise_expected_date(po.id, day(30), "Late", ctx=b.later(b.ctx(), seconds=5))
    await b.shipped(placed.order.id, context=b.later(b.ctx(), seconds=6))
    await send_all(smtp)
    kinds = set(await OutboxMessage.all().values_list("kind", flat=True))
    assert {
        OutboxKind.ORDER_CONFIRMATION,
        OutboxKind.DELAY_NOTICE,
        OutboxKind.SHIPMENT_SENT,
    } <= kinds
    for mail in smtp.inbox.received:
        assert mail.message.get_content_type() == "multipart/alternative"
        assert mail.text.startswith("Home & Ride\n")
        assert "<!doctype html>" in mail.html and "Home &amp; Ride" in mail.html
        assert 'style="' in mail.html and "<style" not in mail.html and "<link" not in mail.html
    assert await Order.filter(id=placed.order.id).exists()
