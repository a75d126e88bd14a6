"""The real app under uvicorn, in this test's event loop, on a free loopback port.

Concurrency is tested through real sockets and uvicorn's own request handling (not httpx's ASGI
transport, which runs requests one after another). The server shares the session's ORM, so the
data a test builds is what the server reads.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import httpx
import uvicorn
from starlette.applications import Starlette

from app import create_app
from settings import Settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def serving(settings: Settings) -> AsyncIterator[tuple[httpx.AsyncClient, Starlette]]:
    app = create_app(settings, manage_database=False)
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, lifespan="off", log_level="warning", access_log=False
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        for _ in range(200):
            if server.started:
                break
            assert not task.done(), task.exception()
            await asyncio.sleep(0.02)
        assert server.started, "uvicorn did not start"
        limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=120
        ) as client:
            yield client, app
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=10)
