"""Every saved change to the catalogue is recorded in ``catalog_change`` (DOMAIN.md rule 23):
who, when, what, and the ETA event it caused."""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient

from domain.catalog.models import CatalogChange
from domain.context import Context


async def audit(
    conn: BaseDBAsyncClient,
    ctx: Context,
    action: str,
    detail: str,
    *,
    product_id: int | None = None,
    supplier_id: int | None = None,
    event_id: int | None = None,
) -> None:
    await CatalogChange.create(
        product_id=product_id,
        supplier_id=supplier_id,
        action=action,
        detail=detail[:2000],
        actor=str(ctx.actor),
        event_id=event_id,
        created_at=ctx.now,
        using_db=conn,
    )
