"""``preorder bench-import`` runs end to end at a tiny scale on SQLite and prints the import
beside its floor; timings are not asserted."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_bench_import_prints_the_import_beside_its_floor(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite://{tmp_path / 'bench.db'}"}
    done = subprocess.run(
        [sys.executable, "cli.py", "bench-import", "--products", "300"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "floor (multi-row INSERT" in done.stdout
    assert "x floor" in done.stdout
    assert "same file again (changes nothing)" in done.stdout
