"""``preorder simulate``: a tiny world for 30 days through the real services, both policies.

The run is the command itself (``cli.main``), on SQLite files in a temporary folder, or on
PostgreSQL databases of its own next to the test session's server when one is given.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from simulation.world import DEFAULT_FILE, DEFAULT_WORLD, WorldError, load_world, parse_world
from tests.conftest import TEST_DATABASE_URL, on_postgres

ROOT = Path(__file__).resolve().parent.parent.parent
TINY = """
[store]
start = 2027-03-01
products = 12
suppliers = 4
orders_per_year = 2200
lines_per_order = [1, 2]
units_per_line = [1, 2]
popularity = 1.0
ship_complete_share = 0.2
initial_stock_days = 3
lead_time_days = [3, 8]

[demand]
seasonality = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]
burst_chance = 0.1
burst_orders = [2, 6]
burst_days = [1, 2]

[buying]
reorder_days = 0
order_up_to_days = 5
partial_receipt_chance = 0.3
partial_first_share = [0.5, 0.9]
partial_rest_days = [1, 4]

[cancellation]
daily_chance = 0.01
after_notice = 0.3
keep_after_notice = 0.4

[suppliers.reliable]
share = 0.5
on_time = 0.8
late_days = [1, 5]
early = 0.1
early_days = [1, 2]

[suppliers.unreliable]
share = 0.5
on_time = 0.4
late_days = [3, 12]
early = 0.05
early_days = [1, 2]
"""


def _database_args() -> list[str]:
    if not on_postgres():
        return []
    parts = urlsplit(TEST_DATABASE_URL)
    return ["--database-url", urlunsplit(parts._replace(path="/preorder_simulate_test"))]


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """In a process of its own: the simulator opens and closes its own ORM set-up."""
    done = subprocess.run(
        [sys.executable, "cli.py", "simulate", *args, *_database_args()],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return done.returncode, done.stdout, done.stderr


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.toml"
    path.write_text(TINY, encoding="utf-8")
    return path


def test_the_shipped_example_file_is_the_built_in_default_world() -> None:
    assert load_world(DEFAULT_FILE) == DEFAULT_WORLD


def test_a_tiny_month_is_sane_and_the_same_seed_gives_the_same_json(
    tiny: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    svg = tmp_path / "chart.svg"
    args = ["--days", "30", "--seed", "7", "--world", str(tiny), "--json"]
    code, out, _ = _run(capsys, *args, "--svg", str(svg))
    assert code == 0
    first = json.loads(out)
    assert set(first) == {"run", "face-value", "learned", "targets"}
    for policy in ("face-value", "learned"):
        figures, counts = first[policy]["figures"], first[policy]["counts"]
        assert counts["orders"] > 30 and counts["purchase_orders"] > 0
        assert counts["receipts"] > 0 and counts["shipments"] > 0
        assert 0 < figures["delivered"] <= counts["lines"]
        for key in ("first_kept_percent", "last_kept_percent"):
            assert 0.0 <= figures[key] <= 100.0
        assert figures["waiting_lines"] <= figures["delivered"]
        assert figures["eta_emails_per_waiting_line"] >= 0
        assert len(first[policy]["weeks"]) >= 4
    # The same demand under both policies: the world does not depend on the policy.
    assert first["face-value"]["counts"]["orders"] == first["learned"]["counts"]["orders"]
    assert set(first["targets"]) == {
        "first_kept_percent",
        "median_slack_days",
        "last_kept_percent",
        "notices_in_time_percent",
        "median_warning_days",
        "eta_emails_per_waiting_line",
    }
    chart = svg.read_text(encoding="utf-8")
    assert chart.startswith("<svg") and "face-value" in chart and "learned" in chart
    assert "<script" not in chart and "<polyline" in chart

    code, again, _ = _run(capsys, *args, "--svg", "")
    assert code == 0 and json.loads(again) == first


def test_the_table_prints_both_policies_and_the_targets_beside_the_learned_one(
    tiny: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(
        capsys, "--days", "8", "--world", str(tiny), "--svg", str(tmp_path / "c.svg")
    )
    assert code == 0
    header = next(line for line in out.splitlines() if line.startswith("figure"))
    assert "face-value" in header and "learned" in header and "target" in header
    assert "first promise kept" in out and ">= 97%" in out
    assert ("met" in out) and "chart:" in out


@pytest.mark.parametrize(
    ("change", "key"),
    [
        (("popularity = 1.0", 'popularity = "much"'), "store.popularity"),
        (("share = 0.5\non_time = 0.8", "share = 0.6\non_time = 0.8"), "suppliers"),
        (("burst_chance = 0.1", "burst_chance = 1.5"), "demand.burst_chance"),
        (("lead_time_days = [3, 8]", "lead_time_days = [8, 3]"), "store.lead_time_days"),
        (("daily_chance = 0.01\n", ""), "cancellation.daily_chance"),
        (("[demand]", "[demand]\nspeed = 3"), "demand.speed"),
    ],
)
def test_an_invalid_world_file_is_refused_naming_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change: tuple[str, str], key: str
) -> None:
    assert change[0] in TINY
    path = tmp_path / "bad.toml"
    path.write_text(TINY.replace(change[0], change[1], 1), encoding="utf-8")
    code, out, err = _run(capsys, "--world", str(path), "--days", "3", "--svg", "")
    assert code == 2 and out == ""
    assert f"{path}: {key}" in err, err


def test_a_world_file_that_is_not_toml_or_missing_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("[store\n", encoding="utf-8")
    code, _, err = _run(capsys, "--world", str(broken), "--svg", "")
    assert code == 2 and "not TOML" in err
    code, _, err = _run(capsys, "--world", str(tmp_path / "none.toml"), "--svg", "")
    assert code == 2 and "none.toml" in err


def test_every_key_of_the_default_file_is_required() -> None:
    data = tomllib.loads(DEFAULT_FILE.read_text(encoding="utf-8"))
    del data["buying"]["reorder_days"]
    with pytest.raises(WorldError, match=r"^buying\.reorder_days: missing$"):
        parse_world(data)
