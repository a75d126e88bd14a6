"""Audit entries (cancellations, priority changes, cancelled PO lines) of one order or PO."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from domain.audit.models import AuditAction
from domain.db import connection, fetch
from domain.rows import moment_of


@dataclass(frozen=True)
class AuditView:
    at: dt.datetime
    action: AuditAction
    detail: str
    actor: str


async def audit_of(
    *, order_id: int | None = None, purchase_order_id: int | None = None
) -> list[AuditView]:
    column, value = (
        ("order_id", order_id) if order_id is not None else ("purchase_order_id", purchase_order_id)
    )
    rows = await fetch(
        connection(),
        f"SELECT created_at, action, detail, actor FROM audit_entry WHERE {column} = ? ORDER BY id",
        [value],
    )
    return [
        AuditView(moment_of(r["created_at"]), AuditAction(r["action"]), r["detail"], r["actor"])
        for r in rows
    ]
