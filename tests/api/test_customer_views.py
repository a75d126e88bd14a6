"""What a customer can read names no other customer's order.

Every field a customer can reach (an order by its link, a custom build by its link, the
catalogue) is selected from the schema, so a field added later is walked too. The store is one
where other orders moved this customer's order (tests/api/world.py), so the staff details of
those events name them.
"""

from __future__ import annotations

import json

import pytest
from graphql import GraphQLField

from domain.catalog.models import Supplier
from domain.purchasing.models import PurchaseOrder
from domain.supply.sending import send_purchase_order
from tests.api import schema_walk as walk
from tests.api.helpers import Api, now_ctx, staff_token
from tests.api.world import build_world

pytestmark = pytest.mark.usefixtures("db")


async def test_no_customer_reachable_field_names_another_customers_order(api: Api) -> None:
    world = await build_world()
    po = await PurchaseOrder.get()  # the supplier's own link reads its PO and nothing else
    await Supplier.filter(id=po.supplier_id).update(email="orders@supplier.example")
    supplier_link = await send_purchase_order(po.id, ctx=now_ctx())
    known = {
        "order": {"token": json.dumps(world.order_token)},
        "customBuild": {"token": json.dumps(world.build_token)},
        "product": {"sku": json.dumps(world.sku)},
        "products": {"first": "100"},
        "supplierPurchaseOrder": {"token": json.dumps(supplier_link.rsplit("/", 1)[-1])},
    }
    own = {"order": world.order_number, "customBuild": world.build_order_number}
    roots = walk.unscoped_roots()
    assert set(known) <= set(roots), set(known) - set(roots)
    for name, field in roots.items():
        data = await api.data(_walk(name, field, known))
        assert data[name], (name, "the walk read nothing")
        others = world.numbers - {own.get(name, "")}
        leaked = [text for text in walk.strings(data) if any(n in text for n in others)]
        assert leaked == [], (name, leaked)
    # The same walk with a `read` token does show them: the check above can see a leak.
    staff = await api.data(_walk("order", roots["order"], known), token=await staff_token("read"))
    assert any(n in text for text in walk.strings(staff) for n in world.numbers - {own["order"]})


def _walk(name: str, field: GraphQLField, known: dict[str, dict[str, str]]) -> str:
    """The root field with every field below it."""
    return "{ " + name + walk.arguments(name, field, known) + walk.full_selection(field.type) + " }"
