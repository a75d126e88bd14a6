"""Product images: checked by content (not name), size-limited, re-encoded without metadata,
thumbnailed under the media directory from settings, shown with alt text on the landing and
product pages."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from PIL import Image

from app import create_app
from domain.catalog.models import ProductImage
from domain.staff.services import add_staff
from settings import Settings
from tests import builders as b
from tests.portal.conftest import csrf_token
from tests.portal.staff.conftest import PASSWORD, sign_in, text_of

pytestmark = pytest.mark.usefixtures("db")


@pytest.fixture
async def media(tmp_path: Path) -> Path:
    return tmp_path / "media"


@pytest.fixture
async def staff_media(db: str, media: Path) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(
        database_url="sqlite://:memory:", secret_key="test-secret", media_dir=str(media)
    )
    app = create_app(settings, manage_database=False)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        await add_staff("ada@example.com", "Ada Admin", PASSWORD)
        assert (await sign_in(client)).status_code == 303
        yield client


def photo(fmt: str = "JPEG", size: tuple[int, int] = (1200, 900)) -> bytes:
    image = Image.new("RGB", size, (200, 80, 40))
    out = io.BytesIO()
    if fmt == "JPEG":
        exif = Image.Exif()
        exif[0x010E] = "secret description"  # ImageDescription
        image.save(out, format="JPEG", exif=exif, comment=b"GPS 51.5,-0.1")
    else:
        image.save(out, format=fmt)
    return out.getvalue()


async def _upload(
    client: httpx.AsyncClient, product_id: int, data: bytes, name: str, alt: str = "A red bike"
) -> httpx.Response:
    page = await client.get(f"/staff/products/{product_id}")
    return await client.post(
        f"/staff/products/{product_id}/images",
        data={"csrf_token": csrf_token(page.text), "alt_text": alt},
        files={"image": (name, data, "image/jpeg")},
    )


async def test_an_image_is_stored_reencoded_with_a_thumbnail_and_shown_with_alt_text(
    staff_media: httpx.AsyncClient, media: Path
) -> None:
    product = await b.product(on_hand=2, sku="BIKE-1")
    done = await _upload(staff_media, product.id, photo(), "bike.jpg")
    assert done.status_code == 303, done.text[:500]
    stored = await ProductImage.get(product_id=product.id)
    large, thumb = media / stored.filename, media / stored.thumbnail
    assert large.suffix == ".webp" and thumb.exists()
    with Image.open(large) as image:
        assert image.format == "WEBP" and max(image.size) <= 1600
        assert not image.info.get("exif") and not image.getexif()
    with Image.open(thumb) as image:
        assert max(image.size) <= 480
    assert b"secret description" not in large.read_bytes()
    assert b"GPS 51.5" not in large.read_bytes()
    home = await staff_media.get("/")
    assert 'alt="A red bike"' in home.text and stored.thumbnail in home.text
    page = await staff_media.get("/products/BIKE-1")
    assert 'alt="A red bike"' in page.text and stored.filename in page.text
    served = await staff_media.get(f"/media/{stored.filename}")
    assert served.status_code == 200 and served.content == large.read_bytes()
    assert '"image":["http' in page.text  # JSON-LD names it too


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"#!/bin/sh\nrm -rf /\n", "photo.jpg", "not a JPEG, PNG or WebP"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"/>', "logo.png", "not a JPEG, PNG or WebP"),
        (photo("GIF", (10, 10)), "a.gif", "not a JPEG, PNG or WebP"),
        (photo()[:2000], "cut.jpg", "damaged or incomplete"),
        (b"\0" * (11 * 1024 * 1024), "huge.jpg", "over 10 MB"),
    ],
)
async def test_an_upload_that_is_no_image_is_refused_next_to_the_field(
    staff_media: httpx.AsyncClient, media: Path, data: bytes, name: str, message: str
) -> None:
    product = await b.product(sku="BIKE-2")
    refused = await _upload(staff_media, product.id, data, name)
    assert refused.status_code == (413 if name == "huge.jpg" else 400), refused.status_code
    assert message in text_of(refused.text)
    assert await ProductImage.all().count() == 0
    assert not list(media.rglob("*.webp"))


async def test_a_decompression_bomb_is_refused_from_its_header(
    staff_media: httpx.AsyncClient,
) -> None:
    product = await b.product(sku="BIKE-3")
    bomb = io.BytesIO()
    Image.new("1", (14_000, 14_000)).save(bomb, format="PNG")  # 196 Mpx in a few kB
    refused = await _upload(staff_media, product.id, bomb.getvalue(), "bomb.png")
    assert refused.status_code == 400
    assert await ProductImage.all().count() == 0


async def test_alt_text_is_required_and_an_image_can_be_removed(
    staff_media: httpx.AsyncClient, media: Path
) -> None:
    product = await b.product(sku="BIKE-4")
    refused = await _upload(staff_media, product.id, photo("PNG", (50, 50)), "a.png", alt="")
    assert refused.status_code == 400 and "This field is required" in text_of(refused.text)
    assert (await _upload(staff_media, product.id, photo("WEBP"), "a.webp")).status_code == 303
    stored = await ProductImage.get(product_id=product.id)
    page = await staff_media.get(f"/staff/products/{product.id}")
    removed = await staff_media.post(
        f"/staff/images/{stored.id}/remove", data={"csrf_token": csrf_token(page.text)}
    )
    assert removed.status_code == 303
    assert await ProductImage.all().count() == 0
    assert not (media / stored.filename).exists()
