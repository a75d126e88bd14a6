"""``preorder staff add``: a staff member who can then sign in; bad input refused."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def staff_add(database: Path, email: str, password: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "cli.py",
            "staff",
            "add",
            "--email",
            email,
            "--name",
            "Ada Admin",
            "--password-stdin",
        ],
        cwd=ROOT,
        input=password + "\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "DATABASE_URL": f"sqlite://{database}"},
    )


def test_staff_add_stores_an_argon2id_hash_and_refuses_a_second_account(tmp_path: Path) -> None:
    database = tmp_path / "cli.db"
    added = staff_add(database, "Ada@Example.com", "a long enough password")
    assert added.returncode == 0, added.stderr
    assert "Ada Admin <ada@example.com>" in added.stdout
    with sqlite3.connect(database) as conn:
        [(stored,)] = conn.execute("SELECT password_hash FROM staff_user").fetchall()
    assert stored.startswith("$argon2id$") and "a long enough password" not in stored
    again = staff_add(database, "ada@example.com", "a long enough password")
    assert again.returncode == 1 and "exists" in again.stderr


def test_staff_add_refuses_a_short_password(tmp_path: Path) -> None:
    refused = staff_add(tmp_path / "cli.db", "bob@example.com", "short")
    assert refused.returncode == 1 and "at least 12 characters" in refused.stderr
