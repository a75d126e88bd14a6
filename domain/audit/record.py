"""Writing audit entries inside the transaction of the change they describe."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from tortoise.backends.base.client import BaseDBAsyncClient

from domain.audit.models import AuditAction, AuditEntry
from domain.catalog.models import Product
from domain.context import Context

if TYPE_CHECKING:  # a type only: the audit sits below purchasing
    from domain.purchasing.models import PurchaseOrderLine


async def record(
    conn: BaseDBAsyncClient,
    ctx: Context,
    action: AuditAction,
    detail: str,
    *,
    order_id: int | None = None,
    purchase_order_id: int | None = None,
) -> None:
    await AuditEntry.create(
        action=action,
        order_id=order_id,
        purchase_order_id=purchase_order_id,
        detail=detail[:500],
        actor=str(ctx.actor),
        created_at=ctx.now,
        using_db=conn,
    )


async def record_cancellation(
    conn: BaseDBAsyncClient,
    ctx: Context,
    order_id: int,
    units: Sequence[tuple[int, int]],
    reason: str,
) -> None:
    """``units``: (product id, units cancelled) per line, named in the entry by product."""
    ids = sorted({product_id for product_id, _ in units})
    names = dict(await Product.filter(id__in=ids).using_db(conn).values_list("id", "name"))
    parts = ", ".join(f"{quantity} × {names.get(pid, '?')}" for pid, quantity in units)
    await record(
        conn, ctx, AuditAction.ORDER_LINES_CANCELLED, f"{parts}: {reason}", order_id=order_id
    )


async def record_po_line_cancellation(
    conn: BaseDBAsyncClient, ctx: Context, line: PurchaseOrderLine, units: int, reason: str
) -> None:
    sku = (await Product.get(id=line.product_id, using_db=conn)).sku
    await record(
        conn,
        ctx,
        AuditAction.PO_LINE_CANCELLED,
        f"{units} × {sku} cancelled: {reason}",
        purchase_order_id=line.purchase_order_id,
    )
