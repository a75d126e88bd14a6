"""``preorder bench-import``: importing a products CSV, beside a floor, on a fresh database.

The FLOOR writes the same products by hand-written multi-row INSERTs in one transaction, the
values already parsed: what any import must at least pay to store the rows. The import's
figure adds reading the CSV, checking every row (the forms' checks), matching SKUs, the audit
rows and the progress callback. Then the same file is imported again: it must change nothing
(upsert by SKU), and its time is printed too. Target: 10,000 products under 20 s on
PostgreSQL.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import sys
import time

from tortoise import Tortoise
from tortoise.transactions import in_transaction

from bench.core import _guard, recreate_database
from domain.catalog_admin.importing import PRODUCT_COLUMNS, import_products, import_suppliers
from domain.context import Actor, Context
from domain.db import Dialect, connection, execute, packed, tortoise_config
from domain.migrate import migrate
from settings import Settings

TARGET_SECONDS = 20.0
SUPPLIERS = 50
MODES = ("stocked", "preorder", "made_to_order", "stocked")


def products_csv(n: int, today: dt.date) -> str:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(PRODUCT_COLUMNS)
    for i in range(n):
        mode = MODES[i % len(MODES)]
        writer.writerow(
            [
                f"BENCH-{i:06d}",
                f"Bench product {i}",
                f"A product for the import benchmark, number {i}.",
                f"{10 + i % 990}.{i % 100:02d}",
                mode,
                ("cap", "unlimited", "none")[i % 3],
                "50" if i % 3 == 0 else "",
                (today + dt.timedelta(days=30 + i % 200)).isoformat() if mode == "preorder" else "",
                str(5 + i % 40) if i % 2 else "",
                f"Bench supplier {i % SUPPLIERS}",
                "5" if i % 5 == 0 else "",
                "yes",
            ]
        )
    return out.getvalue()


def suppliers_csv() -> str:
    lines = ["name,email,lead_time_days,address"]
    lines += [
        f"Bench supplier {i},s{i}@bench.example,{10 + i},Street {i}" for i in range(SUPPLIERS)
    ]
    return "\r\n".join(lines) + "\r\n"


async def _floor(text: str) -> float:
    """The same rows by multi-row INSERT, parsed values in hand, one transaction."""
    conn = connection()
    suppliers = {
        row["name"]: row["id"]
        for row in await conn.execute_query_dict("SELECT id, name FROM supplier")
    }
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows = []
    for r in reader:
        cap = 0 if r["backorders"] == "none" else (int(r["cap"]) if r["cap"] else None)
        rows.append(
            (
                r["sku"],
                r["name"],
                r["description"],
                r["price"],
                r["mode"],
                cap,
                dt.date.fromisoformat(r["release_date"]) if r["release_date"] else None,
                int(r["lead_time_days"]) if r["lead_time_days"] else None,
                suppliers[r["supplier"]],
                int(r["per_order_limit"]) if r["per_order_limit"] else None,
            )
        )
    began = time.perf_counter()
    async with in_transaction() as conn:
        d = Dialect(conn)
        now = dt.datetime.now(dt.UTC)
        for group in packed(rows, lambda _: 11):
            values = ", ".join(
                f"(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, {d.true}, {d.timestamp})" for _ in group
            )
            await execute(
                conn,
                "INSERT INTO product (sku, name, description, price, mode, backorder_cap,"
                " release_date, lead_time_days, supplier_id, per_order_limit, on_hand,"
                f" waiting_units, active, created_at) VALUES {values}",
                [v for row in group for v in (*row, now)],
            )
    return time.perf_counter() - began


async def run(settings: Settings, *, products: int = 10_000) -> int:
    url = settings.database_url
    refusal = _guard(url)
    if refusal:
        print(f"preorder bench-import: {refusal}")
        return 2
    postgres = url.startswith(("postgres://", "postgresql://"))
    await recreate_database(url)
    await migrate(url)
    await Tortoise.init(
        config=tortoise_config(url, pool_size=4, statement_timeout_ms=600_000),
        _enable_global_fallback=True,
    )
    try:
        ctx = Context(Actor("bench"), dt.datetime.now(dt.UTC), settings.policy)
        suppliers = await import_suppliers(suppliers_csv(), ctx=ctx)
        assert not suppliers.errors, suppliers.errors[:3]
        text = products_csv(products, ctx.today)
        floor = await _floor(text)
        await execute(connection(), "DELETE FROM product")
        began = time.perf_counter()
        report = await import_products(text.encode("utf-8"), ctx=ctx)
        first = time.perf_counter() - began
        assert not report.errors, [str(e) for e in report.errors[:3]]
        assert report.created == products, report.summary()
        began = time.perf_counter()
        again = await import_products(text.encode("utf-8"), ctx=ctx)
        second = time.perf_counter() - began
        assert (again.created, again.changed, again.unchanged) == (0, 0, products)
    finally:
        await Tortoise.close_connections()
    database = "PostgreSQL" if postgres else "SQLite"
    print(f"preorder bench-import on {database}: {products:,} products, {len(text) / 1e6:.1f} MB")
    print(f"  floor (multi-row INSERT of parsed rows)  {floor:6.2f} s")
    print(f"  import (read, check every row, write)   {first:6.2f} s   {first / floor:.1f}x floor")
    print(f"  same file again (changes nothing)        {second:6.2f} s")
    ok = first < TARGET_SECONDS
    print(
        f"  target: under {TARGET_SECONDS:.0f} s on PostgreSQL: {'OK' if ok else 'MISSED'}"
        f"  (Python {sys.version.split()[0]}, {os.cpu_count()} CPUs)"
    )
    return 0 if ok or not postgres else 1
