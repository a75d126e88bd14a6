"""A real service under uvicorn with the demo store, and headless Chromium to drive it."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from playwright.async_api import Browser, async_playwright

from tests.conftest import TEST_DATABASE_URL, on_postgres
from tests.serving import free_port, isolated_env, serving

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


# The database behind each running live server, by its base URL (for ``add_staff_member``).
LIVE_DATABASES: dict[str, str] = {}


async def _database(tmp_path: Path) -> tuple[str, str | None]:
    if not on_postgres():
        return f"sqlite://{tmp_path / 'live.db'}", None
    name = f"preorder_live_{uuid.uuid4().hex[:10]}"
    server = TEST_DATABASE_URL.replace("postgresql://", "postgres://", 1)
    conn = await asyncpg.connect(server)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    return f"{server.rpartition('/')[0]}/{name}", name


@pytest.fixture
async def live_server(tmp_path: Path) -> AsyncIterator[str]:
    """``preorder serve`` on a free port: migrated, demo store loaded, real HTTP. Its database,
    mailbox and log are under the test's temporary directory."""
    url, pg_name = await _database(tmp_path)
    port = free_port()
    env = isolated_env(tmp_path, DATABASE_URL=url, PORT=str(port), SECRET_KEY="browser-secret")
    try:
        async with serving(tmp_path, env, port) as base:
            LIVE_DATABASES[base] = url
            try:
                yield base
            finally:
                LIVE_DATABASES.pop(base, None)
    finally:
        if pg_name:
            conn = await asyncpg.connect(
                TEST_DATABASE_URL.replace("postgresql://", "postgres://", 1)
            )
            await conn.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
            await conn.close()


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield launched
        await launched.close()


def artifact(name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / name


def add_staff_member(base: str, email: str, name: str, password: str) -> None:
    """``preorder staff add`` against the live server's own database."""
    done = subprocess.run(
        [
            sys.executable,
            "cli.py",
            "staff",
            "add",
            "--email",
            email,
            "--name",
            name,
            "--password-stdin",
        ],
        cwd=ROOT,
        input=password + "\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "DATABASE_URL": LIVE_DATABASES[base]},
    )
    assert done.returncode == 0, done.stderr[-2000:]
