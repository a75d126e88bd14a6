"""Header injection through every customer-controlled field fails (issue #5, part 4; STACK.md,
CVE-2024-6923). The services refuse such input first; rows written around them are checked
again by the sender, which kills the message or keeps the text in the body."""

from __future__ import annotations

import pytest
from tortoise.exceptions import OperationalError

from domain.builds.models import BuildRequest
from domain.customers.models import Customer
from domain.errors import InvalidInput
from domain.ordering.models import Order
from domain.ordering.services import LineRequest, OrderRequest, place_order
from domain.outbox.models import OutboxMessage
from domain.vocabulary import OutboxStatus
from tests import builders as b
from tests.conftest import on_postgres
from tests.domain.notifications.conftest import SmtpServer, send_all

pytestmark = pytest.mark.usefixtures("db")

EXPECTED_HEADERS = [
    "From",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "MIME-Version",
    "Auto-Submitted",
    "Content-Type",
]
ATTACKS = [
    "x\r\nBcc: attacker@evil.example",
    "x\nBcc: attacker@evil.example",
    "x\rBcc: attacker@evil.example",
    "x\x00Bcc: attacker@evil.example",
    "=?utf-8?q?x=0D=0ABcc:_attacker@evil.example?=",
]


async def _database_refuses_nul(attack: str) -> bool:
    """PostgreSQL stores no NUL in text at all: that attack cannot even reach a row."""
    if "\x00" not in attack or not on_postgres():
        return False
    with pytest.raises(OperationalError):
        await Customer.filter(email="nobody@example.com").update(name="x" + attack)
    return True


@pytest.mark.parametrize(
    ("email", "name"),
    [("ada" + attack + "@example.com", "Ada") for attack in ATTACKS]
    + [("ada@example.com", "Ada" + attack) for attack in ATTACKS if "=?" not in attack],
)
async def test_services_refuse_line_breaks_and_encoded_words_in_one_line_fields(
    email: str, name: str
) -> None:
    """(An encoded word in a name is only text: names never go into a header.)"""
    product = await b.product(on_hand=5)
    with pytest.raises(InvalidInput):
        await place_order(
            OrderRequest(email, name, "1 Way", [LineRequest(product.sku, 1)]), ctx=b.ctx()
        )


@pytest.mark.parametrize("attack", ATTACKS)
async def test_a_recipient_address_with_an_injection_is_never_sent(
    smtp: SmtpServer, attack: str
) -> None:
    product = await b.product(on_hand=5)
    placed = await b.order((product, 1), email="victim@example.com")
    order = await Order.get(id=placed.order.id)
    bad = "victim@example.com" + attack
    if await _database_refuses_nul(attack):
        return
    await Customer.filter(id=order.customer_id).update(email=bad)  # around the services
    await OutboxMessage.filter(order_id=order.id).update(recipient=bad)
    await send_all(smtp)
    row = await OutboxMessage.get(order_id=order.id)
    assert row.status == OutboxStatus.DEAD
    assert "header" in row.last_error or "address" in row.last_error
    assert smtp.inbox.received == []


async def test_an_encoded_word_as_the_whole_address_is_refused(smtp: SmtpServer) -> None:
    product = await b.product(on_hand=5)
    placed = await b.order((product, 1))
    await OutboxMessage.filter(order_id=placed.order.id).update(
        recipient="=?utf-8?q?victim=0D=0ABcc:_attacker@evil.example?=@example.com"
    )
    await send_all(smtp)
    assert (await OutboxMessage.get(order_id=placed.order.id)).status == OutboxStatus.DEAD
    assert smtp.inbox.received == []


@pytest.mark.parametrize("attack", ATTACKS)
async def test_injections_in_names_addresses_and_notes_stay_in_the_body(
    smtp: SmtpServer, attack: str
) -> None:
    product = await b.product(on_hand=5)
    placed = await b.order((product, 1), email="ada@example.com")
    order = await Order.get(id=placed.order.id)
    if await _database_refuses_nul(attack):
        return
    await Customer.filter(id=order.customer_id).update(name="Ada" + attack)
    await Order.filter(id=order.id).update(
        shipping_name="Ada" + attack, shipping_address="1 Way" + attack
    )
    built = await b.build_request(email="ada@example.com", name="Ada")
    await BuildRequest.filter(id=built.request.id).update(notes="Notes" + attack)
    await send_all(smtp)
    assert await OutboxMessage.filter(status=OutboxStatus.SENT).count() == 2
    assert len(smtp.inbox.received) == 2
    for mail in smtp.inbox.received:
        assert mail.rcpt_tos == ["ada@example.com"]
        head = mail.data.split(b"\r\n\r\n", 1)[0].decode("ascii")
        assert [line.split(":", 1)[0] for line in head.split("\r\n")] == EXPECTED_HEADERS
        assert "attacker" not in head and "Bcc" not in head
        assert "Ada" not in head, "customer text never goes into a header"
    quote = next(m for m in smtp.inbox.received if "quote" in m.subject)
    assert "attacker@evil.example" in quote.text  # kept as text, where it is harmless
