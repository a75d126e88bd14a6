"""Staff pages: a page or filter link whose number is no number, or too big for its column, is a
400 that says so; a path id beyond any key is a 404. Never a server error."""

from __future__ import annotations

import httpx
import pytest

HOSTILE = ["²", "٣", "99999999999999999999999", str(2**63)]
LINKS = [
    ("/staff/purchase-orders", "supplier"),
    ("/staff/purchase-orders", "after"),
    ("/staff/orders", "before"),
    ("/staff/builds", "before"),
    ("/staff/email", "before"),
    ("/staff/email", "order"),
    ("/staff/email", "n"),
]


@pytest.mark.parametrize(("page", "name"), LINKS, ids=[f"{p}?{n}" for p, n in LINKS])
@pytest.mark.parametrize("value", HOSTILE)
async def test_a_staff_link_whose_number_is_no_number_is_a_400_that_says_so(
    staff: httpx.AsyncClient, page: str, name: str, value: str
) -> None:
    answer = await staff.get(page, params={name: value})
    assert answer.status_code == 400
    assert "is not valid" in answer.text


async def test_a_purchase_order_page_link_in_other_digits_is_a_400(
    staff: httpx.AsyncClient,
) -> None:
    answer = await staff.get("/staff/purchase-orders", params={"after": "٣_2027-01-01_²"})
    assert answer.status_code == 400
    assert "This page link is not valid." in answer.text


@pytest.mark.parametrize("path", [f"/staff/orders/{2**63}", f"/staff/purchase-orders/{10**22}"])
async def test_a_staff_path_id_beyond_any_key_is_a_404(staff: httpx.AsyncClient, path: str) -> None:
    assert (await staff.get(path)).status_code == 404


async def test_an_order_search_by_an_sku_no_product_can_have_finds_nothing(
    staff: httpx.AsyncClient,
) -> None:
    answer = await staff.get("/staff/orders", params={"sku": "AC\x00"})
    assert answer.status_code == 200


async def test_an_order_number_holding_a_nul_byte_is_no_order(staff: httpx.AsyncClient) -> None:
    answer = await staff.get("/staff/orders", params={"number": "ORD\x00"})
    assert answer.status_code == 400
    assert "No order has this number." in answer.text
