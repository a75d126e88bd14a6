"""Staff keep the catalogue through the API (scope `catalog`): payload errors name the field;
changes that move dates preview exactly with ``dryRun``."""

from __future__ import annotations

from typing import Any

import pytest

from api.ids import encode
from domain.catalog.models import Product, StockAdjustment, Supplier
from tests import builders as b
from tests.api.helpers import Api, codes, now_ctx, staff_token

pytestmark = pytest.mark.usefixtures("db")

CREATE = """mutation($input: ProductInput!) { createProduct(input: $input) {
  productId errors { code field message } } }"""
UPDATE = """mutation($id: ID!, $input: ProductInput!, $reason: String!, $dry: Boolean!) {
  updateProduct(productId: $id, input: $input, reason: $reason, dryRun: $dry) {
  dryRun linesMoved ordersMoved emailsQueued customersEmailed delayNotices
  errors { code field message } } }"""
SUPPLIER = """mutation($input: SupplierInput!) { createSupplier(input: $input) {
  supplierId errors { code field message } } }"""
STOCK = """mutation($id: ID!, $q: Int!) {
  adjustStock(productId: $id, reason: "found", quantity: $q) {
  unitsToBackorders errors { code field } } }"""
ARCHIVE = """mutation($id: ID!) { setProductActive(productId: $id, active: false) {
  errors { code field } } }"""


def product_input(**changes: Any) -> dict[str, Any]:
    values = {
        "sku": "EB-1",
        "name": "E-bike",
        "price": "2499.00",
        "mode": "STOCKED",
        "backorderPolicy": "unlimited",
    }
    values.update(changes)
    return values


async def test_staff_create_a_supplier_and_a_product_with_the_catalog_scope(api: Api) -> None:
    token = await staff_token("catalog")
    made = await api.payload(
        SUPPLIER,
        {"input": {"name": "Nordic", "email": "po@nordic.example", "leadTimeDays": 12}},
        token=token,
    )
    assert made["errors"] == []
    product = await api.payload(
        CREATE,
        {
            "input": product_input(
                supplierId=made["supplierId"], backorderPolicy="cap", backorderCap=4
            )
        },
        token=token,
    )
    assert product["errors"] == [], product
    stored = await Product.get(sku="EB-1")
    assert stored.backorder_cap == 4
    assert stored.supplier_id == (await Supplier.get(name="Nordic")).id
    refused = await api.post(
        CREATE, {"input": product_input(sku="X")}, token=await staff_token("read")
    )
    assert codes(refused["data"]["createProduct"]) == [("PERMISSION_DENIED", None)]
    assert await Product.filter(sku="X").count() == 0


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"sku": "bad sku"}, "sku"),
        ({"name": "n" * 10_000}, "name"),
        ({"price": "-5"}, "price"),
        ({"price": "1" * 30}, "price"),
        ({"backorderPolicy": "cap", "backorderCap": 2_000_000_000}, "backorderCap"),
        ({"backorderPolicy": "sometimes"}, "backorderPolicy"),
        ({"perOrderLimit": 0}, "perOrderLimit"),
        ({"supplierId": "U3VwcGxpZXI6OTk5"}, "supplierId"),
    ],
)
async def test_bad_product_input_is_a_payload_error_naming_the_field(
    api: Api, changes: dict[str, Any], field: str
) -> None:
    payload = await api.payload(
        CREATE, {"input": product_input(**changes)}, token=await staff_token("catalog")
    )
    assert [f for _, f in codes(payload)] == [field]
    assert await Product.all().count() == 0


async def test_a_lead_time_change_previews_with_dry_run_then_moves_the_same_lines(
    api: Api,
) -> None:
    token = await staff_token("catalog")
    ctx = now_ctx()
    product = await b.product(lead_time_days=10, sku="MTO-1")
    await b.order((product, 1), context=ctx)
    await b.order((product, 2), context=ctx)
    changed = product_input(
        sku="MTO-1", name=product.name, price="100.00", leadTimeDays=60, supplierId=None
    )
    variables = {"id": f"{product.id}", "input": changed, "reason": "Factory closed"}
    variables["id"] = encode("Product", product.id)
    dry = await api.payload(UPDATE, {**variables, "dry": True}, token=token)
    assert dry["errors"] == [] and dry["dryRun"]
    assert (await Product.get(id=product.id)).lead_time_days == 10
    done = await api.payload(UPDATE, {**variables, "dry": False}, token=token)
    assert (dry["linesMoved"], dry["emailsQueued"], dry["delayNotices"]) == (
        done["linesMoved"],
        done["emailsQueued"],
        done["delayNotices"],
    )
    assert done["linesMoved"] == 2 and dry["customersEmailed"] == 2
    assert (await Product.get(id=product.id)).lead_time_days == 60


async def test_a_cap_below_what_waits_is_refused_with_the_number(api: Api) -> None:
    token = await staff_token("catalog")
    product = await b.product(sku="AC-9")
    await b.order((product, 3), context=now_ctx())
    payload = await api.payload(
        UPDATE,
        {
            "id": encode("Product", product.id),
            "input": product_input(
                sku="AC-9", name=product.name, price="100.00", backorderPolicy="cap", backorderCap=1
            ),
            "reason": "",
            "dry": False,
        },
        token=token,
    )
    assert codes(payload) == [("CONFLICT", "backorderCap")]
    assert "3 units already wait" in payload["errors"][0]["message"]


async def test_stock_found_and_archive_through_the_api(api: Api) -> None:
    token = await staff_token("catalog")
    product = await b.product(sku="ST-1")
    await b.order((product, 2), context=now_ctx())
    pid = encode("Product", product.id)
    payload = await api.payload(STOCK, {"id": pid, "q": 5}, token=token)
    assert payload == {"unitsToBackorders": 2, "errors": []}
    assert await StockAdjustment.all().count() == 1
    bad = await api.payload(STOCK, {"id": pid, "q": -1}, token=token)
    assert codes(bad) == [("INVALID", "quantity")]
    assert (await api.payload(ARCHIVE, {"id": pid}, token=token))["errors"] == []
    assert not (await Product.get(id=product.id)).active


async def test_option_groups_and_choices_through_the_api(api: Api) -> None:
    token = await staff_token("catalog")
    bike = await b.product(mode=b.AvailabilityMode.CUSTOM_BUILD, lead_time_days=30)
    group = await api.payload(
        """mutation($id: ID!) { addOptionGroup(productId: $id, name: "Frame") {
        optionGroupId errors { code field } } }""",
        {"id": encode("Product", bike.id)},
        token=token,
    )
    assert group["errors"] == []
    choice = await api.payload(
        """mutation($g: ID!) { addOptionChoice(optionGroupId: $g, name: "Steel",
        priceDelta: "250.00", leadTimeDeltaDays: 7) { optionChoiceId errors { code field } } }""",
        {"g": group["optionGroupId"]},
        token=token,
    )
    assert choice["errors"] == []
    bad = await api.payload(
        """mutation($g: ID!) { addOptionChoice(optionGroupId: $g, name: "",
        priceDelta: "1.00") { errors { code field } } }""",
        {"g": group["optionGroupId"]},
        token=token,
    )
    assert codes(bad) == [("INVALID", "name")]
    gone = await api.payload(
        """mutation($c: ID!) { removeOptionChoice(optionChoiceId: $c) { errors { code } } }""",
        {"c": choice["optionChoiceId"]},
        token=token,
    )
    assert gone["errors"] == []
