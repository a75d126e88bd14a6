"""``preorder`` run from any folder: the project's database, or one clear sentence; never a hang,
never a traceback.

The default database lives in the project's ``var/``, which tests must not touch: these tests
run a copy of the project (without its ``var/``), from an unrelated current directory, both as
``python <copy>/cli.py`` and through the installed ``preorder`` entry point.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.serving import UNSET

ROOT = Path(__file__).resolve().parent.parent
ENTRY_POINT = Path(sys.executable).parent / "preorder"
PASSWORD = "a long enough password"
NOT_COPIED = shutil.ignore_patterns(
    ".*", "__pycache__", "*.egg-info", "var", "tests", "test-artifacts", "*.db"
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the project without its var/: its default database is its own."""
    copy = tmp_path / "project"
    shutil.copytree(ROOT, copy, ignore=NOT_COPIED)
    return copy


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    return folder


def preorder(
    project: Path, cwd: Path, *args: str, entry_point: bool = False, stdin: str = "", **env: str
) -> subprocess.CompletedProcess[str]:
    """Run the copy's ``preorder`` from ``cwd``; 60 s is far beyond any of these commands."""
    environ = {key: value for key, value in os.environ.items() if key not in UNSET}
    if entry_point:
        # The installed script imports `cli`; PYTHONPATH makes that the copy's.
        command = [str(ENTRY_POINT), *args]
        environ["PYTHONPATH"] = str(project)
    else:
        command = [sys.executable, str(project / "cli.py"), *args]
    return subprocess.run(
        command,
        cwd=cwd,
        env={**environ, **env},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def tables(database: Path) -> set[str]:
    with sqlite3.connect(database) as conn:
        return {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}


def test_migrate_from_another_folder_creates_the_projects_database(
    project: Path, elsewhere: Path
) -> None:
    done = preorder(project, elsewhere, "migrate")
    assert done.returncode == 0, done.stderr
    assert "staff_user" in tables(project / "var" / "preorder.db")
    assert list(elsewhere.iterdir()) == []


def test_the_installed_command_adds_staff_and_tokens_from_another_folder(
    project: Path, elsewhere: Path
) -> None:
    assert ENTRY_POINT.exists(), "the project is installed (pip install -e .)"
    added = preorder(
        project,
        elsewhere,
        *("staff", "add", "--email", "ada@example.com", "--name", "Ada", "--password-stdin"),
        stdin=PASSWORD + "\n",
        entry_point=True,
    )
    assert added.returncode == 0, added.stderr
    created = preorder(
        project,
        elsewhere,
        *("token", "create", "--name", "ERP", "--scopes", "read"),
        entry_point=True,
    )
    assert created.returncode == 0, created.stderr
    assert created.stdout.startswith("token 1 (read)")
    with sqlite3.connect(project / "var" / "preorder.db") as conn:
        assert conn.execute("SELECT count(*) FROM staff_user").fetchone() == (1,)
        assert conn.execute("SELECT count(*) FROM api_token").fetchone() == (1,)
    assert list(elsewhere.iterdir()) == []


def test_token_create_on_a_new_database_file_migrates_it_first(
    project: Path, elsewhere: Path, tmp_path: Path
) -> None:
    database = tmp_path / "new" / "folder" / "tokens.db"
    created = preorder(
        project,
        elsewhere,
        *("token", "create", "--name", "ERP", "--scopes", "read"),
        DATABASE_URL=f"sqlite://{database}",
    )
    assert created.returncode == 0, created.stderr
    assert "api_token" in tables(database)


@pytest.mark.parametrize("entry_point", [False, True], ids=["cli.py", "entry point"])
@pytest.mark.parametrize(
    "command",
    [
        ("migrate",),
        ("token", "create", "--name", "ERP", "--scopes", "read"),
        ("staff", "add", "--email", "ada@example.com", "--name", "Ada", "--password-stdin"),
    ],
    ids=["migrate", "token create", "staff add"],
)
@pytest.mark.parametrize("where", ["folder is a file", "file is a folder"])
def test_a_database_that_cannot_be_opened_is_one_sentence(
    project: Path,
    elsewhere: Path,
    tmp_path: Path,
    command: tuple[str, ...],
    entry_point: bool,
    where: str,
) -> None:
    blocker = tmp_path / "blocker"
    if where == "folder is a file":
        blocker.write_text("not a folder")
        database = blocker / "preorder.db"
    else:
        blocker.mkdir()
        database = blocker
    done = preorder(
        project,
        elsewhere,
        *command,
        stdin=PASSWORD + "\n",
        entry_point=entry_point,
        DATABASE_URL=f"sqlite://{database}",
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    [sentence] = done.stderr.strip().splitlines()
    assert sentence.startswith(f"preorder {command[0]}: cannot ")
    assert str(blocker) in sentence


def test_an_invalid_setting_is_one_sentence(project: Path, elsewhere: Path) -> None:
    done = preorder(project, elsewhere, "migrate", PORT="eighty")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    [sentence] = done.stderr.strip().splitlines()
    assert sentence.startswith("preorder: ") and "eighty" in sentence
