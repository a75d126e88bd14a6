"""The benchmark runs end to end at a tiny scale on SQLite and reports every operation.

It runs as its own process (``cli.py bench``) so that its Tortoise set-up and teardown stay
apart from the test session's. Timings are not asserted: only that each figure is there.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OPERATIONS = ("place_order", "receive", "revise_expected_date")
ROW = re.compile(
    r"^(?P<op>place_order|receive|revise_expected_date)\b.*?"
    r"\s(?P<measured>\d+(?:\.\d+)?) ms\s+(?P<floor>\d+(?:\.\d+)?) ms\s+\d+(?:\.\d+)?x\s"
)


def test_bench_reports_every_operation_with_measured_and_floor(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite://{tmp_path / 'bench.db'}"}
    done = subprocess.run(
        [
            sys.executable,
            "cli.py",
            "bench",
            "--products",
            "20",
            "--suppliers",
            "5",
            "--orders",
            "500",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    rows = [m for m in map(ROW.match, done.stdout.splitlines()) if m]
    reported = {m["op"] for m in rows}
    assert reported == set(OPERATIONS), done.stdout
    for row in rows:
        assert float(row["measured"]) > 0 and float(row["floor"]) > 0, row.group(0)
    # The service and its hand-made floor did the same work.
    assert "wrote different row counts" not in done.stdout
    assert re.search(r"products whose waiting_units disagree\s+0$", done.stdout, re.M)


def test_bench_refuses_a_database_not_named_for_it(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite://{tmp_path / 'preorder.db'}"}
    done = subprocess.run(
        [sys.executable, "cli.py", "bench", "--orders", "20"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "refusing to drop" in done.stdout
    assert not (tmp_path / "preorder.db").exists()
