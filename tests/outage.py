"""A database that is down, for one block of a test: the app's connection is swapped for a
real client of a database that cannot be reached (a refused port on PostgreSQL, a file that
cannot be opened on SQLite), so every statement fails the way the driver fails in production."""

from __future__ import annotations

import contextlib
import importlib
import socket
from collections.abc import AsyncIterator
from pathlib import Path

from tortoise.backends.base.config_generator import expand_db_url
from tortoise.connection import connections

from tests.conftest import on_postgres


def _refused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # closed again at once: nothing listens there


def dead_url(tmp_path: Path) -> str:
    if on_postgres():
        return f"postgres://postgres@127.0.0.1:{_refused_port()}/gone"
    return f"sqlite://{tmp_path / 'vanished' / 'preorder.db'}"  # its folder does not exist


@contextlib.asynccontextmanager
async def database_down(tmp_path: Path) -> AsyncIterator[None]:
    info = expand_db_url(dead_url(tmp_path))
    client_class = importlib.import_module(info["engine"]).client_class
    dead = client_class(connection_name="default", **info["credentials"])
    token = connections.set("default", dead)
    try:
        yield
    finally:
        connections.reset(token)
        with contextlib.suppress(Exception):
            await dead.close()
