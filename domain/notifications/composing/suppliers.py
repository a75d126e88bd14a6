"""What a supplier's email says (DOMAIN.md rule 24): its PO, read when the email is sent.

The link is recomputed from the PO's salt and last day, as order links are: a PO sent again
(new salt) makes an older unsent email carry the new link, never a revoked one.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict

from tortoise.backends.base.client import BaseDBAsyncClient

from domain.context import Policy
from domain.notifications.composing.emails import SupplierLine, SupplierPurchaseOrder
from domain.outbox.claims import Claimed
from domain.outbox.retry import Failure, Scope
from domain.portal_urls import supplier_po_url
from domain.promises.remaining import remaining_of
from domain.purchasing.models import PurchaseOrder, PurchaseOrderLine
from domain.supply.link import supplier_token
from domain.vocabulary import OutboxKind

SUPPLY_KINDS = (OutboxKind.PURCHASE_ORDER_SENT, OutboxKind.SUPPLIER_REMINDER)


async def load_supplier_mail(
    conn: BaseDBAsyncClient, rows: list[Claimed], policy: Policy
) -> dict[int, SupplierPurchaseOrder | Failure]:
    """Each supplier row's view by outbox row id."""
    wanted = {
        row.id: row.payload_int("purchase_order_id") for row in rows if row.kind in SUPPLY_KINDS
    }
    if not wanted:
        return {}
    roots = set(wanted.values())
    pos = {
        po["id"]: po
        for po in await PurchaseOrder.filter(id__in=roots)
        .using_db(conn)
        .values(
            "id",
            "number",
            "expected_date",
            "link_salt",
            "link_expires",
            "supplier__name",
            "dropship",
        )
    }
    parts = {
        po["id"]: po
        for po in await PurchaseOrder.filter(split_from_id__in=roots)
        .using_db(conn)
        .values("id", "number", "expected_date", "split_from_id")
    }
    numbers = {**{i: p for i, p in pos.items()}, **parts}
    lines: dict[int, list[SupplierLine]] = defaultdict(list)
    every: dict[int, SupplierLine] = {}
    for line in (
        await PurchaseOrderLine.filter(purchase_order_id__in=[*pos, *parts])
        .using_db(conn)
        .order_by("id")
        .values(
            "id",
            "purchase_order_id",
            "ship_to",
            "product__sku",
            "product__name",
            "quantity",
            "quantity_received",
            "quantity_cancelled",
            "confirmed_date",
        )
    ):
        left = remaining_of(line)
        owner = numbers[line["purchase_order_id"]]
        root = owner.get("split_from_id") or owner["id"]
        shown = SupplierLine(
            owner["number"],
            line["product__sku"],
            line["product__name"],
            left,
            owner["expected_date"],
            line["confirmed_date"],
            line["ship_to"],
        )
        every[line["id"]] = shown
        if left > 0:
            lines[root].append(shown)
    found: dict[int, SupplierPurchaseOrder | Failure] = {}
    for row in rows:
        if row.id not in wanted:
            continue
        po = pos.get(wanted[row.id])
        if po is None or not po["link_salt"] or po["link_expires"] is None:
            found[row.id] = Failure(Scope.CONTENT, "the purchase order or its link is gone")
            continue
        token = supplier_token(policy.secret_key, po["id"], po["link_expires"], po["link_salt"])
        cancelled = every.get(row.payload_int("cancelled_line"))
        units = row.payload_int("cancelled_units")
        found[row.id] = SupplierPurchaseOrder(
            number=po["number"],
            supplier_name=po["supplier__name"],
            expected_date=po["expected_date"],
            lines=tuple(lines[po["id"]]),
            link=supplier_po_url(policy.base_url, token),
            reminder=str(row.payload.get("reminder", "")),
            dropship=bool(po["dropship"]),
            cancelled=(dataclasses.replace(cancelled, quantity=units),) if cancelled else (),
        )
    return found
