"""A real service under uvicorn with the demo store, and headless Chromium to drive it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from playwright.async_api import Browser, async_playwright

from tests.conftest import TEST_DATABASE_URL, on_postgres

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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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
    """``preorder serve`` on a free port: migrated, demo store loaded, real HTTP."""
    url, pg_name = await _database(tmp_path)
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "PORT": str(port),
        "SECRET_KEY": "browser-secret",
        "BASE_URL": f"http://127.0.0.1:{port}",
    }
    log = open(tmp_path / "server.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [sys.executable, "cli.py", "serve"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        async with httpx.AsyncClient() as client:
            while True:
                assert process.poll() is None, (tmp_path / "server.log").read_text()[-3000:]
                try:
                    if (await client.get(f"{base}/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.3)
        LIVE_DATABASES[base] = url
        yield base
    finally:
        LIVE_DATABASES.pop(base, None)
        process.terminate()
        process.wait(timeout=20)
        log.close()
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
