"""Supply over GraphQL (rule 24): staff recompute, edit and send drafts, see follow-ups and
decide proposals; a supplier reads and answers its PO by its link's token."""

from __future__ import annotations

import datetime as dt

import pytest

from api.ids import encode
from domain.catalog.models import Product, Supplier
from domain.purchasing.models import PurchaseOrder, PurchaseOrderLine
from domain.supply.link import supplier_token
from tests import builders as b
from tests.api.helpers import Api, codes, now_ctx, staff_token, today

pytestmark = pytest.mark.usefixtures("db")

RECOMPUTE = """mutation { recomputeReorderSuggestions {
  drafts { id supplierName expectedDate lines { productId sku suggested quantity why } }
  errors { code field message } } }"""
EDIT = """mutation($input: EditReorderDraftInput!) { editReorderDraft(input: $input) {
  draft { lines { quantity edited why } } errors { code field message } } }"""
SEND = """mutation($input: ReorderDraftInput!) { sendReorderDraft(input: $input) {
  purchaseOrder { id number lines { id sku quantity } } errors { code field message } } }"""
FOLLOW = "{ purchaseOrderFollowUps { number unconfirmedLines overdue lastReminderAt } }"
SUPPLIER_PO = """query($token: String!) { supplierPurchaseOrder(token: $token) {
  number supplierName lines { id sku expected confirmedDate } } }"""
ANSWER = """mutation($input: AnswerPurchaseOrderInput!) { answerPurchaseOrder(input: $input) {
  confirmed proposed applied purchaseOrder { lines { confirmedDate } }
  errors { code field message } } }"""


async def _demand() -> Product:
    supplier = await b.supplier(name="CoolAir", lead_time_days=20)
    await Supplier.filter(id=supplier.id).update(email="sales@coolair.example")
    product = await b.product(on_hand=0, supplier_=supplier, sku="AC-12")
    await Product.filter(id=product.id).update(pack_size=6)
    await b.order((product, 7), context=now_ctx())
    return product


async def test_staff_turn_suggestions_into_a_sent_purchase_order(api: Api) -> None:
    await _demand()
    token = await staff_token("read", "purchasing")
    done = await api.payload(RECOMPUTE, token=token)
    [draft] = done["drafts"]
    [line] = draft["lines"]
    assert (line["suggested"], line["quantity"]) == (12, 12)
    assert "rounded up to 2 packs of 6" in line["why"]
    edited = await api.payload(
        EDIT,
        {
            "input": {
                "draftId": draft["id"],
                "lines": [{"productId": line["productId"], "quantity": 18}],
            }
        },
        token=token,
    )
    assert edited["errors"] == [] and edited["draft"]["lines"][0]["edited"] is True
    sent = await api.payload(SEND, {"input": {"draftId": draft["id"]}}, token=token)
    assert sent["errors"] == []
    assert sent["purchaseOrder"]["lines"][0]["quantity"] == 18
    follow = await api.data(FOLLOW, token=token)
    assert follow["purchaseOrderFollowUps"][0]["unconfirmedLines"] == 1


async def test_staff_mutations_need_the_purchasing_scope(api: Api) -> None:
    await _demand()
    body = await api.post(RECOMPUTE, token=await staff_token("read"))
    payload = body["data"]["recomputeReorderSuggestions"]
    assert codes(payload) == [("PERMISSION_DENIED", None)]
    body = await api.post(FOLLOW)
    assert body["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"


async def test_bad_draft_input_names_the_field(api: Api) -> None:
    await _demand()
    token = await staff_token("read", "purchasing")
    [draft] = (await api.payload(RECOMPUTE, token=token))["drafts"]
    product_id = draft["lines"][0]["productId"]
    for quantity, code in ((-1, "INVALID"), (2_000_000, "INVALID")):
        refused = await api.payload(
            EDIT,
            {
                "input": {
                    "draftId": draft["id"],
                    "lines": [{"productId": product_id, "quantity": quantity}],
                }
            },
            token=token,
        )
        assert codes(refused) == [(code, "lines[0].quantity")]
    foreign = await api.payload(
        EDIT,
        {
            "input": {
                "draftId": draft["id"],
                "lines": [{"productId": encode("Product", 999), "quantity": 1}],
            }
        },
        token=token,
    )
    assert codes(foreign) == [("NOT_FOUND", "lines[0].productId")]
    wrong_type = await api.post(
        EDIT,
        {"input": {"draftId": draft["id"], "lines": [{"productId": product_id, "quantity": "x"}]}},
        token=token,
    )
    assert "errors" in wrong_type
    assert await PurchaseOrder.all().count() == 0


async def test_a_supplier_reads_and_answers_by_its_token(api: Api) -> None:
    await _demand()
    staff = await staff_token("read", "purchasing")
    [draft] = (await api.payload(RECOMPUTE, token=staff))["drafts"]
    await api.payload(SEND, {"input": {"draftId": draft["id"]}}, token=staff)
    po = await PurchaseOrder.get()
    assert po.link_expires is not None
    token = supplier_token(b.POLICY.secret_key, po.id, po.link_expires, po.link_salt)
    seen = (await api.data(SUPPLIER_PO, {"token": token}))["supplierPurchaseOrder"]
    assert seen["number"] == po.number and seen["supplierName"] == "CoolAir"
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert (await api.data(SUPPLIER_PO, {"token": tampered}))["supplierPurchaseOrder"] is None
    line_id = seen["lines"][0]["id"]
    past = await api.payload(
        ANSWER,
        {
            "input": {
                "token": token,
                "lines": [{"purchaseOrderLineId": line_id, "confirm": False, "date": "2000-01-01"}],
            }
        },
    )
    assert codes(past) == [("INVALID", "lines[0].date")]
    refused = await api.payload(
        ANSWER,
        {
            "input": {
                "token": tampered,
                "lines": [{"purchaseOrderLineId": line_id, "confirm": True}],
            }
        },
    )
    assert codes(refused) == [("PERMISSION_DENIED", "token")]
    done = await api.payload(
        ANSWER,
        {"input": {"token": token, "lines": [{"purchaseOrderLineId": line_id, "confirm": True}]}},
    )
    assert done["errors"] == [] and done["confirmed"] == 1
    line = await PurchaseOrderLine.get(purchase_order_id=po.id)
    assert line.confirmed_date == po.expected_date
    assert done["purchaseOrder"]["lines"][0]["confirmedDate"] == po.expected_date.isoformat()
    assert today() <= po.expected_date <= today() + dt.timedelta(days=20)


JOIN = """mutation($input: JoinWaitlistInput!) { joinWaitlist(input: $input) {
  message errors { code field message } } }"""
CONFIRM = """mutation($input: WaitlistTokenInput!) { confirmWaitlist(input: $input) {
  status sku errors { code field } } }"""
WAITLISTS = "{ waitlists { sku confirmed pending told } }"


async def test_the_waitlist_over_the_api(api: Api) -> None:
    from domain.purchasing.models import WaitlistEntry
    from domain.supply.waitlist import waitlist_token

    await b.product(on_hand=0, cap=0, sku="AC-12")
    joined = await api.payload(JOIN, {"input": {"sku": "AC-12", "email": "ada@example.com"}})
    again = await api.payload(JOIN, {"input": {"sku": "AC-12", "email": "ada@example.com"}})
    assert joined["message"] == again["message"] and joined["errors"] == []
    bad = await api.payload(JOIN, {"input": {"sku": "AC-12", "email": "x" * 10_000}})
    assert codes(bad) == [("INVALID", "email")]
    unknown = await api.payload(JOIN, {"input": {"sku": "NOPE", "email": "a@example.com"}})
    assert codes(unknown) == [("NOT_FOUND", "sku")]
    entry = await WaitlistEntry.get()
    token = waitlist_token(b.POLICY.secret_key, entry.id, entry.token_salt)
    done = await api.payload(CONFIRM, {"input": {"token": token}})
    assert (done["status"], done["sku"]) == ("confirmed", "AC-12")
    forged = await api.payload(CONFIRM, {"input": {"token": token + "x"}})
    assert codes(forged) == [("NOT_FOUND", "token")]
    counts = await api.data(WAITLISTS, token=await staff_token("read"))
    assert counts["waitlists"] == [{"sku": "AC-12", "confirmed": 1, "pending": 0, "told": 0}]
