"""``preorder token create`` prints a working secret once; ``preorder token revoke`` ends it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def preorder(*args: str, database: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": f"sqlite://{database}"}
    return subprocess.run(
        [sys.executable, "cli.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_create_then_revoke_a_scoped_token(tmp_path: Path) -> None:
    database = tmp_path / "tokens.db"
    assert preorder("migrate", database=database).returncode == 0
    created = preorder(
        "token", "create", "--name", "ERP", "--scopes", "read,etas", database=database
    )
    assert created.returncode == 0, created.stderr
    header, secret = created.stdout.strip().splitlines()
    assert header.startswith("token 1 (etas read)") and secret.startswith("pot_")
    revoked = preorder("token", "revoke", "1", database=database)
    assert revoked.returncode == 0 and "revoked" in revoked.stdout
    again = preorder("token", "revoke", "1", database=database)
    assert again.returncode == 1 and "No such active token" in again.stderr
    refused = preorder("token", "create", "--name", "x", "--scopes", "admin", database=database)
    assert refused.returncode == 1 and "Scopes are some of" in refused.stderr
