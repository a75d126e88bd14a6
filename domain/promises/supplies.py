"""A product's terms and open supply, read for the ETA rules (DOMAIN.md rules 2, 21).

The open supply is every PO line of an open, stocked PO with units still to come
(``remaining``); each line and each product's lead time carry their supplier's slip history.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from tortoise.backends.base.client import BaseDBAsyncClient

from domain.db import fetch, packed
from domain.promises.eta import ProductTerms, SupplyLine
from domain.promises.remaining import remaining_sql
from domain.promises.slip_histories import slip_histories
from domain.promises.slips import SlipHistory
from domain.rows import as_date
from domain.vocabulary import AvailabilityMode


@dataclass(frozen=True)
class ProductSupply:
    product_id: int
    terms: ProductTerms
    supply: list[SupplyLine]


async def load_supplies(
    conn: BaseDBAsyncClient, product_ids: list[int]
) -> dict[int, ProductSupply]:
    """The products' terms and open PO lines (two queries per few hundred products), and the
    slip histories of their suppliers (one more)."""
    terms: dict[int, ProductTerms] = {}
    supply: dict[int, list[SupplyLine]] = {product_id: [] for product_id in product_ids}
    supply_rows: list[dict] = []
    product_supplier: dict[int, int | None] = {}
    for group in packed(product_ids, lambda _: 1):
        marks = ", ".join("?" for _ in group)
        for row in await fetch(
            conn,
            "SELECT p.id, p.mode, p.release_date, p.supplier_id,"
            " COALESCE(p.lead_time_days, s.lead_time_days)"
            f" AS lead FROM product p LEFT JOIN supplier s ON s.id = p.supplier_id"
            f" WHERE p.id IN ({marks})",
            group,
        ):
            terms[row["id"]] = ProductTerms(
                AvailabilityMode(row["mode"]), as_date(row["release_date"]), row["lead"]
            )
            product_supplier[row["id"]] = row["supplier_id"]
        supply_rows += await fetch(
            conn,
            f"SELECT {SUPPLY_COLUMNS}, l.product_id FROM {OPEN_SUPPLY}"
            f" AND l.product_id IN ({marks})",
            group,
        )
    wanted = {row["supplier_id"] for row in supply_rows}
    wanted |= {sid for sid in product_supplier.values() if sid is not None}
    slips = await slip_histories(conn, wanted)
    for row in supply_rows:
        supply[row["product_id"]].append(supply_line(row, slips))
    for product_id, supplier_id in product_supplier.items():
        if supplier_id is not None:
            terms[product_id] = replace(terms[product_id], slips=slips.get(supplier_id))
    return {
        product_id: ProductSupply(product_id, terms[product_id], supply[product_id])
        for product_id in product_ids
        if product_id in terms
    }


SUPPLY_COLUMNS = f"l.id, o.supplier_id, o.expected_date, {remaining_sql('l')} AS remaining"
OPEN_SUPPLY = (
    "purchase_order_line l JOIN purchase_order o ON o.id = l.purchase_order_id"
    " WHERE o.status = 'open' AND NOT o.dropship"
    f" AND {remaining_sql('l')} > 0"
)


def supply_line(row: dict, slips: dict[int, SlipHistory]) -> SupplyLine:
    """An open PO line with its supplier's slip history (rule 21)."""
    return SupplyLine(
        row["id"],
        as_date(row["expected_date"]),  # type: ignore[arg-type]
        row["remaining"],
        slips.get(row["supplier_id"]),
    )
