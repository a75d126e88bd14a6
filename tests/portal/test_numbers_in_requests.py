"""Customer pages: a number that is no number, or too big for its column, gets a 400 or 404
with a message (next to its field where there is one), never a server error."""

from __future__ import annotations

import re

import httpx
import pytest

from tests import builders as b
from tests.portal.conftest import csrf_token, post_form

pytestmark = pytest.mark.usefixtures("db")

HOSTILE = ["²", "٣", "99999999999999999999999", str(2**63)]


@pytest.mark.parametrize("after", HOSTILE)
async def test_a_catalogue_page_link_that_is_no_position_is_a_400_that_says_so(
    client: httpx.AsyncClient, after: str
) -> None:
    await b.product(on_hand=2, sku="HELMET")
    page = await client.get("/", params={"after": after})
    assert page.status_code == 400
    assert "This page link is not valid." in page.text


@pytest.mark.parametrize("quantity", [*HOSTILE, "0", "1000", "-2", "two"])
async def test_a_preview_quantity_out_of_range_says_why_next_to_the_field(
    client: httpx.AsyncClient, quantity: str
) -> None:
    await b.product(on_hand=2, sku="HELMET")
    page = await client.get("/products/HELMET", params={"quantity": quantity})
    assert page.status_code == 400
    assert 'id="preview_quantity-error" role="alert">Enter a quantity from 1 to 999.' in page.text
    assert 'aria-describedby="preview_quantity-error"' in page.text
    assert "<strong>1</strong> ships now" in page.text  # the preview of one, not of the text


async def test_a_valid_preview_quantity_is_previewed_without_a_message(
    client: httpx.AsyncClient,
) -> None:
    await b.product(on_hand=2, sku="HELMET")
    page = await client.get("/products/HELMET", params={"quantity": "999"})
    assert page.status_code == 200
    assert "Enter a quantity" not in page.text


@pytest.mark.parametrize("length", [65, 300, 10_000])
async def test_a_product_path_longer_than_any_sku_is_a_404(
    client: httpx.AsyncClient, length: int
) -> None:
    page = await client.get("/products/" + "A" * length)
    assert page.status_code == 404
    assert "We cannot find that page" in page.text


@pytest.mark.parametrize("quantity", HOSTILE)
async def test_adding_a_quantity_in_other_digits_to_the_cart_says_the_range(
    client: httpx.AsyncClient, quantity: str
) -> None:
    await b.product(on_hand=2, sku="HELMET")
    refused = await post_form(
        client, "/products/HELMET", "/cart/add", {"sku": "HELMET", "quantity": quantity}
    )
    assert refused.status_code == 400
    assert "Enter a quantity from 1 to 999." in refused.text


async def _order_page(client: httpx.AsyncClient) -> tuple[str, str]:
    helmet = await b.product(on_hand=2, sku="HELMET")
    placed = await b.order((helmet, 1))
    path = f"/orders/{placed.token}"
    opened = await client.get(path)
    assert opened.status_code == 200
    return path, csrf_token(opened.text)


@pytest.mark.parametrize("line_id", HOSTILE)
async def test_cancelling_a_line_that_no_id_can_name_asks_to_choose_a_line(
    client: httpx.AsyncClient, line_id: str
) -> None:
    path, token = await _order_page(client)
    answer = await client.post(
        f"{path}/cancel", data={"csrf_token": token, "line_id": line_id, "quantity": "1"}
    )
    assert answer.status_code == 400
    assert "Choose a line to cancel." in answer.text


@pytest.mark.parametrize("quantity", HOSTILE)
async def test_cancelling_a_quantity_in_other_digits_says_the_range(
    client: httpx.AsyncClient, quantity: str
) -> None:
    path, token = await _order_page(client)
    page = await client.get(path)
    line_id = re.search(r'<option value="([0-9]+)"', page.text).group(1)  # type: ignore[union-attr]
    answer = await client.post(
        f"{path}/cancel", data={"csrf_token": token, "line_id": line_id, "quantity": quantity}
    )
    assert answer.status_code == 400
    assert "Enter a quantity from 1 to 10000." in answer.text


async def test_answering_a_delay_notice_beyond_any_id_is_a_404(client: httpx.AsyncClient) -> None:
    path, token = await _order_page(client)
    answer = await client.post(
        f"{path}/delay/{2**63}", data={"csrf_token": token, "choice": "keep"}
    )
    assert answer.status_code == 404


async def test_a_build_request_with_a_choice_in_other_digits_is_refused_by_the_form(
    client: httpx.AsyncClient,
) -> None:
    made, options = await b.custom_build_product()
    page = await client.get(f"/products/{made.sku}")
    groups = sorted(set(re.findall(r'name="(group_\d+)"', page.text)))
    assert len(groups) == 2
    answer = await client.post(
        "/builds",
        data={
            "csrf_token": csrf_token(page.text),
            "sku": made.sku,
            groups[0]: "²",
            groups[1]: str(options["Engine"]["650cc"].id),
            "email": "ada@example.com",
            "name": "Ada",
            "shipping_address": "1 Way",
        },
    )
    assert answer.status_code == 400
    assert "Choose" in answer.text or "choose" in answer.text


async def test_accepting_a_quote_id_in_other_digits_is_refused_on_the_build_page(
    client: httpx.AsyncClient,
) -> None:
    made, options = await b.custom_build_product()
    page = await client.get(f"/products/{made.sku}")
    requested = await client.post(
        "/builds",
        data={
            "csrf_token": csrf_token(page.text),
            "sku": made.sku,
            **{
                name: str(choice.id)
                for name, choice in zip(
                    sorted(set(re.findall(r'name="(group_\d+)"', page.text))),
                    (options["Frame"]["Steel"], options["Engine"]["650cc"]),
                    strict=True,
                )
            },
            "email": "ada@example.com",
            "name": "Ada",
            "shipping_address": "1 Way",
        },
    )
    assert requested.status_code == 303, requested.text[:500]
    build_path = requested.headers["location"].replace("http://testserver", "")
    answer = await client.post(
        f"{build_path}/accept", data={"csrf_token": csrf_token(page.text), "quote_id": "²"}
    )
    assert answer.status_code == 400


@pytest.mark.parametrize("length", ["²", "abc", "-5"])
async def test_a_form_declaring_a_size_that_is_no_number_is_a_400(
    client: httpx.AsyncClient, length: str
) -> None:
    page = await client.get("/links")
    body = f"csrf_token={csrf_token(page.text)}&email=ada%40example.com".encode()
    answer = await client.post(
        "/links",
        content=body,
        headers={
            b"content-type": b"application/x-www-form-urlencoded",
            b"content-length": length.encode(),
        },
    )
    assert answer.status_code == 400
