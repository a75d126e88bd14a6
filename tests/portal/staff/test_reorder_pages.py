"""The reorder page (rule 24): suggestions with their reasons, edited and sent to the supplier;
proposals waiting for approval with their preview; POs to follow up."""

from __future__ import annotations

import dataclasses

import httpx
import pytest

from domain.catalog.models import Product, Supplier
from domain.outbox.models import OutboxMessage
from domain.purchasing.models import PurchaseOrder, PurchaseOrderLine, ReorderDraft
from domain.supply.answers import LineAnswer, answer_purchase_order
from domain.supply.link import supplier_token
from domain.vocabulary import OutboxKind
from tests import builders as b
from tests.portal.conftest import csrf_token
from tests.portal.staff.conftest import now_ctx, submit, text_of

pytestmark = pytest.mark.usefixtures("db")


async def _demand() -> tuple[Supplier, Product]:
    supplier = await b.supplier(name="CoolAir", lead_time_days=20)
    supplier.email = "sales@coolair.example"
    await supplier.save()
    product = await b.product(on_hand=0, supplier_=supplier, sku="AC-12")
    await Product.filter(id=product.id).update(min_order_qty=10, pack_size=4)
    await b.order((product, 7), context=now_ctx())
    return supplier, product


async def test_staff_recompute_edit_and_send_a_draft(staff: httpx.AsyncClient) -> None:
    _, product = await _demand()
    done = await submit(staff, "/staff/reorder", "/staff/reorder/recompute", {})
    assert done.status_code == 303
    page = await staff.get("/staff/reorder")
    words = text_of(page.text)
    assert "CoolAir" in words and "7 waiting = 7 needed; raised to the minimum order of 10" in words
    assert "rounded up to 3 packs of 4" in words
    draft = await ReorderDraft.get(status="draft")
    sent = await staff.post(
        f"/staff/reorder/{draft.id}",
        data={
            "csrf_token": csrf_token(page.text),
            f"quantity_{product.id}": "16",
            "expected_date": now_ctx().today.isoformat(),
            "action": "send",
        },
    )
    assert sent.status_code == 303, sent.text[:500]
    po = await PurchaseOrder.get()
    assert sent.headers["location"].endswith(f"/staff/purchase-orders/{po.id}?done=sent")
    assert (await PurchaseOrderLine.get(purchase_order_id=po.id)).quantity == 16
    assert await OutboxMessage.filter(kind=OutboxKind.PURCHASE_ORDER_SENT).count() == 1
    shown = await staff.get(sent.headers["location"])
    assert "Emailed to the supplier" in shown.text


async def test_a_bad_quantity_names_the_line_and_changes_nothing(staff: httpx.AsyncClient) -> None:
    _, product = await _demand()
    await submit(staff, "/staff/reorder", "/staff/reorder/recompute", {})
    page = await staff.get("/staff/reorder")
    draft = await ReorderDraft.get(status="draft")
    for bad in ("١٢", "99999999999999999999", "-3", "x" * 10_000):
        refused = await staff.post(
            f"/staff/reorder/{draft.id}",
            data={
                "csrf_token": csrf_token(page.text),
                f"quantity_{product.id}": bad,
                "expected_date": now_ctx().today.isoformat(),
                "action": "send",
            },
        )
        assert refused.status_code == 400
        assert "This did not work" in refused.text
    assert await PurchaseOrder.all().count() == 0


async def test_the_reorder_forms_refuse_a_post_without_csrf(staff: httpx.AsyncClient) -> None:
    await _demand()
    refused = await staff.post("/staff/reorder/recompute", data={"csrf_token": "forged"})
    assert refused.status_code == 403
    assert await ReorderDraft.all().count() == 0


async def test_a_proposal_waits_for_approval_with_its_preview(staff: httpx.AsyncClient) -> None:
    from domain.supply.sending import send_purchase_order

    supplier, product = await _demand()
    ctx = now_ctx()
    po = await b.purchase_order(supplier, ctx.today, (product, 10), context=ctx)
    await send_purchase_order(po.id, ctx=ctx)
    po = await PurchaseOrder.get(id=po.id)
    assert po.link_expires is not None
    token = supplier_token(b.POLICY.secret_key, po.id, po.link_expires, po.link_salt)
    line = await PurchaseOrderLine.get(purchase_order_id=po.id)
    approval = dataclasses.replace(
        ctx, policy=dataclasses.replace(ctx.policy, supplier_changes_need_approval=True)
    )
    later = ctx.today.replace(year=ctx.today.year + 1)
    await answer_purchase_order(
        token, [LineAnswer(line.id, False, date=later, note="Port strike")], ctx=approval
    )
    page = await staff.get("/staff/reorder")
    assert "Port strike" in page.text
    from domain.purchasing.models import SupplierProposal

    proposal = await SupplierProposal.get()
    preview = await submit(staff, "/staff/reorder", f"/staff/proposals/{proposal.id}/preview", {})
    assert preview.status_code == 200
    assert "moves 1 line in 1 order" in text_of(preview.text)
    assert (await PurchaseOrder.get(id=po.id)).expected_date == ctx.today  # only a preview
    applied = await submit(staff, "/staff/reorder", f"/staff/proposals/{proposal.id}/apply", {})
    assert applied.status_code == 303
    assert (await PurchaseOrder.get(id=po.id)).expected_date == later
