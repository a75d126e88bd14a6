"""The supplier's private page for one purchase order (rule 24): works without JavaScript,
refuses forged posts, other POs and links not ours, and changes nothing on bad input."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

from domain.catalog.models import Supplier
from domain.purchasing.models import PurchaseOrder, PurchaseOrderLine, SupplierProposal
from domain.supply.link import supplier_token
from domain.supply.sending import send_purchase_order
from tests import builders as b
from tests.portal.conftest import post_form

pytestmark = pytest.mark.usefixtures("db")


def _ctx():  # type: ignore[no-untyped-def]
    return b.ctx(now=dt.datetime.now(dt.UTC))


async def _sent_po(
    name: str, sku: str, units: tuple[int, ...] = (10, 6)
) -> tuple[PurchaseOrder, str]:
    ctx = _ctx()
    supplier = await b.supplier(name=name)
    supplier.email = f"sales@{name.lower()}.example"
    await Supplier.filter(id=supplier.id).update(email=supplier.email)
    products = [await b.product(supplier_=supplier, sku=f"{sku}-{n}") for n in range(len(units))]
    po = await b.purchase_order(
        supplier,
        ctx.today + dt.timedelta(days=10),
        *zip(products, units, strict=True),
        context=ctx,
    )
    await b.order((products[-1], 2), context=ctx, email="ada@example.com")
    await send_purchase_order(po.id, ctx=ctx)
    po = await PurchaseOrder.get(id=po.id)
    assert po.link_expires is not None
    return po, supplier_token(b.POLICY.secret_key, po.id, po.link_expires, po.link_salt)


async def test_the_page_shows_that_purchase_order_and_nothing_else(
    client: httpx.AsyncClient,
) -> None:
    po, token = await _sent_po("CoolAir", "AC")
    other, _ = await _sent_po("HeatCo", "HEAT")
    page = await client.get(f"/supplier/po/{token}")
    assert page.status_code == 200
    assert po.number in page.text and "AC-0" in page.text
    assert other.number not in page.text and "HEAT-0" not in page.text
    assert page.headers["cache-control"] == "no-store"
    assert "<script" not in page.text


async def test_links_not_ours_are_refused(client: httpx.AsyncClient) -> None:
    po, token = await _sent_po("CoolAir", "AC")
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert (await client.get(f"/supplier/po/{tampered}")).status_code == 403
    assert (
        await client.get(f"/supplier/po/{po.id + 1}.{token.split('.', 1)[1]}")
    ).status_code == 403
    assert (await client.get("/supplier/po/nonsense")).status_code == 404
    await PurchaseOrder.filter(id=po.id).update(link_expires=_ctx().today - dt.timedelta(days=1))
    expired_token = supplier_token(
        b.POLICY.secret_key, po.id, _ctx().today - dt.timedelta(days=1), po.link_salt
    )
    assert (await client.get(f"/supplier/po/{expired_token}")).status_code == 403


async def test_a_post_without_a_matching_csrf_token_is_refused(client: httpx.AsyncClient) -> None:
    po, token = await _sent_po("CoolAir", "AC")
    line = await PurchaseOrderLine.filter(purchase_order_id=po.id).first()
    assert line is not None
    refused = await client.post(
        f"/supplier/po/{token}", data={"csrf_token": "forged", f"answer_{line.id}": "confirm"}
    )
    assert refused.status_code == 403
    assert await PurchaseOrderLine.filter(confirmed_date__isnull=False).count() == 0


async def test_the_supplier_confirms_one_line_and_moves_another(client: httpx.AsyncClient) -> None:
    po, token = await _sent_po("CoolAir", "AC")
    first, second = await PurchaseOrderLine.filter(purchase_order_id=po.id).order_by("id")
    later = po.expected_date + dt.timedelta(days=14)
    done = await post_form(
        client,
        f"/supplier/po/{token}",
        f"/supplier/po/{token}",
        {
            f"answer_{first.id}": "confirm",
            f"answer_{second.id}": "change",
            f"date_{second.id}": later.isoformat(),
            f"note_{second.id}": "Factory closed for two weeks",
        },
    )
    assert done.status_code == 200, done.text[:500]
    assert "1 lines confirmed, 1 changes proposed" in done.text
    assert (await PurchaseOrderLine.get(id=first.id)).confirmed_date == po.expected_date
    moved = await PurchaseOrderLine.get(id=second.id)
    assert moved.confirmed_date == later
    assert (await PurchaseOrder.get(id=moved.purchase_order_id)).expected_date == later
    proposal = await SupplierProposal.get()
    assert proposal.actor == f"supplier:{po.supplier_id}"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("date", "2000-01-01", "cannot be in the past"),
        ("date", "not a date", "Enter a date"),
        ("quantity", "7", "from 1 to 6"),
        ("quantity", "٣", "whole number"),
        ("quantity", "9" * 30, "whole number"),
        ("note", "<script>alert(1)</script>", "plain text"),
        ("note", "x" * 10_000, "at most 300"),
    ],
)
async def test_bad_answers_get_a_clear_message_and_change_nothing(
    client: httpx.AsyncClient, field: str, value: str, message: str
) -> None:
    po, token = await _sent_po("CoolAir", "AC")
    _, second = await PurchaseOrderLine.filter(purchase_order_id=po.id).order_by("id")
    refused = await post_form(
        client,
        f"/supplier/po/{token}",
        f"/supplier/po/{token}",
        {f"answer_{second.id}": "change", f"{field}_{second.id}": value},
    )
    assert refused.status_code == 400
    assert message in refused.text
    assert "<script>alert" not in refused.text
    assert await SupplierProposal.all().count() == 0
    assert (await PurchaseOrderLine.get(id=second.id)).purchase_order_id == po.id
