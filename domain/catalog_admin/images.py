"""Product images: checked by content, re-encoded, thumbnailed, stored under the media dir.

An upload is trusted for nothing: its name and declared type are ignored. Pillow opens it only
as JPEG, PNG or WebP (a GIF, an SVG or a script is refused), one frame, at most ``MAX_PIXELS``
(a decompression bomb's header is refused before any decoding), and ``load()`` decodes it in
full (only that catches a truncated JPEG). The pixels are then pasted into a new image, which
drops every byte of metadata (EXIF with GPS, comments, ICC profiles: photos are converted to
sRGB first), and saved as WebP: the stored file is ours, never the upload.
"""

from __future__ import annotations

import io
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError
from tortoise.transactions import in_transaction

from domain.catalog.change_log import audit
from domain.catalog.models import Product, ProductImage
from domain.context import Context
from domain.errors import InvalidInput, NotFound
from domain.validation import clean_text

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
MAX_IMAGES = 12
LARGE = (1600, 1600)
THUMB = (480, 480)
FORMATS = ["JPEG", "PNG", "WEBP"]


@dataclass(frozen=True)
class StoredImage:
    id: int
    filename: str
    thumbnail: str
    width: int
    height: int


def _refused(message: str) -> InvalidInput:
    return InvalidInput(message, field="image")


def _decoded(data: bytes) -> Image.Image:
    if not data:
        raise _refused("Choose an image file.")
    if len(data) > MAX_BYTES:
        raise _refused(f"The image is over {MAX_BYTES // 1024 // 1024} MB.")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            probe = Image.open(io.BytesIO(data), formats=FORMATS)
            if probe.width * probe.height > MAX_PIXELS:
                raise _refused("The image has too many pixels (at most 40 megapixels).")
            if getattr(probe, "n_frames", 1) != 1:
                raise _refused("Animated images are not accepted.")
            probe.verify()
            image = Image.open(io.BytesIO(data), formats=FORMATS)
            image.load()
        except InvalidInput:
            raise
        except (
            UnidentifiedImageError,
            Image.DecompressionBombError,
            Image.DecompressionBombWarning,
        ):
            raise _refused("This is not a JPEG, PNG or WebP image.") from None
        except (OSError, SyntaxError, ValueError):
            raise _refused("The image is damaged or incomplete.") from None
    return image


def _clean(image: Image.Image) -> Image.Image:
    """Upright, sRGB, RGB(A) pixels in a fresh image: no metadata survives."""
    image = ImageOps.exif_transpose(image) or image
    profile = image.info.get("icc_profile")
    if profile:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
            target = ImageCms.createProfile("sRGB")
            mode = "RGBA" if image.mode in ("RGBA", "LA", "PA") else "RGB"
            converted = ImageCms.profileToProfile(
                image.convert(mode), source, target, outputMode=mode
            )
            image = converted or image
        except (ImageCms.PyCMSError, OSError):
            pass  # an unreadable profile: keep the pixels as they are
    alpha = image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info)
    mode = "RGBA" if alpha else "RGB"
    pixels = image.convert(mode)
    fresh = Image.new(mode, pixels.size)
    fresh.paste(pixels)
    return fresh


def _save(image: Image.Image, size: tuple[int, int], path: Path) -> tuple[int, int]:
    copy = image.copy()
    copy.thumbnail(size)
    copy.save(path, format="WEBP", quality=82, method=4)
    return copy.size


async def add_image(
    product_id: int, data: bytes, alt_text: str, *, media_dir: str, ctx: Context
) -> StoredImage:
    """Store an image of a product with its alt text (what a screen reader says)."""
    alt = clean_text(alt_text, field="altText", max_length=300)
    if not await Product.filter(id=product_id).exists():
        raise NotFound("No such product.", field="productId")
    if await ProductImage.filter(product_id=product_id).count() >= MAX_IMAGES:
        raise _refused(f"A product has at most {MAX_IMAGES} images.")
    image = _clean(_decoded(data))
    folder = Path(media_dir) / "products"
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{product_id}-{secrets.token_hex(8)}"
    large, thumb = folder / f"{stem}.webp", folder / f"{stem}-thumb.webp"
    try:
        width, height = _save(image, LARGE, large)
        _save(image, THUMB, thumb)
        async with in_transaction() as conn:
            position = await ProductImage.filter(product_id=product_id).using_db(conn).count()
            row = await ProductImage.create(
                product_id=product_id,
                filename=f"products/{large.name}",
                thumbnail=f"products/{thumb.name}",
                alt_text=alt,
                width=width,
                height=height,
                position=position,
                created_at=ctx.now,
                using_db=conn,
            )
            await audit(conn, ctx, "image_added", alt, product_id=product_id)
    except BaseException:
        large.unlink(missing_ok=True)
        thumb.unlink(missing_ok=True)
        raise
    return StoredImage(row.id, row.filename, row.thumbnail, width, height)


async def remove_image(image_id: int, *, media_dir: str, ctx: Context) -> int:
    """Delete an image and its files; the product's id."""
    async with in_transaction() as conn:
        row = await ProductImage.filter(id=image_id).using_db(conn).first()
        if row is None:
            raise NotFound("No such image.", field="imageId")
        await ProductImage.filter(id=image_id).using_db(conn).delete()
        await audit(conn, ctx, "image_removed", row.alt_text, product_id=row.product_id)
    for name in (row.filename, row.thumbnail):
        (Path(media_dir) / name).unlink(missing_ok=True)
    return row.product_id
