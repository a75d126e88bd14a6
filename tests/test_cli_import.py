"""``preorder import`` and ``preorder export``: a file with a bad row writes nothing and names
the row and column; ``--dry-run`` prints what would change; export writes the same format."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCTS = (
    "sku,name,price,mode,backorders,cap,supplier\r\n"
    "EB-1,E-bike,2499.00,stocked,cap,5,Nordic\r\n"
    "EB-2,E-bike two,1999.00,stocked,unlimited,,Nordic\r\n"
)


def preorder(database: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "cli.py", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "DATABASE_URL": f"sqlite://{database}"},
    )


def _count(database: Path) -> int:
    with sqlite3.connect(database) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM product").fetchone()[0])


def test_import_checks_every_row_then_writes_and_export_reads_back(tmp_path: Path) -> None:
    database = tmp_path / "shop.db"
    suppliers = tmp_path / "suppliers.csv"
    suppliers.write_text("name,email,lead_time_days\nNordic,po@nordic.example,12\n")
    assert preorder(database, "import", str(suppliers)).returncode == 0
    products = tmp_path / "products.csv"
    products.write_text(PRODUCTS + "BAD,Thing,-1,stocked,unlimited,,\r\n", newline="")
    refused = preorder(database, "import", str(products))
    assert refused.returncode == 1
    assert "row 4, column price" in refused.stderr
    assert "nothing was written" in refused.stdout
    assert _count(database) == 0
    products.write_text(PRODUCTS, newline="")
    dry = preorder(database, "import", str(products), "--dry-run")
    assert dry.returncode == 0 and "dry run: 2 rows: 2 would be created" in dry.stdout
    assert _count(database) == 0
    done = preorder(database, "import", str(products))
    assert done.returncode == 0, done.stderr
    assert "2 were created" in done.stdout and _count(database) == 2
    exported = tmp_path / "export.csv"
    assert preorder(database, "export", "products", "-o", str(exported)).returncode == 0
    again = preorder(database, "import", "--kind", "products", str(exported))
    assert "0 were created, 0 were changed, 2 unchanged" in again.stdout
    unknown = preorder(database, "import", str(tmp_path / "things.csv"))
    assert unknown.returncode == 2
