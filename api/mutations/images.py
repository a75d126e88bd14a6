"""Staff mutations of product images (scope `catalog`). Uploads go through
``POST /api/products/{productId}/images`` (api/uploads.py): GraphQL bodies are JSON."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info

from api import ids
from api.context import ApiContext
from api.errors import UserError, user_errors
from api.permissions import CATALOG, requires, staff_context
from domain.catalog_admin.images import remove_image
from domain.errors import DomainError


@strawberry.input
class RemoveProductImageInput:
    image_id: strawberry.ID


@strawberry.type
class RemoveProductImagePayload:
    errors: list[UserError] = strawberry.field(default_factory=list)
    image_id: strawberry.ID | None = None
    product_id: strawberry.ID | None = None


@strawberry.type
class ImagesMutation:
    @strawberry.mutation(
        description="Staff (scope `catalog`): delete a product image and its files.",
        metadata=requires(CATALOG),
    )
    async def remove_product_image(
        self,
        info: Info[ApiContext, Any],
        input: RemoveProductImageInput,  # noqa: A002
    ) -> RemoveProductImagePayload:
        try:
            ctx = await staff_context(info)
            product = await remove_image(
                ids.decode("ProductImage", input.image_id) or 0,
                media_dir=info.context.policy.media_dir,
                ctx=ctx,
            )
        except DomainError as error:
            return RemoveProductImagePayload(errors=user_errors(error))
        return RemoveProductImagePayload(
            image_id=input.image_id, product_id=ids.encode("Product", product)
        )
