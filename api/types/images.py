"""Product images as the API shows them: absolute URLs of the stored WebP and its thumbnail."""

from __future__ import annotations

from urllib.parse import quote

import strawberry

from api import ids
from domain.catalog.image_reads import ImageView
from domain.context import Policy


def media_url(policy: Policy, name: str) -> str:
    """The absolute URL of a file under the media directory (served at /media)."""
    return f"{policy.base_url.rstrip('/')}/media/{quote(name)}"


@strawberry.type(description="A picture of a product, stored as WebP, with its thumbnail.")
class ProductImage:
    id: strawberry.ID
    url: str = strawberry.field(description="Absolute URL of the image (at most 1600 px).")
    thumbnail_url: str = strawberry.field(description="Absolute URL of the thumbnail (480 px).")
    alt_text: str = strawberry.field(description="What a screen reader says for the image.")
    width: int
    height: int

    @staticmethod
    def of(view: ImageView, policy: Policy) -> ProductImage:
        return ProductImage(
            id=ids.encode("ProductImage", view.id),
            url=media_url(policy, view.filename),
            thumbnail_url=media_url(policy, view.thumbnail),
            alt_text=view.alt_text,
            width=view.width,
            height=view.height,
        )
