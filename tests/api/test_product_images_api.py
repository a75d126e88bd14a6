"""Product images through the API: read as ``Product.images`` (public, batched), uploaded as a
raw body to ``POST /api/products/{productId}/images`` with a `catalog` token, removed with
``removeProductImage``."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
import pytest
from PIL import Image

from api import ids
from app import create_app
from domain.catalog.models import ProductImage
from domain.catalog_admin.images import MAX_IMAGES
from domain.ratelimit.rates import Rate, RateLimits
from settings import Settings
from tests import builders as b
from tests.api.helpers import Api, staff_token
from tests.api.test_limits import PRODUCTS_PAGE
from tests.conftest import QueryCounter
from tests.outage import database_down

pytestmark = pytest.mark.usefixtures("db")

READ = """query($sku: String!) { product(sku: $sku) {
  images { id url thumbnailUrl altText width height } } }"""
REMOVE = """mutation($id: ID!) { removeProductImage(input: {imageId: $id}) {
  imageId productId errors { code field message } } }"""


@pytest.fixture
async def media(tmp_path: Path) -> Path:
    return tmp_path / "media"


@pytest.fixture
async def api(db: str, media: Path) -> AsyncIterator[Api]:
    settings = Settings(
        database_url="sqlite://:memory:", secret_key="test-secret", media_dir=str(media)
    )
    transport = httpx.ASGITransport(app=create_app(settings, manage_database=False))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield Api(client)


def png(size: tuple[int, int] = (800, 600)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (30, 120, 200)).save(out, format="PNG")
    return out.getvalue()


def gif() -> bytes:
    out = io.BytesIO()
    Image.new("P", (40, 40)).save(out, format="GIF")
    return out.getvalue()


async def upload(
    api: Api, product_id: str, data: bytes, *, alt: str = "A blue kettle", token: str | None
) -> httpx.Response:
    headers = {"Content-Type": "application/octet-stream"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return await api.client.post(
        f"/api/products/{quote(product_id, safe='')}/images?alt={quote(alt)}",
        content=data,
        headers=headers,
    )


def refused(response: httpx.Response) -> list[tuple[str, str | None]]:
    body = response.json()
    assert body["image"] is None
    return [(e["code"], e["field"]) for e in body["errors"]]


async def test_an_uploaded_png_is_read_back_and_served_as_webp(api: Api, media: Path) -> None:
    product = await b.product(on_hand=1, sku="KETTLE-1")
    token = await staff_token("catalog")
    done = await upload(api, ids.encode("Product", product.id), png(), token=token)
    assert done.status_code == 200, done.text
    image = done.json()["image"]
    assert done.json()["errors"] == []
    assert image["altText"] == "A blue kettle"
    assert (image["width"], image["height"]) == (800, 600)
    assert image["url"].startswith("http://127.0.0.1:8000/media/products/")
    data = await api.data(READ, {"sku": "KETTLE-1"})
    assert data["product"]["images"] == [image]
    for url in (image["url"], image["thumbnailUrl"]):
        served = await api.client.get(urlsplit(url).path)
        assert served.status_code == 200
        assert served.headers["content-type"] == "image/webp"
        with Image.open(io.BytesIO(served.content)) as stored:
            assert stored.format == "WEBP"
    assert len(list((media / "products").iterdir())) == 2


async def test_images_of_a_page_of_products_are_read_in_one_query(
    api: Api, sql: QueryCounter
) -> None:
    token = await staff_token("catalog")
    for n in range(3):
        product = await b.product(on_hand=1, sku=f"CUP-{n}")
        done = await upload(api, ids.encode("Product", product.id), png((60, 40)), token=token)
        assert done.status_code == 200, done.text
    query = "{ products(first: 10) { nodes { sku images { url altText } } } }"
    sql.statements.clear()
    nodes = (await api.data(query))["products"]["nodes"]
    assert [len(n["images"]) for n in nodes] == [1, 1, 1]
    assert len([s for s in sql.statements if "product_image" in s]) == 1


@pytest.mark.parametrize(
    "data",
    [gif(), b"#!/bin/sh\nrm -rf /\n", png()[:200], b""],
    ids=["gif", "script", "truncated", "empty"],
)
async def test_a_file_that_is_not_a_whole_jpeg_png_or_webp_is_refused_naming_the_field(
    api: Api, media: Path, data: bytes
) -> None:
    product = await b.product(on_hand=1)
    token = await staff_token("catalog")
    answer = await upload(api, ids.encode("Product", product.id), data, token=token)
    assert answer.status_code == 400, answer.text
    assert refused(answer) == [("INVALID", "image")]
    assert not await ProductImage.filter(product_id=product.id).exists()
    assert not (media / "products").exists() or not list((media / "products").iterdir())


async def test_an_image_over_the_size_limit_is_refused_naming_the_field(api: Api) -> None:
    product = await b.product(on_hand=1)
    token = await staff_token("catalog")
    answer = await upload(
        api, ids.encode("Product", product.id), b"\x89PNG" + b"0" * (10 << 20), token=token
    )
    assert answer.status_code == 400
    assert refused(answer) == [("INVALID", "image")]


async def test_an_upload_needs_a_token_with_the_catalog_scope(api: Api) -> None:
    product = await b.product(on_hand=1)
    gid = ids.encode("Product", product.id)
    for token in (None, "pre_not-a-token", await staff_token("read", "orders")):
        answer = await upload(api, gid, png(), token=token)
        assert answer.status_code == 403, answer.text
        assert refused(answer) == [("PERMISSION_DENIED", None)]
    assert not await ProductImage.filter(product_id=product.id).exists()


@pytest.mark.parametrize(
    "product_id",
    [ids.encode("Product", 999_999), ids.encode("Order", 1), "not an id", "٣"],
    ids=["unknown", "other type", "garbage", "arabic digit"],
)
async def test_an_upload_to_an_unknown_product_is_not_found(api: Api, product_id: str) -> None:
    answer = await upload(api, product_id, png(), token=await staff_token("catalog"))
    assert answer.status_code == 404, answer.text
    assert refused(answer) == [("NOT_FOUND", "productId")]


async def test_alt_text_of_ten_kilobytes_is_refused_naming_alt_text(api: Api) -> None:
    product = await b.product(on_hand=1)
    token = await staff_token("catalog")
    answer = await upload(
        api, ids.encode("Product", product.id), png(), alt="a" * 10_000, token=token
    )
    assert answer.status_code == 400
    assert refused(answer) == [("INVALID", "altText")]
    assert not await ProductImage.filter(product_id=product.id).exists()


async def test_a_removed_image_is_gone_and_removing_it_again_is_not_found(
    api: Api, media: Path
) -> None:
    product = await b.product(on_hand=1, sku="LAMP-1")
    token = await staff_token("catalog")
    image = (await upload(api, ids.encode("Product", product.id), png(), token=token)).json()
    image_id = image["image"]["id"]
    other = await api.payload(REMOVE, {"id": image_id}, token=await staff_token("read"))
    assert [e["code"] for e in other["errors"]] == ["PERMISSION_DENIED"]
    removed = await api.payload(REMOVE, {"id": image_id}, token=token)
    assert removed["errors"] == []
    assert removed["productId"] == ids.encode("Product", product.id)
    assert (await api.data(READ, {"sku": "LAMP-1"}))["product"]["images"] == []
    assert list((media / "products").iterdir()) == []
    again: dict[str, Any] = await api.payload(REMOVE, {"id": image_id}, token=token)
    assert [(e["code"], e["field"]) for e in again["errors"]] == [("NOT_FOUND", "imageId")]


async def test_an_upload_answers_503_with_retry_after_when_the_database_is_down(
    api: Api, tmp_path: Path
) -> None:
    product = await b.product(on_hand=1)
    token = await staff_token("catalog")
    async with database_down(tmp_path):
        answer = await upload(api, ids.encode("Product", product.id), png(), token=token)
    assert answer.status_code == 503, answer.text
    assert answer.headers["Retry-After"]
    assert refused(answer) == [("UNAVAILABLE", None)]


HOSTILE_ALT = ["\x00", "\u202etxt.exe", "a\r\nSet-Cookie: x=1", "٣", "   ", "😀" * 400]
HOSTILE_IDS = [
    "²",
    "99999999999999999999999",
    str(2**63),
    "-1",
    "0",
    "../../etc/passwd",
    "a" * 5000,
]


async def test_hostile_ids_alt_texts_and_bodies_get_a_clear_4xx(api: Api, media: Path) -> None:
    product = await b.product(on_hand=1)
    gid = ids.encode("Product", product.id)
    token = await staff_token("catalog")
    for bad in HOSTILE_IDS:
        answer = await upload(api, bad, png((20, 20)), token=token)
        assert answer.status_code == 404, (bad, answer.text)
    for alt in HOSTILE_ALT:
        answer = await upload(api, gid, png((20, 20)), alt=alt, token=token)
        assert answer.status_code in (200, 400), (alt, answer.text)
        if answer.status_code == 400:
            assert refused(answer) == [("INVALID", "altText")]
    raw = await api.client.post(
        f"/api/products/{gid}/images?alt=%FF%FE&alt=two",
        content=b'{"image": 1}',
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert raw.status_code == 400 and refused(raw) == [("INVALID", "image")]
    wrong_method = await api.client.get(f"/api/products/{gid}/images")
    assert wrong_method.status_code == 405 and wrong_method.headers["Allow"] == "POST"
    assert refused(wrong_method) == [("INVALID", None)]


async def test_an_upload_counts_against_the_tokens_rate_and_past_it_stores_nothing(
    db: str, media: Path
) -> None:
    settings = Settings(
        secret_key="test-secret",
        media_dir=str(media),
        rate_limits=RateLimits(api_token=Rate(2, 60)),
    )
    transport = httpx.ASGITransport(app=create_app(settings, manage_database=False))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        limited = Api(client)
        product = await b.product(on_hand=1)
        gid = ids.encode("Product", product.id)
        token = await staff_token("catalog")
        for _ in range(2):
            assert (await upload(limited, gid, png((20, 20)), token=token)).status_code == 200
        answer = await upload(limited, gid, png((20, 20)), token=token)
        assert answer.status_code == 429, answer.text
        assert 0 < int(answer.headers["Retry-After"]) <= 60
        assert refused(answer) == [("RATE_LIMITED", None)]
        assert await ProductImage.filter(product_id=product.id).count() == 2
        other = await upload(limited, gid, png((20, 20)), token=await staff_token("catalog"))
        assert other.status_code == 200  # each token has its own rate


async def test_a_product_has_at_most_twelve_images(api: Api) -> None:
    product = await b.product(on_hand=1)
    gid = ids.encode("Product", product.id)
    token = await staff_token("catalog")
    for _ in range(MAX_IMAGES):
        assert (await upload(api, gid, png((20, 20)), token=token)).status_code == 200
    answer = await upload(api, gid, png((20, 20)), token=token)
    assert answer.status_code == 400
    assert refused(answer) == [("INVALID", "image")]
    assert await ProductImage.filter(product_id=product.id).count() == MAX_IMAGES


async def test_a_full_page_of_products_with_their_images_is_within_the_cost_limit(
    api: Api,
) -> None:
    await b.product(on_hand=1)
    page = PRODUCTS_PAGE.replace(
        "optionGroups", "images { id url thumbnailUrl altText width height } optionGroups"
    )
    assert "images" in page
    assert (await api.data(page))["products"]["edges"]
