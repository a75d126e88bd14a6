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
OPERATIONS = ("place_order", "receive", "revise_expected_date", "recompute_suggestions")
ROW = re.compile(
    r"^(?P<op>place_order|receive|revise_expected_date|recompute_suggestions)\b.*?"
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
            "--hot-lines",
            "150",
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
    assert "note: suggestions wrote" not in done.stdout
    assert re.search(r"products whose waiting_units disagree\s+0$", done.stdout, re.M)
    # --hot-lines sizes the queue behind the revised PO (the 100,000-line run of the PO date
    # change), apart from the number of orders.
    assert "hot queue 150 lines" in done.stdout
    assert re.search(r"hot lines pegged to its PO line\s+150$", done.stdout, re.M)
    assert re.search(r"^revise_expected_date \+14 d \(150 pegged\)", done.stdout, re.M)


def test_bench_refuses_a_hot_queue_larger_than_the_orders(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite://{tmp_path / 'bench.db'}"}
    done = subprocess.run(
        [sys.executable, "cli.py", "bench", "--orders", "20", "--hot-lines", "21"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "--hot-lines must be between 1 and --orders" in done.stdout


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


def test_bench_mail_reports_the_sender_beside_its_floor(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite://{tmp_path / 'bench-mail.db'}"}
    done = subprocess.run(
        [sys.executable, "cli.py", "bench-mail", "--orders", "10", "--rounds", "1"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    # A tiny run may miss the target (exit 1); it must still measure both sides.
    assert done.returncode in (0, 1), done.stdout + done.stderr
    round_ = re.search(r"floor +(\d+) msg/s \((\d+)\) +sender +(\d+) msg/s \((\d+)\)", done.stdout)
    assert round_, done.stdout
    assert int(round_[1]) > 0 and int(round_[3]) > 0
    assert int(round_[2]) == int(round_[4]) == 20, "two emails per order, on both sides"


def test_benchmarks_are_left_out_of_the_wheel() -> None:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    setuptools = project["tool"]["setuptools"]
    assert not any(name.startswith("bench") for name in setuptools["py-modules"])
    assert not any(name.startswith("bench") for name in setuptools["packages"]["find"]["include"])
    assert (ROOT / "bench" / "__init__.py").is_file()
