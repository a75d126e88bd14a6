"""Product images for pages and feeds: paths under the media directory, with alt text."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from domain.db import connection, fetch
from domain.rows import chunks, marks


@dataclass(frozen=True)
class ImageView:
    id: int
    product_id: int
    filename: str  # relative to the media directory
    thumbnail: str
    alt_text: str
    width: int
    height: int


async def images_of(product_ids: Sequence[int]) -> dict[int, list[ImageView]]:
    """Each product's images in their order; products without any are absent."""
    found: dict[int, list[ImageView]] = {}
    for part in chunks(sorted(set(product_ids))):
        rows = await fetch(
            connection(),
            "SELECT id, product_id, filename, thumbnail, alt_text, width, height"
            f" FROM product_image WHERE product_id IN ({marks(part)})"
            " ORDER BY product_id, position, id",
            list(part),
        )
        for r in rows:
            found.setdefault(r["product_id"], []).append(
                ImageView(
                    r["id"],
                    r["product_id"],
                    r["filename"],
                    r["thumbnail"],
                    r["alt_text"],
                    r["width"],
                    r["height"],
                )
            )
    return found
